"""LastMile's fare rule, the same in every service and in the web UI (frontend/src/lib/fare.ts;
both are checked against tests/fare_cases.json).

A ride costs BASE_INR plus PER_KM_INR per kilometre of straight-line distance from the station
to the destination area, never less than MIN_INR, rounded to the rupee. Sharing makes it
cheaper: each other rider the trip carried takes SHARE_DISCOUNT off, up to MAX_DISCOUNT. The
estimate shown before and while waiting is the fare of riding alone (the most it can be); the
final fare, fixed at drop-off, counts everyone the driver picked up on the trip.
"""

from __future__ import annotations

BASE_INR = 25
PER_KM_INR = 12
MIN_INR = 40
SHARE_DISCOUNT = 0.15
MAX_DISCOUNT = 0.30
CURRENCY = "INR"


def fare_inr(distance_m: float, riders_on_trip: int = 1) -> int:
    """The fare in whole rupees for a ride of `distance_m` on a trip that carried
    `riders_on_trip` riders (1 = alone)."""
    if distance_m < 0 or riders_on_trip < 1:
        raise ValueError("distance must be >= 0 and riders_on_trip >= 1")
    alone = max(MIN_INR, BASE_INR + PER_KM_INR * distance_m / 1000)
    discount = min(MAX_DISCOUNT, SHARE_DISCOUNT * (riders_on_trip - 1))
    # Half-up rounding, as the UI rounds (Python's round() rounds halves to even).
    return int(alone * (1 - discount) + 0.5)
