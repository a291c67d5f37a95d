"""A shared ride through the gateway with what riders compare us on: the fare up front and a
final one, live positions pushed to the riders' streams, the PIN at pick-up (wrong, then
right), ratings both ways, a cancel reason told to the driver, and the driver's earnings."""

from __future__ import annotations

import time

import httpx
import pytest

from common.fares import fare_inr
from common.geo import destination_point, haversine_m
from tests.e2e_http import bearer, in_minutes, signup
from tests.harness import GatewayProcess, wait_until
from tests.integration.test_gateway import SseReader
from tests.ride import MG_ROAD

pytestmark = pytest.mark.integration


def drive(http: httpx.Client, d: dict, metres: float, speed: float = 8.0) -> dict:
    lat, lon = destination_point(*MG_ROAD, 180, metres)
    answer = http.post(
        "/driver/location", headers=d, json={"lat": lat, "lon": lon, "speedMps": speed}
    )
    assert answer.status_code == 202, answer.text
    return answer.json()


def test_a_shared_ride_with_fares_positions_pins_and_ratings(
    gw: GatewayProcess, http: httpx.Client
) -> None:
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1234", "model": "Swift"})
    asha, bina, chitra, dana = (
        signup(http, "rider", n) for n in ("Asha", "Bina", "Chitra", "Dana")
    )
    d = bearer(driver["token"])
    a, b, c, x = (bearer(u["token"]) for u in (asha, bina, chitra, dana))
    station = http.get("/stations/mg-road").json()
    area = next(ar for ar in station["areas"] if ar["id"] == "domlur")
    distance = haversine_m(
        station["location"]["lat"],
        station["location"]["lon"],
        area["location"]["lat"],
        area["location"]["lon"],
    )

    body = {"stationId": "mg-road", "destinationAreaId": "domlur", "arrivalTime": in_minutes(3)}
    asked = {}
    for name, h in (("asha", a), ("bina", b), ("chitra", c)):
        answer = http.post("/rider/requests", headers=h, json=body)
        assert answer.status_code == 201, answer.text
        asked[name] = answer.json()
    # The fare up front: an estimate, the price of riding alone; no PIN before a match.
    assert asked["asha"]["fare"] == {
        "amount": fare_inr(distance),
        "currency": "INR",
        "final": False,
    }
    assert "pin" not in asked["asha"]
    route = {"stationIds": ["mg-road", "trinity"], "destinationAreaId": "domlur", "seats": 3}
    assert http.post("/driver/routes", headers=d, json=route).status_code == 201

    streams = {name: SseReader(gw.url, u["token"]) for name, u in (("asha", asha), ("dana", dana))}
    driver_stream = SseReader(gw.url, driver["token"])
    try:
        drive(http, d, 1500)
        (hit,) = drive(http, d, 900)["triggered"]
        trip_id = hit["tripId"]
        assert set(hit["riderIds"]) == {
            asha["user"]["id"],
            bina["user"]["id"],
            chitra["user"]["id"],
        }
        mine = {
            n: http.get(f"/rider/requests/{asked[n]['id']}", headers=h).json()
            for n, h in (("asha", a), ("bina", b), ("chitra", c))
        }
        assert all(len(m["pin"]) == 4 and m["pin"].isdigit() for m in mine.values())

        # Chitra cancels, saying why; the driver hears the reason.
        gone = http.delete(
            f"/rider/requests/{asked['chitra']['id']}?reason=driver_too_far", headers=c
        )
        assert gone.status_code == 200, gone.text
        assert gone.json()["cancelReason"] == "driver_too_far"
        wait_until(lambda: "RIDER_CANCELLED" in driver_stream.kinds())
        (told,) = [n for _, n in driver_stream.events if n["kind"] == "RIDER_CANCELLED"]
        assert told["data"]["reason"] == "DRIVER_TOO_FAR" and "driver too far" in told["body"]

        # Positions reach Asha's stream as `position` events with no id; Dana hears nothing.
        for metres in (800, 700):
            drive(http, d, metres)
            time.sleep(1.1)
        wait_until(lambda: len(streams["asha"].positions) >= 2)
        last = streams["asha"].positions[-1]
        assert last["tripId"] == trip_id and set(streams["asha"].position_ids) == {None}
        assert 0 < last["etaS"] < 700 / 8 + 30, streams["asha"].positions
        assert not streams["dana"].positions
        got = http.get(f"/trips/{trip_id}/position", headers=a)
        assert got.status_code == 200 and got.json()["tripId"] == trip_id
        assert http.get(f"/trips/{trip_id}/position", headers=x).status_code == 404
        assert http.get(f"/trips/{trip_id}/position", headers=c).status_code == 404

        # The PIN is the rider's alone: the driver's view never carries it.
        trip_view = http.get(f"/trips/{trip_id}", headers=d).text
        assert mine["asha"]["pin"] not in trip_view.replace(trip_id, "")
        # A wrong PIN picks nobody up, not even the rider whose PIN was right.
        wrong = "0000" if mine["asha"]["pin"] != "0000" else "1111"
        riders = [
            {"riderId": asha["user"]["id"], "pin": wrong},
            {"riderId": bina["user"]["id"], "pin": mine["bina"]["pin"]},
        ]
        refused = http.post(f"/trips/{trip_id}/pickup", headers=d, json={"riders": riders})
        assert refused.status_code == 409 and refused.json()["error"]["field"] == "pin"
        statuses = [r["status"] for r in http.get(f"/trips/{trip_id}", headers=d).json()["riders"]]
        assert statuses.count("PICKED_UP") == 0
        riders[0]["pin"] = mine["asha"]["pin"]
        picked = http.post(f"/trips/{trip_id}/pickup", headers=d, json={"riders": riders})
        assert picked.status_code == 200 and picked.json()["status"] == "ACTIVE"
        assert "pin" not in http.get(f"/rider/requests/{asked['asha']['id']}", headers=a).json()

        # No rating before the ride is over.
        early = http.post(f"/trips/{trip_id}/rating", headers=a, json={"stars": 5})
        assert early.status_code == 409
        assert http.post(f"/trips/{trip_id}/complete", headers=d).status_code == 200
    finally:
        for s in (*streams.values(), driver_stream):
            s.close()

    # The final fare counts both riders the trip carried.
    final = http.get(f"/rider/requests/{asked['asha']['id']}", headers=a).json()["fare"]
    assert final == {"amount": fare_inr(distance, 2), "currency": "INR", "final": True}
    assert final["amount"] < asked["asha"]["fare"]["amount"]

    # Ratings both ways, once per pair; nobody else may rate.
    rated = http.post(f"/trips/{trip_id}/rating", headers=a, json={"stars": 5, "comment": "Smooth"})
    assert rated.status_code == 201 and rated.json()["toUserId"] == driver["user"]["id"]
    again = http.post(f"/trips/{trip_id}/rating", headers=a, json={"stars": 1})
    assert again.status_code == 409
    assert http.post(f"/trips/{trip_id}/rating", headers=b, json={"stars": 4}).status_code == 201
    by_driver = http.post(
        f"/trips/{trip_id}/rating", headers=d, json={"stars": 3, "riderId": asha["user"]["id"]}
    )
    assert by_driver.status_code == 201 and by_driver.json()["toUserId"] == asha["user"]["id"]
    assert http.post(f"/trips/{trip_id}/rating", headers=x, json={"stars": 1}).status_code == 404
    assert http.post(f"/trips/{trip_id}/rating", headers=c, json={"stars": 1}).status_code == 409
    assert http.get("/me", headers=d).json()["rating"] == {"average": 4.5, "count": 2}
    assert http.get("/me", headers=a).json()["rating"] == {"average": 3.0, "count": 1}
    assert "rating" not in http.get("/me", headers=x).json()
    # The driver's view of the trip carries the riders' averages; a rider's does not.
    riders = {r["riderId"]: r for r in http.get(f"/trips/{trip_id}", headers=d).json()["riders"]}
    assert riders[asha["user"]["id"]]["rating"] == {"average": 3.0, "count": 1}
    assert "rating" not in http.get(f"/trips/{trip_id}", headers=a).json()["riders"][0]

    earned = http.get("/driver/earnings", headers=d).json()
    assert (earned["amount"], earned["rides"], earned["trips"]) == (2 * fare_inr(distance, 2), 2, 1)
