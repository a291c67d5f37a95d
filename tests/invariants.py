"""The promises matching keeps, checked against what the services stored."""

from __future__ import annotations

from collections import Counter
from typing import Any

HOLDING = ("MATCHED", "PICKED_UP")
ON_A_TRIP = ("MATCHED", "PICKED_UP", "DROPPED_OFF", "NO_SHOW")


def _check_ledger(trip: dict[str, Any]) -> int:
    """No seat count negative or above the capacity; answers the seats free."""
    holding = sum(1 for r in trip["riders"] if r["status"] in HOLDING)
    assert 0 <= holding <= trip["seatsTotal"] or trip["status"] == "CANCELLED", trip
    return trip["seatsTotal"] - holding


def seats_free(db: Any) -> dict[str, int]:
    """Route id -> seats free, from each route's capacity and its trip's ledger."""
    free = {r["_id"]: r["seatsTotal"] for r in db["routes"].find()}
    for trip in db["trips"].find():
        if trip["routeId"] in free and trip["status"] != "CANCELLED":
            free[trip["routeId"]] = _check_ledger(trip)
    return free


def _entries(trips: dict[str, dict[str, Any]]) -> tuple[Counter[str], dict[str, tuple]]:
    """How many trips each request holds a seat on, and each request's entry (trip, entry)."""
    holding: Counter[str] = Counter()
    entry_of: dict[str, tuple] = {}
    for trip in trips.values():
        for r in trip["riders"]:
            entry_of[r["requestId"]] = (trip["_id"], r)
            if r["status"] in HOLDING:
                holding[r["requestId"]] += 1
    return holding, entry_of


def check_match_invariants(db: Any) -> dict[str, int]:
    """Asserts, over every route, trip and ride request in the database:
    - no rider request holds a seat on two trips, and every MATCHED request is on the trip it
      names; no WAITING request holds a seat;
    - no ledger's seats are negative or above the route's capacity;
    - every request is WAITING or MATCHED.
    Answers counts for the caller's own checks."""
    requests = {d["_id"]: d for d in db["ride_requests"].find()}
    trips = {t["_id"]: t for t in db["trips"].find()}
    holding, entry_of = _entries(trips)
    doubles = [rid for rid, n in holding.items() if n > 1]
    assert not doubles, f"requests on two trips: {doubles}"

    statuses = Counter(d["status"] for d in requests.values())
    assert set(statuses) <= {"WAITING", "MATCHED"}, statuses
    for rid, doc in requests.items():
        if doc["status"] == "MATCHED":
            trip_id, entry = entry_of.get(rid, (None, None))
            assert trip_id == doc["tripId"] and entry["status"] == "MATCHED", (
                f"{rid} MATCHED but not on its trip"
            )
        else:
            assert holding[rid] == 0, f"{rid} WAITING but holds a seat"
    seats_free(db)
    return {"matched": statuses["MATCHED"], "waiting": statuses["WAITING"], "trips": len(trips)}


def check_ride_invariants(db: Any) -> dict[str, int]:
    """The promises of the whole ride flow, for a database that saw rides completed,
    cancelled and cut short by crashes:
    - no ride request holds a place on two trips;
    - every request that reached a driver (MATCHED, PICKED_UP, DROPPED_OFF, NO_SHOW) is on
      the trip it names, with the same status there;
    - no ledger's seat count is negative or above its capacity;
    - for every rider a match placed on a trip, both the rider and the driver have the
      MATCHED notification in their history.
    Answers counts for the caller's own checks."""
    requests = {d["_id"]: d for d in db["ride_requests"].find()}
    trips = {d["_id"]: d for d in db["trips"].find()}
    holding, entry_of = _entries(trips)
    doubles = [rid for rid, n in holding.items() if n > 1]
    assert not doubles, f"requests on two trips: {doubles}"

    for rid, doc in requests.items():
        if doc["status"] in ON_A_TRIP:
            trip_id, entry = entry_of.get(rid, (None, None))
            assert trip_id == doc.get("tripId"), f"{rid} is {doc['status']} without its trip"
            assert entry["status"] == doc["status"], (rid, doc["status"], entry["status"])

    seats_free(db)

    keys = {
        (n["userId"], n.get("key")) for n in db["notifications"].find({}, {"userId": 1, "key": 1})
    }
    # A cancelled entry may never have been booked (a rider who cancelled mid-match).
    booked = [(t, r) for t in trips.values() for r in t["riders"] if r["status"] != "CANCELLED"]
    missing = [
        (t["_id"], r["requestId"])
        for t, r in booked
        if (r["riderId"], f"matched:{r['requestId']}") not in keys
        or (t["driverId"], f"matched-driver:{r['requestId']}") not in keys
    ]
    assert not missing, f"matches with no MATCHED notification: {missing[:5]}"
    statuses = Counter(d["status"] for d in requests.values())
    return {"requests": len(requests), "trips": len(trips), **statuses}
