"""Every state of a screen, in the real browser against the real system: loading (the API held
back), empty, an API error with a retry, the log-in page's keyboard, staying signed in across
tabs, and logging out leaving nothing of the user behind."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e_http import PASSWORD
from tests.ui.browser import PHONE, Console, phone_number, shoot

pytestmark = pytest.mark.integration

REQUESTS = "**/api/v1/rider/requests"


def sign_up_rider(page: Page, base: str, name: str, *, stay: bool = False) -> None:
    page.goto(base)
    page.get_by_label("Name").fill(name)
    page.get_by_label("Phone").fill(phone_number())
    page.get_by_label("Password").fill(PASSWORD)
    if stay:
        page.get_by_label("Stay signed in on this device").check()
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/rider")


def stored_keys(page: Page) -> list[str]:
    return page.evaluate(
        """() => [localStorage, sessionStorage].flatMap((s) =>
             Array.from({ length: s.length }, (_, i) => s.key(i)))
           .filter((k) => k.startsWith("lastmile."))"""
    )


def test_the_rides_screen_shows_loading_then_empty_then_an_error_with_a_retry(
    base: str, browser: Browser
) -> None:
    console = Console()
    context = browser.new_context(viewport=PHONE, timezone_id="UTC")
    page = console.watch(context.new_page())
    held: list[Route] = []
    holding = [True]
    page.route(REQUESTS, lambda route: held.append(route) if holding[0] else route.continue_())
    sign_up_rider(page, base, "Chitra")
    # The list is held back: a skeleton says it is coming, and no "no rides" yet.
    expect(page.get_by_test_id("skeleton").first).to_be_visible()
    expect(page.get_by_test_id("empty")).to_have_count(0)
    shoot(page, "rider-loading")
    page.wait_for_timeout(200)
    assert held, "the rides were never asked for"
    holding[0] = False
    for route in held:
        route.continue_()
    page.unroute(REQUESTS)
    # A newcomer has no rides: said kindly, and the form to ask for one.
    expect(page.get_by_test_id("empty")).to_contain_text("No rides yet")
    expect(page.get_by_test_id("request-form")).to_be_visible()
    expect(page.get_by_test_id("skeleton")).to_have_count(0)
    shoot(page, "rider-empty")

    # The server fails: the rider reads what happened, in words, and tries again.
    console.expected.append(("500", "/rider/requests"))
    page.route(
        REQUESTS,
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error": {"code": "INTERNAL", "message": "internal error"}}',
        ),
    )
    page.reload()
    error = page.get_by_test_id("load-error")
    expect(error).to_contain_text("We could not load your rides")
    expect(error).not_to_contain_text("internal error")
    expect(page.get_by_test_id("request-form")).to_have_count(0)
    shoot(page, "rider-load-error")
    page.unroute(REQUESTS)
    error.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("load-error")).to_have_count(0)
    expect(page.get_by_test_id("request-form")).to_be_visible()
    assert console.errors == []
    context.close()


def test_the_log_in_tabs_follow_the_keyboard_and_checks_come_before_sending(
    base: str, browser: Browser
) -> None:
    page = browser.new_page(viewport=PHONE)
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/auth/" in r.url else None)
    page.goto(base)
    sign_up_tab = page.get_by_role("tab", name="Sign up")
    sign_up_tab.focus()
    page.keyboard.press("ArrowRight")
    log_in_tab = page.get_by_role("tab", name="Log in")
    expect(log_in_tab).to_have_attribute("aria-selected", "true")
    expect(log_in_tab).to_be_focused()
    expect(page.get_by_label("Name")).to_have_count(0)
    page.keyboard.press("Home")
    expect(sign_up_tab).to_be_focused()
    expect(sign_up_tab).to_have_attribute("aria-selected", "true")
    # A driver without a vehicle, a short phone and password: each said where it belongs,
    # and nothing sent.
    page.get_by_label("Driver", exact=True).check()
    page.get_by_label("Name").fill("Ravi")
    page.get_by_label("Phone").fill("12345")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    for field in ("phone", "password", "vehicle.plate", "vehicle.model"):
        expect(page.get_by_test_id(f"{field}-error")).to_be_visible()
    shoot(page, "sign-up-driver-checks")
    assert sent == []
    page.close()


def test_staying_signed_in_reaches_other_tabs_and_logging_out_leaves_nothing(
    base: str, browser: Browser
) -> None:
    console = Console()
    context = browser.new_context(viewport=PHONE, timezone_id="UTC")
    first = console.watch(context.new_page())
    sign_up_rider(first, base, "Deepa", stay=True)
    expect(first.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    # The header holds on one line at phone width.
    header = first.locator("header").bounding_box()
    assert header and header["height"] < 70, header
    second = console.watch(context.new_page())
    second.goto(f"{base}/rider")
    expect(second.get_by_test_id("request-form")).to_be_visible()
    expect(second.get_by_test_id("who")).to_have_count(1)

    first.get_by_role("button", name="Log out").click()
    expect(first.get_by_role("button", name="Create account")).to_be_visible()
    expect(first.get_by_test_id("toast")).to_have_count(0)
    expect(first.get_by_test_id("who")).to_have_count(0)
    assert stored_keys(first) == []
    # The other tab follows: back at the door, nothing of Deepa on it.
    expect(second.get_by_role("button", name="Create account")).to_be_visible()
    expect(second.get_by_test_id("who")).to_have_count(0)
    second.goto(f"{base}/rider")
    expect(second).to_have_url(f"{base}/")
    shoot(second, "logged-out")
    assert console.errors == []
    context.close()


def test_without_staying_signed_in_a_new_tab_starts_at_the_door(
    base: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, timezone_id="UTC")
    first = context.new_page()
    sign_up_rider(first, base, "Esha")
    second = context.new_page()
    second.goto(f"{base}/rider")
    expect(second.get_by_role("button", name="Create account")).to_be_visible()
    context.close()


def test_the_map_names_stations_lines_and_areas_with_no_tile_server(
    base: str, browser: Browser
) -> None:
    context = browser.new_context(viewport=PHONE, timezone_id="UTC")
    page = context.new_page()
    sign_up_rider(page, base, "Farah")
    stations = page.evaluate("() => fetch('/api/v1/stations').then((r) => r.json())")
    map_ = page.get_by_test_id("map")
    # On a phone the map comes before the form's fields.
    field = page.get_by_label("Metro station").bounding_box()
    box = map_.bounding_box()
    assert box and field and box["y"] < field["y"], (box, field)
    for station in stations:
        expect(map_.get_by_role("tooltip", name=station["name"], exact=True)).to_be_visible()
    expect(map_.locator("path.metro-line")).to_have_count(2)
    legend = page.get_by_test_id("map-legend")
    expect(legend).to_contain_text("Purple Line")
    expect(legend).to_contain_text("Green Line")
    # Choosing a station names its areas.
    page.get_by_label("Metro station").select_option("mg-road")
    mg_road = next(s for s in stations if s["id"] == "mg-road")
    for area in mg_road["areas"]:
        expect(map_.get_by_role("tooltip", name=area["name"], exact=True)).to_be_visible()
    expect(map_.locator(".station-label.chosen")).to_have_text("MG Road")
    shoot(page, "map-offline")
    context.close()
