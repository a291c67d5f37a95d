"""The promises matching keeps, checked against what the services stored."""

from __future__ import annotations

from collections import Counter
from typing import Any

TAKEN = ("HELD", "CONFIRMED")


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
        assert 0 <= route["seatsFree"] <= route["seatsTotal"], route
        seats = Counter(s["s"] for s in route.get("seats", []))
        taken = seats["HELD"] + seats["CONFIRMED"]
        assert route["seatsTotal"] - route["seatsFree"] == taken, route
        if settled:
            assert seats["HELD"] == 0, f"route {route_id} still holds seats: {route['seats']}"
        trip = trip_of_route.get(route_id)
        riding = sum(1 for r in trip["riders"] if r["status"] == "MATCHED") if trip else 0
        assert seats["CONFIRMED"] == riding, (route_id, seats, riding)
    return {"matched": statuses["MATCHED"], "waiting": statuses["WAITING"], "trips": len(trips)}
