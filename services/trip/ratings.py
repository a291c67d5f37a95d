"""Who may rate whom after a ride, as a pure function of the trip.

A rider rates the trip's driver once their own ride is over (DROPPED_OFF); the driver rates a
rider once that rider's ride is over (DROPPED_OFF or NO_SHOW). Anyone not on the trip is told
it does not exist; a rating before the ride is over is a state conflict.
"""

from __future__ import annotations

from common.errors import FailedPrecondition, InvalidArgument, NotFound
from services.trip.lifecycle import RiderStatus, Trip

MIN_STARS, MAX_STARS = 1, 5
MAX_COMMENT = 280


def check_stars(stars: int, comment: str) -> None:
    if not MIN_STARS <= stars <= MAX_STARS:
        raise InvalidArgument(f"stars must be {MIN_STARS} to {MAX_STARS}", "stars")
    if len(comment) > MAX_COMMENT:
        raise InvalidArgument(f"comment must be at most {MAX_COMMENT} characters", "comment")


def rated_user(trip: Trip, from_user_id: str, rider_id: str) -> str:
    """The user `from_user_id` rates on this trip: the driver (by a rider) or `rider_id` (by
    the driver)."""
    if from_user_id == trip.driver_id:
        if not rider_id:
            raise InvalidArgument("riderId names the rider the driver rates", "riderId")
        entry = trip.current(rider_id)
        if entry is None:
            raise NotFound(f"rider {rider_id} is not on this trip", "riderId")
        if entry.status not in (RiderStatus.DROPPED_OFF, RiderStatus.NO_SHOW):
            raise FailedPrecondition(
                f"rider {rider_id} is {entry.status.value}; rate them once the ride is over",
                "riderId",
            )
        return rider_id
    entry = trip.current(from_user_id)
    if entry is None:
        raise NotFound(f"no trip with id {trip.id!r}", "trip_id")
    if rider_id and rider_id != from_user_id:
        raise InvalidArgument("a rider rates the driver; riderId is for the driver", "riderId")
    if entry.status is not RiderStatus.DROPPED_OFF:
        raise FailedPrecondition(
            f"your ride is {entry.status.value}; rate the driver once you are dropped off"
        )
    return trip.driver_id
