"""The web UI in a real headless Chromium against the real gateway, services and embedded
database: a rider and a driver in two browser contexts complete a ride, live, without reloads.
Screenshots of every screen at phone and desktop width go to artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pymongo import MongoClient

from api.lastmile.v1 import rider_pb2, rider_pb2_grpc
from tests.e2e_http import PASSWORD, bearer, create_operator, in_minutes, signup
from tests.harness import Cluster, GatewayProcess
from tests.ui.browser import DESKTOP, PHONE, Console, phone_number, shoot

pytestmark = pytest.mark.integration


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


def ask_for_a_ride(page: Page, minutes: int = 1) -> None:
    page.get_by_label("Metro station").select_option("mg-road")
    page.get_by_label("Going to").select_option("ulsoor")
    soon = (datetime.now(UTC) + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("I reach the station at").fill(soon)


def seconds_left(page: Page) -> int:
    raw = page.get_by_test_id("eta").get_attribute("data-seconds") or ""
    assert raw.isdigit(), f"no countdown: {raw!r}"
    return int(raw)


def test_a_rider_and_a_driver_complete_a_ride_live(
    gateway: GatewayProcess, browser: Browser
) -> None:
    base = f"http://127.0.0.1:{gateway.port}"
    console = Console()
    rider_ctx = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    other_ctx = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    driver_ctx = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    rider = console.watch(rider_ctx.new_page())
    other = console.watch(other_ctx.new_page())
    driver = console.watch(driver_ctx.new_page())
    rider_calls: list[str] = []
    rider.on("request", lambda r: rider_calls.append(r.url))

    rider.goto(base)
    expect(rider.get_by_role("button", name="Create account")).to_be_visible()
    shoot(rider, "sign-up")

    # Asha asks for a ride from MG Road, arriving in a minute: the fare and the matching
    # window are on the form before she asks.
    sign_up(rider, base, "rider", "Asha")
    expect(rider.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    ask_for_a_ride(rider)
    expect(rider.get_by_test_id("fare-estimate")).to_contain_text("₹")
    expect(rider.get_by_test_id("match-window")).to_contain_text("Drivers reaching MG Road")
    shoot(rider, "rider-request")
    rider.get_by_role("button", name="Request a ride").click()
    status = rider.get_by_test_id("ride-status")
    expect(status).to_have_attribute("data-status", "WAITING")
    expect(rider.get_by_test_id("match-window")).to_be_visible()
    shoot(rider, "rider-waiting")
    # Bina asks for the same ride.
    sign_up(other, base, "rider", "Bina")
    ask_for_a_ride(other)
    other.get_by_role("button", name="Request a ride").click()
    expect(other.get_by_test_id("ride-status")).to_have_attribute("data-status", "WAITING")

    # The driver builds a route through MG Road: both riders show as waiting there.
    sign_up(driver, base, "driver", "Ravi", plate="KA01AB1234", model="Swift")
    builder = driver.get_by_test_id("route-builder")
    builder.get_by_role("button", name="MG Road").click()
    driver.get_by_label("Heading to").select_option("ulsoor")
    driver.get_by_label("Free seats").fill("2")
    shoot(driver, "driver-route")
    driver.get_by_role("button", name="Create route").click()
    expect(driver.get_by_test_id("waiting-count")).to_contain_text("2 waiting for Ulsoor")
    driver.get_by_label("Simulated speed").select_option("300")
    driver.get_by_role("button", name="Start driving").click()
    # The drive survives a reload of the driver's page.
    driver.reload()
    expect(driver.get_by_role("button", name="Stop driving")).to_be_visible()

    # Without a reload, Asha sees the match: the driver, the PIN, the car moving on her map
    # from pushed positions, and the ETA counting down.
    expect(status).to_have_attribute("data-status", "MATCHED", timeout=60_000)
    expect(rider.get_by_test_id("moment")).to_contain_text("Matched! Ravi is coming to MG Road")
    info = rider.get_by_test_id("driver-info")
    expect(info).to_contain_text("Ravi")
    expect(info).to_contain_text("Swift")
    expect(rider.get_by_test_id("toast").first).to_be_visible()
    pin = rider.get_by_test_id("pin").inner_text().strip()
    assert len(pin) == 4 and pin.isdigit()
    car = rider.get_by_test_id("car-position")
    expect(car).to_be_visible(timeout=15_000)
    first_fix = car.get_attribute("data-at")
    expect(car).not_to_have_attribute("data-at", first_fix or "", timeout=10_000)
    expect(rider.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(rider.get_by_test_id("eta")).to_have_attribute("data-seconds", re.compile(r"^\d+$"))
    expect(rider.get_by_test_id("eta")).to_contain_text("Ravi is")
    driver.get_by_role("button", name="Stop driving").click()
    rider.wait_for_timeout(1500)  # the last position in flight lands
    before = seconds_left(rider)
    rider.wait_for_timeout(2500)
    assert seconds_left(rider) <= before - 2 or before <= 2, (before, seconds_left(rider))
    shoot(rider, "rider-matched")

    # Bina cancels, saying why; the driver is told the reason.
    other.get_by_role("button", name="Cancel ride").click()
    other.get_by_label("Why are you cancelling?").select_option("driver_too_far")
    shoot(other, "rider-cancel-reason")
    other.get_by_role("button", name="Cancel this ride").click()
    expect(other.get_by_test_id("request-form")).to_be_visible()
    expect(driver.get_by_test_id("toast").filter(has_text="driver too far")).to_be_visible(
        timeout=15_000
    )

    # The driver sees Asha at MG Road and picks her up with her PIN: a wrong one first.
    matched = driver.get_by_test_id("matched-rider").filter(has_text="Asha")
    expect(matched).to_be_visible(timeout=30_000)
    # Bina has cancelled: Asha, bound for the driver's own destination, is the only drop-off.
    expect(matched.get_by_test_id("drop-off")).to_have_text("Drop 1: Ulsoor")
    wrong = "0000" if pin != "0000" else "1111"
    console.expected.append(("409", "/pickup"))
    matched.get_by_test_id("pin-input").fill(wrong)
    matched.get_by_role("button", name="Picked up").click()
    expect(driver.get_by_test_id("form-error")).to_contain_text("PIN")
    expect(status).to_have_attribute("data-status", "MATCHED")
    shoot(driver, "driver-pin")
    matched.get_by_test_id("pin-input").fill(pin)
    matched.get_by_role("button", name="Picked up").click()
    expect(status).to_have_attribute("data-status", "PICKED_UP", timeout=30_000)
    shoot(rider, "rider-on-board")
    driver.get_by_role("button", name="Complete trip").click()

    # The ride ends with a receipt and a rating on both sides.
    receipt = rider.get_by_test_id("receipt")
    expect(receipt).to_be_visible(timeout=30_000)
    expect(rider.get_by_test_id("receipt-fare")).to_contain_text("₹")
    expect(rider.get_by_test_id("arrived-moment")).to_contain_text("You have arrived at Ulsoor")
    shoot(rider, "rider-receipt")
    receipt.get_by_role("radio", name="5 stars").click()
    receipt.get_by_role("button", name="Send rating").click()
    expect(receipt).to_have_count(0)
    expect(rider.get_by_test_id("request-form")).to_be_visible()
    history = rider.get_by_test_id("history")
    expect(history).to_contain_text("Arrived")
    history.get_by_test_id("history-entry").first.locator("summary").click()
    expect(history).to_contain_text("Fare paid")
    shoot(rider, "rider-history")
    rate = driver.get_by_test_id("rate-riders")
    expect(rate).to_be_visible(timeout=30_000)
    rate.get_by_role("button", name="Rate Asha 4 stars").click()
    expect(rate).to_contain_text("Rated 4")
    expect(driver.get_by_test_id("earnings")).to_contain_text("1 ride")
    shoot(driver, "driver-rate")
    rate.get_by_role("button", name="Done").click()
    expect(driver.get_by_test_id("route-builder")).to_be_visible(timeout=30_000)
    shoot(driver, "driver-done")

    # Positions were pushed, never polled: no operator snapshot, at most one position read.
    assert not [u for u in rider_calls if "/ops/snapshot" in u]
    assert len([u for u in rider_calls if u.endswith("/position")]) <= 2, rider_calls

    ops = console.watch(rider_ctx.new_page())
    ops.goto(f"{base}/ops")
    expect(ops.get_by_test_id("ops-stations")).to_contain_text("MG Road")
    expect(ops.get_by_test_id("ops-drivers")).not_to_have_text("")
    shoot(ops, "ops")

    assert console.errors == []
    for context in (rider_ctx, other_ctx, driver_ctx):
        context.close()


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


def expire_now(cluster: Cluster, request_id: str) -> None:
    """Moves a request's arrival an hour back and runs the rider service's expiry sweep."""
    with MongoClient(cluster.mongo_uri) as client:
        client[cluster.db_name]["ride_requests"].update_one(
            {"_id": request_id}, {"$set": {"arrivalTime": datetime.now(UTC) - timedelta(hours=1)}}
        )
    with grpc.insecure_channel(f"127.0.0.1:{cluster.ports['rider']}") as channel:
        swept = rider_pb2_grpc.RiderServiceStub(channel).ExpireDue(
            rider_pb2.ExpireDueRequest(), timeout=10
        )
    assert swept.expired == 1


def test_an_operator_logs_in_on_the_operations_page(
    ui_cluster: Cluster, gateway: GatewayProcess, browser: Browser
) -> None:
    number = phone_number()
    create_operator(ui_cluster.mongo_uri, ui_cluster.db_name, number, name="Night shift")
    console = Console()
    context = browser.new_context(viewport=DESKTOP, timezone_id="UTC")
    page = console.watch(context.new_page())
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/ops/" in r.url else None)
    page.goto(f"http://127.0.0.1:{gateway.port}/ops")
    # Anyone sees the public counts (the summary only), and the operators' log-in.
    expect(page.get_by_test_id("ops-stations")).to_contain_text("MG Road")
    assert calls and all(u.endswith("/ops/summary") for u in calls), calls
    page.get_by_label("Operator phone").fill(number)
    page.get_by_label("Operator password").fill(PASSWORD)
    page.get_by_role("button", name="Log in as operator").click()
    # The operator's console: the map with every station, trends, drivers, trips by state.
    expect(page.get_by_role("heading", name="Trips")).to_be_visible()
    expect(page.get_by_role("button", name="Log in as operator")).to_have_count(0)
    expect(page.locator(".leaflet-container")).to_be_visible()
    expect(page.get_by_test_id("ops-driver-list")).to_be_visible()
    expect(page.get_by_test_id("sparkline").first).to_be_visible()
    expect(page.get_by_test_id("ops-unmatched")).to_contain_text("Every rider whose wait ended")

    # A rider starts waiting at Banashankari: its badge appears on the map without a reload,
    # and goes when the rider cancels.
    label = page.get_by_test_id("map").get_by_role("tooltip", name=re.compile("^Banashankari"))
    expect(label).to_have_text("Banashankari")
    with httpx.Client(base_url=gateway.url, timeout=30) as http:
        rider = signup(http, "rider", "Gita")
        asked = http.post(
            "/rider/requests",
            headers=bearer(rider["token"]),
            json={
                "stationId": "banashankari",
                "destinationAreaId": "kathriguppe",
                "arrivalTime": in_minutes(15),
            },
        )
        assert asked.status_code == 201, asked.text
        expect(label).to_have_text("Banashankari1 waiting", timeout=15_000)
        shoot(page, "ops-operator")
        gone = http.delete(f"/rider/requests/{asked.json()['id']}", headers=bearer(rider["token"]))
        assert gone.status_code == 200, gone.text
        expect(label).to_have_text("Banashankari", timeout=15_000)

        # A rider whose wait ended with no driver her way: the console says why.
        late = signup(http, "rider", "Hema")
        asked = http.post(
            "/rider/requests",
            headers=bearer(late["token"]),
            json={
                "stationId": "jayanagar",
                "destinationAreaId": "wilson-garden",
                "arrivalTime": in_minutes(1),
            },
        )
        assert asked.status_code == 201, asked.text
    expire_now(ui_cluster, asked.json()["id"])
    expect(page.get_by_test_id("ops-unmatched-no_driver")).to_have_text("1", timeout=15_000)
    expect(page.get_by_test_id("ops-unmatched-no_seat")).to_have_text("0")
    shoot(page, "ops-unmatched")
    assert console.errors == []
    context.close()


def test_a_refused_token_returns_to_the_log_in_page_saying_why(
    gateway: GatewayProcess, browser: Browser
) -> None:
    base = f"http://127.0.0.1:{gateway.port}"
    context = browser.new_context(viewport=PHONE, timezone_id="UTC")
    page = context.new_page()
    sign_up(page, base, "rider", "Asha")
    expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
    # The stored token goes bad (expired, revoked or forged): the next call is refused.
    page.evaluate(
        """() => {
          const s = JSON.parse(sessionStorage.getItem("lastmile.session"));
          s.token = s.token.slice(0, -4) + "AAAA";
          sessionStorage.setItem("lastmile.session", JSON.stringify(s));
        }"""
    )
    page.reload()
    expect(page.get_by_role("status")).to_contain_text("Your session has ended")
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_test_id("toast")).to_have_count(0)
    shoot(page, "session-ended")
    context.close()
