"""Pure rules of a match: who is eligible, in what order, and how many to ask for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

ARRIVAL_SLACK = timedelta(minutes=5)
# Claims can fail (another driver got the rider first), so ask for a few more than the seats.
CANDIDATE_SLACK = 5
# Rounds of claim-and-book per match when other drivers keep winning the riders.
MAX_ROUNDS = 20


def latest_arrival(driver_eta: datetime, slack: timedelta = ARRIVAL_SLACK) -> datetime:
    """Riders reaching the station up to `slack` (5 minutes) after the driver are worth
    waiting for."""
    return driver_eta + slack


def candidate_limit(seats_free: int, seen: int = 0) -> int:
    """How many eligible riders to ask for: enough to fill the seats when some are lost to
    other drivers, plus those this route has already seen (they are skipped). With no seat
    free, one (the call still answers the trip's unbooked claims)."""
    return min(seats_free * 2 + CANDIDATE_SLACK + seen, 500) if seats_free > 0 else 1


def candidates(unbooked: Sequence[str], eligible: Sequence[str], seats_free: int) -> list[str]:
    """Requests an interrupted match claimed but did not book come first (they are settled
    whatever the seats: booked, or released), then the eligible riders oldest arrival first,
    as many as there are seats left."""
    first = list(dict.fromkeys(unbooked))
    room = max(0, seats_free - len(first))
    rest = [r for r in dict.fromkeys(eligible) if r not in set(first)]
    return first + rest[:room]
