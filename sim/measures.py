"""What a morning's assignment gives riders: served, waits, seats used per trip, and why the
others went unmatched."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from sim.greedy import Assignment
from sim.morning import Morning, Rider
from sim.rules import EQUAL_DESTINATION, EqualDestination, in_window, wait_s


@dataclass(frozen=True)
class Measures:
    served: int
    riders: int
    mean_wait_s: float
    p95_wait_s: float
    seats_per_trip: float
    unmatched: dict[str, int]  # no_driver, window, no_seat
    mean_detour_m: float


def why_unmatched(
    rider: Rider, morning: Morning, rule: EqualDestination = EQUAL_DESTINATION
) -> str:
    """no_driver: no driver passed the rider's station for its destination while the request
    was open; window: some did, none within the rider's window; no_seat: one within it did
    (and was full, or its seats went to others)."""
    ways = [
        stop for d in morning.drivers for stop in d.stops if rule.going_their_way(rider, d, stop)
    ]
    if not ways:
        return "no_driver"
    return "no_seat" if any(in_window(rider, s) for s in ways) else "window"


def measure(
    morning: Morning, done: Assignment, rule: EqualDestination = EQUAL_DESTINATION
) -> Measures:
    riders = {r.id: r for r in morning.riders}
    drivers = {d.id: d for d in morning.drivers}
    detours = [rule.detour_m(riders[r], drivers[d], stop) for r, (d, stop) in done.rides.items()]
    waits = sorted(wait_s(r, done.rides[r.id][1]) for r in morning.riders if r.id in done.rides)
    trips = Counter(driver for driver, _ in done.rides.values())
    unmatched = Counter(
        why_unmatched(r, morning, rule) for r in morning.riders if r.id not in done.rides
    )
    return Measures(
        served=done.served,
        riders=len(morning.riders),
        mean_wait_s=statistics.fmean(waits) if waits else 0.0,
        p95_wait_s=waits[min(len(waits) - 1, int(0.95 * len(waits)))] if waits else 0.0,
        seats_per_trip=statistics.fmean(trips.values()) if trips else 0.0,
        unmatched={k: unmatched.get(k, 0) for k in ("no_driver", "window", "no_seat")},
        mean_detour_m=statistics.fmean(detours) if detours else 0.0,
    )
