"""The page is light: the sign-up page loads only its own JavaScript (no map library), every
asset goes out pre-compressed (brotli or gzip, as the browser accepts), hashed names are cached
for a year, and the initial JavaScript stays within its budget. First contentful paint is
measured in the real browser and reported."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable

import pytest
from playwright.sync_api import Browser, Response, expect

from tests.ui.browser import DIST, PHONE

pytestmark = pytest.mark.integration

# What the sign-up page's scripts may weigh on the wire, compressed.
INITIAL_JS_BUDGET = 150 * 1024
# Present in Leaflet's code, nowhere else.
LEAFLET_MARK = b"_leaflet_pos"
# First contentful paint, once the browser has painted (the load event may come first).
FCP = """() => new Promise((resolve) => {
  new PerformanceObserver((list, observer) => {
    const paint = list.getEntriesByName("first-contentful-paint")[0];
    if (paint) { observer.disconnect(); resolve(paint.startTime); }
  }).observe({ type: "paint", buffered: true });
  setTimeout(() => resolve(null), 20000);
})"""
# A slow mobile link: 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trips.
SLOW_PHONE_NETWORK = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1_600_000 / 8,
    "uploadThroughput": 750_000 / 8,
}


def _get(url: str, accept_encoding: str | None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url)
    if accept_encoding is not None:
        req.add_header("Accept-Encoding", accept_encoding)
    with urllib.request.urlopen(req, timeout=10) as answer:
        return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()


def _entry_script() -> str:
    html = (DIST / "index.html").read_text()
    found = re.search(r'<script type="module"[^>]*src="/(assets/[^"]+\.js)"', html)
    assert found, html
    return found.group(1)


def test_assets_go_out_precompressed_and_cached_for_a_year(base: str) -> None:
    asset = _entry_script()
    plain = (DIST / asset).read_bytes()
    decoders: dict[str, Callable[[bytes], bytes]] = {}
    import gzip

    import brotli

    decoders = {"br": brotli.decompress, "gzip": gzip.decompress}
    for accepted, expected in (("gzip, deflate, br", "br"), ("gzip", "gzip"), (None, None)):
        status, headers, body = _get(f"{base}/{asset}", accepted)
        assert status == 200
        assert headers.get("content-encoding") == expected, (accepted, headers)
        assert "Accept-Encoding" in headers.get("vary", ""), headers
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert headers["content-type"].startswith("text/javascript"), headers
        assert int(headers["content-length"]) == len(body)
        assert (decoders[expected](body) if expected else body) == plain
        if expected:
            assert len(body) < len(plain) / 2
    # The page itself is compressed too, and never cached (it names the current assets).
    status, headers, _ = _get(f"{base}/", "br")
    assert headers.get("content-encoding") == "br" and headers["cache-control"] == "no-cache"
    # A browser that refuses both still gets plain bytes.
    _, headers, body = _get(f"{base}/{asset}", "br;q=0, gzip;q=0")
    assert "content-encoding" not in headers and body == plain


def _first_paint_on_a_phone_network(browser: Browser, base: str) -> float:
    """First contentful paint of the sign-up page over a slow mobile link (emulated)."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_PHONE_NETWORK)
    page.goto(base, wait_until="load", timeout=60_000)
    fcp = page.evaluate(FCP)
    context.close()
    assert fcp is not None, "no first contentful paint on the slow network"
    return fcp


def test_the_sign_up_page_is_light_and_paints_fast(
    base: str, browser: Browser, record_property: Callable[[str, object], None]
) -> None:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    scripts: list[Response] = []
    page.on("response", lambda r: scripts.append(r) if r.url.endswith(".js") else None)
    page.goto(base, wait_until="load")
    expect(page.get_by_role("button", name="Create account")).to_be_visible()
    fcp = page.evaluate(FCP)
    assert fcp is not None, "no first contentful paint"
    sizes = page.evaluate(
        """() => performance.getEntriesByType("resource")
            .filter((r) => r.name.endsWith(".js"))
            .map((r) => [r.name, r.encodedBodySize, r.decodedBodySize])"""
    )
    own = [r for r in scripts if "/assets/" in r.url]
    assert own, [r.url for r in scripts]
    leaflet = [r.url for r in own if LEAFLET_MARK in r.body()]
    on_wire = sum(size for _, size, _ in sizes)
    unpacked = sum(size for *_, size in sizes)
    record_property(
        "figure",
        f"sign-up page: first contentful paint {fcp:.0f} ms; JavaScript {on_wire / 1024:.1f} KB "
        f"on the wire ({unpacked / 1024:.1f} KB unpacked) in {len(sizes)} files; "
        f"first contentful paint on a slow phone network "
        f"{_first_paint_on_a_phone_network(browser, base):.0f} ms",
    )
    context.close()
    assert not leaflet, f"the sign-up page loads the map library: {leaflet}"
    assert on_wire <= INITIAL_JS_BUDGET, sizes
