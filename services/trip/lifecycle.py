"""The trip state machine, as pure functions from one Trip to the next.

Trip: SCHEDULED (first match) -> ACTIVE (first pick-up) -> COMPLETED, or SCHEDULED -> CANCELLED.
Rider on a trip: MATCHED -> PICKED_UP -> DROPPED_OFF, or MATCHED -> NO_SHOW / CANCELLED.
Repeating a move already made is not an error (so retries are harmless); any other illegal
move raises FailedPrecondition naming the rider or the trip.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from common.errors import FailedPrecondition, InvalidArgument


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


CLOSED = (TripStatus.COMPLETED, TripStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class TripRider:
    rider_id: str
    request_id: str
    station_id: str
    status: RiderStatus = RiderStatus.MATCHED
    cancelled_by: CancelledBy = CancelledBy.NOBODY


@dataclass(frozen=True, slots=True)
class Trip:
    id: str
    route_id: str
    driver_id: str
    status: TripStatus = TripStatus.SCHEDULED
    riders: tuple[TripRider, ...] = ()

    def rider(self, rider_id: str) -> TripRider | None:
        return next((r for r in self.riders if r.rider_id == rider_id), None)

    def with_riders(self, riders: Iterable[TripRider], status: TripStatus | None = None) -> Trip:
        return replace(self, riders=tuple(riders), status=status or self.status)


def _require_open(trip: Trip) -> None:
    if trip.status in CLOSED:
        raise FailedPrecondition(f"trip {trip.id} is {trip.status.value}")


def add_riders(trip: Trip, new: Sequence[TripRider]) -> Trip:
    """Appends riders whose request is not on the trip yet; others are left as they are."""
    _require_open(trip)
    known = {r.request_id for r in trip.riders} | {r.rider_id for r in trip.riders}
    fresh = []
    for r in new:
        if r.request_id not in known and r.rider_id not in known:
            fresh.append(replace(r, status=RiderStatus.MATCHED))
            known |= {r.request_id, r.rider_id}
    return trip.with_riders([*trip.riders, *fresh])


def _move(
    trip: Trip, rider_ids: Sequence[str], source: RiderStatus, target: RiderStatus
) -> tuple[TripRider, ...]:
    if not rider_ids:
        raise InvalidArgument("riderIds must name at least one rider", "riderIds")
    wanted = set(rider_ids)
    for rid in wanted:
        rider = trip.rider(rid)
        if rider is None:
            raise FailedPrecondition(f"rider {rid} is not on this trip", "riderIds")
        if rider.status not in (source, target):
            raise FailedPrecondition(
                f"rider {rid} is {rider.status.value} and cannot become {target.value}",
                "riderIds",
            )
    return tuple(replace(r, status=target) if r.rider_id in wanted else r for r in trip.riders)


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
    """The driver cancels: MATCHED riders are cancelled by the driver (and go back to WAITING)."""
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
    """The rider cancels before pick-up. A rider not on the trip yet is recorded as cancelled,
    so that a match still in flight cannot add them afterwards."""
    current = trip.rider(leaving.rider_id)
    if current is None:
        gone = replace(leaving, status=RiderStatus.CANCELLED, cancelled_by=CancelledBy.RIDER)
        return trip.with_riders([*trip.riders, gone])
    if current.status is RiderStatus.CANCELLED:
        return trip
    if current.status is not RiderStatus.MATCHED:
        raise FailedPrecondition(
            f"rider {leaving.rider_id} is {current.status.value} and can no longer cancel"
        )
    riders = (
        replace(r, status=RiderStatus.CANCELLED, cancelled_by=CancelledBy.RIDER)
        if r.rider_id == leaving.rider_id
        else r
        for r in trip.riders
    )
    return trip.with_riders(riders)
