"""Ride-request rules: when a request may be made, and how its status may move."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from common.errors import FailedPrecondition, InvalidArgument

EARLIEST_ARRIVAL = timedelta(minutes=10)  # in the past
LATEST_ARRIVAL = timedelta(hours=24)  # ahead


class RequestStatus(StrEnum):
    WAITING = "WAITING"
    MATCHED = "MATCHED"
    PICKED_UP = "PICKED_UP"
    DROPPED_OFF = "DROPPED_OFF"
    CANCELLED = "CANCELLED"
    EXPIRED = "EXPIRED"
    NO_SHOW = "NO_SHOW"


@dataclass(frozen=True, slots=True)
class RideRequest:
    id: str
    rider_id: str
    station_id: str
    destination_area_id: str
    arrival_time: datetime
    status: RequestStatus
    created_at: datetime
    updated_at: datetime
    # The trip holding the rider's seat (its route and driver), from MATCHED on.
    trip_id: str = ""
    route_id: str = ""
    driver_id: str = ""
    create_key: str = ""
    # Four digits told to the driver at pick-up.
    pin: str = ""
    # Straight-line distance from the station to the area, which the fare is made of, and
    # the fare: the estimate (riding alone) until the final one is fixed at drop-off.
    distance_m: float = 0.0
    fare_inr: int = 0
    fare_final: bool = False
    cancel_reason: str = ""
    # A driver going the rider's way came by while the request waited: full, or with seats
    # but too early for the rider's arrival.
    passed_full: bool = False
    passed_early: bool = False


# A rider has at most one request in these states.
OPEN = (RequestStatus.WAITING, RequestStatus.MATCHED, RequestStatus.PICKED_UP)

# Moves the trip drives, from -> allowed targets.
TRIP_MOVES: dict[RequestStatus, tuple[RequestStatus, ...]] = {
    RequestStatus.MATCHED: (
        RequestStatus.PICKED_UP,
        RequestStatus.NO_SHOW,
        RequestStatus.CANCELLED,
    ),
    RequestStatus.PICKED_UP: (RequestStatus.DROPPED_OFF,),
}


CANCEL_REASONS = ("CHANGED_PLANS", "DRIVER_TOO_FAR", "FOUND_OTHER_RIDE", "OTHER")


def new_pin() -> str:
    """Four random digits (from the OS's generator: a guessable PIN is no proof)."""
    return f"{secrets.randbelow(10_000):04d}"


def validate_arrival(arrival: datetime, now: datetime) -> None:
    if arrival < now - EARLIEST_ARRIVAL:
        raise InvalidArgument(
            "arrivalTime must be no more than 10 minutes in the past", "arrivalTime"
        )
    if arrival > now + LATEST_ARRIVAL:
        raise InvalidArgument("arrivalTime must be within the next 24 hours", "arrivalTime")


def check_trip_move(current: RequestStatus, target: RequestStatus) -> bool:
    """True when the move is to be made, False when it was already made (a repeat);
    FailedPrecondition when the trip may not make it."""
    if current is target:
        return False
    if target not in TRIP_MOVES.get(current, ()):
        raise FailedPrecondition(
            f"a {current.value} request cannot become {target.value}", "status"
        )
    return True


def expiry_cutoff(now: datetime, expiry: timedelta) -> datetime:
    """WAITING requests whose arrival time is before this have expired."""
    return now - expiry


UNMATCHED_REASONS = ("no_driver", "no_seat", "window")


def reason_for(passed_full: bool, passed_early: bool) -> str:
    """Why a request expired unmatched: no_seat when a driver going its way came by full,
    window when one came by with seats but before the rider's window (and none full), no_driver
    when none came its way."""
    if passed_full:
        return "no_seat"
    return "window" if passed_early else "no_driver"


def unmatched_reason(request: RideRequest) -> str:
    return reason_for(request.passed_full, request.passed_early)
