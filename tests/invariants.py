"""The promises matching keeps, checked against what the services stored."""

from __future__ import annotations

from collections import Counter
from typing import Any

TAKEN = ("HELD", "CONFIRMED")


def _check_seat_count(route: dict[str, Any]) -> Counter[str]:
    """No seat count negative or above the total, and the count in step with the seats taken
    (HELD or CONFIRMED); answers the seats by state."""
    assert 0 <= route["seatsFree"] <= route["seatsTotal"], route
    seats = Counter(s["s"] for s in route.get("seats", []))
    assert route["seatsTotal"] - route["seatsFree"] == sum(seats[s] for s in TAKEN), route
    return seats


def check_match_invariants(db: Any, *, settled: bool = True) -> dict[str, int]:
    """Asserts, over every route, trip and ride request in the database:
    - no rider request is on two trips, and every MATCHED request is on the trip it names;
    - no seat count is negative or above the total, and each route's taken seats equal the
      riders holding a place on its trip (when `settled`: no seat is merely HELD);
    - every request is WAITING or MATCHED.
    Answers counts for the caller's own checks."""
    requests = {d["_id"]: d for d in db["ride_requests"].find()}
    trips = list(db["trips"].find())
    routes = {d["_id"]: d for d in db["routes"].find()}

    placed = Counter()
    on_trip: dict[str, str] = {}
    for trip in trips:
        for r in trip["riders"]:
            if r["status"] == "MATCHED":
                placed[r["requestId"]] += 1
                on_trip[r["requestId"]] = trip["_id"]
    doubles = [rid for rid, n in placed.items() if n > 1]
    assert not doubles, f"requests on two trips: {doubles}"

    statuses = Counter(d["status"] for d in requests.values())
    assert set(statuses) <= {"WAITING", "MATCHED"}, statuses
    for rid, doc in requests.items():
        if doc["status"] == "MATCHED":
            assert on_trip.get(rid) == doc["tripId"], f"{rid} MATCHED but not on its trip"
        else:
            assert rid not in on_trip, f"{rid} WAITING but on trip {on_trip[rid]}"

    trip_of_route = {t["routeId"]: t for t in trips}
    for route_id, route in routes.items():
        seats = _check_seat_count(route)
        if settled:
            assert seats["HELD"] == 0, f"route {route_id} still holds seats: {route['seats']}"
        trip = trip_of_route.get(route_id)
        riding = sum(1 for r in trip["riders"] if r["status"] == "MATCHED") if trip else 0
        assert seats["CONFIRMED"] == riding, (route_id, seats, riding)
    return {"matched": statuses["MATCHED"], "waiting": statuses["WAITING"], "trips": len(trips)}


ON_A_TRIP = ("MATCHED", "PICKED_UP", "DROPPED_OFF", "NO_SHOW")


def check_ride_invariants(db: Any) -> dict[str, int]:
    """The promises of the whole ride flow, for a database that saw rides completed,
    cancelled and cut short by crashes:
    - no ride request holds a place on two trips;
    - every request that reached a driver (MATCHED, PICKED_UP, DROPPED_OFF, NO_SHOW) is on
      the trip it names, with the same status there;
    - no route's seat count is negative, above its total, or out of step with its seats;
    - for every rider a match placed on a trip, both the rider and the driver have the
      MATCHED notification in their history.
    Answers counts for the caller's own checks."""
    requests = {d["_id"]: d for d in db["ride_requests"].find()}
    trips = {d["_id"]: d for d in db["trips"].find()}
    routes = list(db["routes"].find())

    places = Counter(
        r["requestId"] for t in trips.values() for r in t["riders"] if r["status"] != "CANCELLED"
    )
    doubles = [rid for rid, n in places.items() if n > 1]
    assert not doubles, f"requests on two trips: {doubles}"

    for rid, doc in requests.items():
        if doc["status"] in ON_A_TRIP:
            trip = trips.get(doc.get("tripId", ""))
            assert trip is not None, f"{rid} is {doc['status']} without its trip"
            (entry,) = [r for r in trip["riders"] if r["requestId"] == rid]
            assert entry["status"] == doc["status"], (rid, doc["status"], entry["status"])

    for route in routes:
        _check_seat_count(route)

    keys = {
        (n["userId"], n.get("key")) for n in db["notifications"].find({}, {"userId": 1, "key": 1})
    }
    missing = [
        (t["_id"], r["requestId"])
        for t in trips.values()
        for r in t["riders"]
        if (r["riderId"], f"matched:{r['requestId']}") not in keys
        or (t["driverId"], f"matched-driver:{r['requestId']}") not in keys
    ]
    assert not missing, f"matches with no MATCHED notification: {missing[:5]}"
    statuses = Counter(d["status"] for d in requests.values())
    return {"requests": len(requests), "trips": len(trips), **statuses}
