"""Pure rules of a match: who is eligible, in what order, and what each step's answer means."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

ARRIVAL_SLACK = timedelta(minutes=5)
# Claims can fail (another driver got the rider first), so ask for a few more than the seats.
CANDIDATE_SLACK = 5
# Rounds of hold-claim-confirm per match when other drivers keep winning the riders.
MAX_ROUNDS = 20


def latest_arrival(driver_eta: datetime) -> datetime:
    """Riders reaching the station up to 5 minutes after the driver are worth waiting for."""
    return driver_eta + ARRIVAL_SLACK


def candidate_limit(seats_free: int, seen: int = 0) -> int:
    """How many eligible riders to ask for: enough to fill the seats when some are lost to
    other drivers, plus those this route has already seen (they are skipped)."""
    return min(seats_free * 2 + CANDIDATE_SLACK + seen, 500) if seats_free > 0 else 0


def candidates(pending: Sequence[str], eligible: Iterable[str]) -> list[str]:
    """Seats a previous, interrupted match holds come first (finishing it), then the eligible
    riders oldest arrival first."""
    return list(dict.fromkeys([*pending, *eligible]))


def missing_from_trip(confirmed: Iterable[str], on_trip: Iterable[str]) -> list[str]:
    """Requests whose seats are confirmed but that the trip does not list yet."""
    present = set(on_trip)
    return [rid for rid in confirmed if rid not in present]
