"""The booking ledger of a route and the trip's state machine, as pure functions from one Trip
to the next.

The ledger is the one record of who rides with whom. Each entry is one ride request's seat,
keyed by the request id; a rider may have several entries over time (cancel, then ask again
further along the route), and the driver's actions address the rider's current entry, the
latest. Seats free = capacity - entries holding a seat (MATCHED or PICKED_UP).

Trip: SCHEDULED (first booking) -> ACTIVE (first pick-up) -> COMPLETED, or SCHEDULED -> CANCELLED.
Entry: MATCHED -> PICKED_UP -> DROPPED_OFF, or MATCHED -> NO_SHOW / CANCELLED.
Repeating a move already made is not an error (so retries are harmless); any other illegal
move raises FailedPrecondition naming the rider or the trip.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from common.errors import FailedPrecondition, InvalidArgument

MIN_SEATS, MAX_SEATS = 1, 8


class TripStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class RiderStatus(StrEnum):
    MATCHED = "MATCHED"
    PICKED_UP = "PICKED_UP"
    DROPPED_OFF = "DROPPED_OFF"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


class CancelledBy(StrEnum):
    NOBODY = ""
    RIDER = "rider"
    DRIVER = "driver"


class Booking(StrEnum):
    """What became of one request's booking."""

    BOOKED = "BOOKED"
    FULL = "FULL"
    CLOSED = "CLOSED"
    ENDED = "ENDED"
    DUPLICATE_RIDER = "DUPLICATE_RIDER"


CLOSED = (TripStatus.COMPLETED, TripStatus.CANCELLED)
HOLDING = (RiderStatus.MATCHED, RiderStatus.PICKED_UP)


@dataclass(frozen=True, slots=True)
class TripRider:
    rider_id: str
    request_id: str
    station_id: str
    status: RiderStatus = RiderStatus.MATCHED
    cancelled_by: CancelledBy = CancelledBy.NOBODY
    destination_area_id: str = ""
    detour_m: float = 0.0
    # Where along the driver's way the rider leaves (see services/matching/way.py).
    drop_along_m: float = 0.0


@dataclass(frozen=True, slots=True)
class Trip:
    id: str
    route_id: str
    driver_id: str
    seats_total: int = 0
    status: TripStatus = TripStatus.SCHEDULED
    riders: tuple[TripRider, ...] = ()
    # Bookkeeping of the stored copy; not part of the trip's value.
    created_at: datetime | None = field(default=None, compare=False)
    updated_at: datetime | None = field(default=None, compare=False)
    version: int = field(default=0, compare=False)

    @property
    def seats_free(self) -> int:
        return max(0, self.seats_total - sum(1 for r in self.riders if r.status in HOLDING))

    def entry(self, request_id: str) -> TripRider | None:
        return next((r for r in self.riders if r.request_id == request_id), None)

    def current(self, rider_id: str) -> TripRider | None:
        """The rider's latest entry: the one the driver's actions address."""
        return next((r for r in reversed(self.riders) if r.rider_id == rider_id), None)

    def drop_orders(self) -> dict[str, int]:
        """The place of each seat holder's drop-off along the way, from 1, by request id;
        riders at the same point keep the order they were matched in."""
        holding = [r for r in self.riders if r.status in HOLDING]
        ranked = sorted(holding, key=lambda r: r.drop_along_m)  # stable
        return {r.request_id: place for place, r in enumerate(ranked, start=1)}

    def with_riders(self, riders: Iterable[TripRider], status: TripStatus | None = None) -> Trip:
        return replace(self, riders=tuple(riders), status=status or self.status)


def _require_open(trip: Trip) -> None:
    if trip.status in CLOSED:
        raise FailedPrecondition(f"trip {trip.id} is {trip.status.value}")


def check_capacity(seats_total: int) -> None:
    if not MIN_SEATS <= seats_total <= MAX_SEATS:
        raise InvalidArgument(
            f"seats_total must be between {MIN_SEATS} and {MAX_SEATS}", "seats_total"
        )


def book(trip: Trip, wanted: Sequence[TripRider]) -> tuple[Trip, list[Booking]]:
    """Books a seat for each rider in order while seats are free; answers the trip and the
    outcome of each. Keyed by request id, so booking again changes nothing."""
    riders = list(trip.riders)
    free = trip.seats_free
    outcomes = []
    for new in wanted:
        entry = next((r for r in riders if r.request_id == new.request_id), None)
        if entry is not None:
            outcomes.append(Booking.BOOKED if entry.status in HOLDING else Booking.ENDED)
        elif trip.status in CLOSED:
            outcomes.append(Booking.CLOSED)
        elif any(r.rider_id == new.rider_id and r.status in HOLDING for r in riders):
            outcomes.append(Booking.DUPLICATE_RIDER)
        elif free == 0:
            outcomes.append(Booking.FULL)
        else:
            riders.append(replace(new, status=RiderStatus.MATCHED))
            free -= 1
            outcomes.append(Booking.BOOKED)
    return trip.with_riders(riders), outcomes


def _move(
    trip: Trip, rider_ids: Sequence[str], source: RiderStatus, target: RiderStatus
) -> tuple[TripRider, ...]:
    """Moves the current entry of each rider from `source` to `target`."""
    if not rider_ids:
        raise InvalidArgument("riderIds must name at least one rider", "riderIds")
    moving = set()
    for rid in dict.fromkeys(rider_ids):
        entry = trip.current(rid)
        if entry is None:
            raise FailedPrecondition(f"rider {rid} is not on this trip", "riderIds")
        if entry.status not in (source, target):
            raise FailedPrecondition(
                f"rider {rid} is {entry.status.value} and cannot become {target.value}",
                "riderIds",
            )
        moving.add(entry.request_id)
    return tuple(replace(r, status=target) if r.request_id in moving else r for r in trip.riders)


def current_entries(trip: Trip, rider_ids: Iterable[str]) -> list[TripRider]:
    """The current entries of the named riders that are on the trip."""
    found = (trip.current(rid) for rid in dict.fromkeys(rider_ids))
    return [e for e in found if e is not None]


def pin_matches(expected: str, given: str) -> bool:
    """The PIN a rider told the driver is their request's (compared in constant time)."""
    return bool(expected) and hmac.compare_digest(expected.encode(), given.encode())


def pick_up(trip: Trip, rider_ids: Sequence[str]) -> Trip:
    _require_open(trip)
    riders = _move(trip, rider_ids, RiderStatus.MATCHED, RiderStatus.PICKED_UP)
    return trip.with_riders(riders, TripStatus.ACTIVE)


def no_show(trip: Trip, rider_ids: Sequence[str]) -> Trip:
    _require_open(trip)
    return trip.with_riders(_move(trip, rider_ids, RiderStatus.MATCHED, RiderStatus.NO_SHOW))


def complete(trip: Trip) -> Trip:
    """Drops off everyone on board; refused while a rider still waits to be picked up."""
    if trip.status is TripStatus.COMPLETED:
        return trip
    if trip.status is not TripStatus.ACTIVE:
        raise FailedPrecondition(
            f"trip {trip.id} is {trip.status.value}; only an ACTIVE trip can be completed"
        )
    waiting = [r.rider_id for r in trip.riders if r.status is RiderStatus.MATCHED]
    if waiting:
        raise FailedPrecondition(
            f"riders {', '.join(waiting)} are still to be picked up or marked no-show",
            "riderIds",
        )
    riders = (
        replace(r, status=RiderStatus.DROPPED_OFF) if r.status is RiderStatus.PICKED_UP else r
        for r in trip.riders
    )
    return trip.with_riders(riders, TripStatus.COMPLETED)


def cancel(trip: Trip) -> Trip:
    """The driver cancels: MATCHED entries are cancelled by the driver (the riders wait again)."""
    if trip.status is TripStatus.CANCELLED:
        return trip
    if trip.status is not TripStatus.SCHEDULED:
        raise FailedPrecondition(
            f"trip {trip.id} is {trip.status.value}; riders are on board or it is over"
        )
    riders = (
        replace(r, status=RiderStatus.CANCELLED, cancelled_by=CancelledBy.DRIVER)
        if r.status is RiderStatus.MATCHED
        else r
        for r in trip.riders
    )
    return trip.with_riders(riders, TripStatus.CANCELLED)


def remove_rider(trip: Trip, leaving: TripRider) -> Trip:
    """The rider cancels the request before pick-up. A request not booked yet is recorded as
    cancelled, so that a match still in flight can never book it."""
    entry = trip.entry(leaving.request_id)
    if entry is None:
        gone = replace(leaving, status=RiderStatus.CANCELLED, cancelled_by=CancelledBy.RIDER)
        return trip.with_riders([*trip.riders, gone])
    if entry.status is RiderStatus.CANCELLED:
        return trip
    if entry.status is not RiderStatus.MATCHED:
        raise FailedPrecondition(
            f"rider {leaving.rider_id} is {entry.status.value} and can no longer cancel"
        )
    riders = (
        replace(r, status=RiderStatus.CANCELLED, cancelled_by=CancelledBy.RIDER)
        if r.request_id == leaving.request_id
        else r
        for r in trip.riders
    )
    return trip.with_riders(riders)
