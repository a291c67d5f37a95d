"""What the browser tests share: Debian's chromium, screenshots at phone and desktop width
(artifacts/screenshots/), a page's console errors, and axe-core's verdict on every screen."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from playwright.sync_api import ConsoleMessage, Page

from tests.harness import ROOT

DIST = ROOT / "frontend" / "dist"
SHOTS = ROOT / "artifacts" / "screenshots"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 860}
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# axe-core's impacts a screen may not have.
BLOCKING = ("serious", "critical")


class Console:
    """Collects a page's console errors. The browser logs every non-2xx fetch; the one API.md
    makes routine (404 for 'no current route') is not an error of the page."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        # (status, URL ending) pairs a test provokes on purpose, e.g. a wrong PIN's 409.
        self.expected: list[tuple[str, str]] = []

    def watch(self, page: Page) -> Page:
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        return page

    def _on_console(self, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        url = msg.location.get("url", "")
        if "404" in msg.text and url.endswith("/api/v1/driver/routes/current"):
            return
        if any(code in msg.text and url.endswith(end) for code, end in self.expected):
            return
        self.errors.append(f"{msg.text} @ {url}")


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated over the devtools protocol: the page's CSP (no inline scripts) stays on.
        page.evaluate(AXE.read_text() + "\n;0")
    found = page.evaluate(
        """async () => {
          const result = await window.axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            where: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
          }));
        }"""
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {v['where']}"
        for v in found
        if v["impact"] in BLOCKING
    ]


def settled(page: Page, timeout_ms: float = 5000) -> None:
    """Waits until every animation that ends has ended (a banner's pulse, a toast sliding in):
    axe-core measures contrast on the colours of the moment, and half-way through a fade a
    banner is paler than it will stay. Endless ones (a loading skeleton) are not waited for."""
    page.wait_for_function(
        """() => document.getAnimations().every(a => a.playState !== "running"
            || a.effect === null || a.effect.getComputedTiming().endTime === Infinity)""",
        timeout=timeout_ms,
    )


def shoot(page: Page, name: str) -> None:
    """Saves the current screen at phone and desktop width, and holds it to axe-core at each:
    a screen with a serious or critical accessibility finding fails its test."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    problems = []
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        settled(page)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
        problems += [f"{name}-{label}: {p}" for p in axe_violations(page)]
    if size:
        page.set_viewport_size(size)
    assert not problems, "\n".join(problems)


def phone_number() -> str:
    return "+9188" + str(uuid.uuid4().int)[:8]


def chromium_path() -> Path:
    path = Path(CHROMIUM)
    assert path.exists(), "chromium missing: `make test` installs it (apt-get)"
    return path
