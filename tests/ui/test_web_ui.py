"""The web UI in a real headless Chromium against the real gateway, services and embedded
database: a rider and a driver in two browser contexts complete a ride, live, without reloads.
Screenshots of every screen at phone and desktop width go to artifacts/screenshots/."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.e2e_http import PASSWORD, create_operator
from tests.harness import ROOT, Cluster, GatewayProcess, start_gateway
from tests.ride import ALL

pytestmark = pytest.mark.integration

DIST = ROOT / "frontend" / "dist"
SHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# No tile server here: the map must still show stations, routes and cars.
GATEWAY_ENV = {"TILE_URL": ""}
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


@pytest.fixture
def gateway(cluster: Cluster) -> Iterator[GatewayProcess]:
    assert (DIST / "index.html").exists(), "frontend not built: `make test` builds it"
    cluster.start(*ALL)
    gw = start_gateway(cluster, GATEWAY_ENV)
    yield gw
    assert gw.stop() == 0


@pytest.fixture
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "chromium missing: `make test` installs it (apt-get)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


class Console:
    """Collects a page's console errors. The browser logs every non-2xx fetch; the one API.md
    makes routine (404 for 'no current route') is not an error of the page."""

    def __init__(self) -> None:
        self.errors: list[str] = []

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
        self.errors.append(f"{msg.text} @ {url}")


def shoot(page: Page, name: str) -> None:
    """Saves the current screen at phone and desktop width."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    if size:
        page.set_viewport_size(size)


def phone_number() -> str:
    return "+9188" + str(uuid.uuid4().int)[:8]


def sign_up(page: Page, url: str, role: str, name: str, **vehicle: str) -> None:
    page.goto(url)
    page.get_by_role("tab", name="Sign up").click()
    page.get_by_label("Driver" if role == "driver" else "Rider", exact=True).check()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Phone").fill(phone_number())
    page.get_by_label("Password").fill(PASSWORD)
    if vehicle:
        page.get_by_label("Vehicle plate").fill(vehicle["plate"])
        page.get_by_label("Vehicle model").fill(vehicle["model"])
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"**/{role}")


def test_a_rider_and_a_driver_complete_a_ride_live(
    gateway: GatewayProcess, browser: Browser
) -> None:
    base = f"http://127.0.0.1:{gateway.port}"
    console = Console()
    rider_ctx = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    driver_ctx = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    rider = console.watch(rider_ctx.new_page())
    driver = console.watch(driver_ctx.new_page())

    rider.goto(base)
    expect(rider.get_by_role("button", name="Create account")).to_be_visible()
    shoot(rider, "sign-up")

    # The rider asks for a ride from MG Road, arriving in a minute.
    sign_up(rider, base, "rider", "Asha")
    expect(rider.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    rider.get_by_label("Metro station").select_option("mg-road")
    rider.get_by_label("Going to").select_option("ulsoor")
    soon = (datetime.now(UTC) + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    rider.get_by_label("I reach the station at").fill(soon)
    shoot(rider, "rider-request")
    rider.get_by_role("button", name="Request a ride").click()
    status = rider.get_by_test_id("ride-status")
    expect(status).to_have_attribute("data-status", "WAITING")
    shoot(rider, "rider-waiting")

    # The driver builds a route through MG Road and starts driving.
    sign_up(driver, base, "driver", "Ravi", plate="KA01AB1234", model="Swift")
    builder = driver.get_by_test_id("route-builder")
    builder.get_by_role("button", name="MG Road").click()
    driver.get_by_label("Heading to").select_option("ulsoor")
    driver.get_by_label("Free seats").fill("2")
    shoot(driver, "driver-route")
    driver.get_by_role("button", name="Create route").click()
    driver.get_by_label("Speed").select_option("300")
    driver.get_by_role("button", name="Start driving").click()

    # Without a reload, the rider sees the match with the driver's name.
    expect(status).to_have_attribute("data-status", "MATCHED", timeout=60_000)
    expect(rider.get_by_test_id("driver-info")).to_contain_text("Ravi")
    expect(rider.get_by_test_id("driver-info")).to_contain_text("Swift")
    expect(rider.get_by_test_id("toast").first).to_be_visible()
    shoot(rider, "rider-matched")

    # The driver sees Asha at MG Road, picks her up and completes the trip.
    matched = driver.get_by_test_id("matched-rider").filter(has_text="Asha")
    expect(matched).to_be_visible(timeout=30_000)
    shoot(driver, "driver-matched")
    matched.get_by_role("button", name="Picked up").click()
    expect(status).to_have_attribute("data-status", "PICKED_UP", timeout=30_000)
    driver.get_by_role("button", name="Complete trip").click()

    # The ride ends on the rider's screen: the form is back and the history says Arrived.
    expect(rider.get_by_test_id("history")).to_contain_text("Arrived", timeout=30_000)
    expect(rider.get_by_test_id("request-form")).to_be_visible()
    shoot(rider, "rider-history")
    expect(driver.get_by_test_id("route-builder")).to_be_visible(timeout=30_000)
    shoot(driver, "driver-done")

    ops = console.watch(rider_ctx.new_page())
    ops.goto(f"{base}/ops")
    expect(ops.get_by_test_id("ops-stations")).to_contain_text("MG Road")
    expect(ops.get_by_test_id("ops-drivers")).not_to_have_text("")
    shoot(ops, "ops")

    assert console.errors == []
    rider_ctx.close()
    driver_ctx.close()


def test_bad_sign_up_input_shows_the_error_next_to_the_field(
    gateway: GatewayProcess, browser: Browser
) -> None:
    page = browser.new_page(viewport=PHONE)
    page.goto(f"http://127.0.0.1:{gateway.port}/")
    page.get_by_label("Name").fill("Asha")
    page.get_by_label("Phone").fill(phone_number())
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    error = page.get_by_test_id("password-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("8")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    assert page.url.endswith("/")  # still on the form, nobody signed in
    shoot(page, "sign-up-error")
    page.close()


def test_an_operator_logs_in_on_the_operations_page(
    cluster: Cluster, gateway: GatewayProcess, browser: Browser
) -> None:
    number = phone_number()
    create_operator(cluster.mongo_uri, cluster.db_name, number, name="Night shift")
    console = Console()
    context = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    page = console.watch(context.new_page())
    page.goto(f"http://127.0.0.1:{gateway.port}/ops")
    # Anyone sees the public counts, and the operators' log-in.
    expect(page.get_by_test_id("ops-stations")).to_contain_text("MG Road")
    page.get_by_label("Operator phone").fill(number)
    page.get_by_label("Operator password").fill(PASSWORD)
    page.get_by_role("button", name="Log in as operator").click()
    # The operator's view: the map with every station and the trips by status.
    expect(page.get_by_role("heading", name="Trips")).to_be_visible()
    expect(page.get_by_role("button", name="Log in as operator")).to_have_count(0)
    expect(page.locator(".leaflet-container")).to_be_visible()
    shoot(page, "ops-operator")
    assert console.errors == []
    context.close()
