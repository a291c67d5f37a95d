"""Route rules: what a valid route is. A route is the plan of a drive (stations in order,
destination, capacity); who rides on it is the trip's booking ledger, not the route's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from common.errors import FailedPrecondition, InvalidArgument

MIN_SEATS, MAX_SEATS = 1, 8
MAX_STATIONS = 10


class RouteStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class Route:
    id: str
    driver_id: str
    station_ids: tuple[str, ...]
    destination_area_id: str
    seats_total: int
    status: RouteStatus
    created_at: datetime
    updated_at: datetime
    create_key: str = ""


def validate_route(
    station_ids: Sequence[str],
    destination_area_id: str,
    seats: int,
    areas_by_station: Mapping[str, frozenset[str]],
) -> None:
    """Raises InvalidArgument naming the field for the first problem found.

    `areas_by_station` holds the known stations among `station_ids` and their areas.
    """
    if not station_ids:
        raise InvalidArgument("a route needs at least one station", "stationIds")
    if len(station_ids) > MAX_STATIONS:
        raise InvalidArgument(f"a route has at most {MAX_STATIONS} stations", "stationIds")
    seen: set[str] = set()
    for sid in station_ids:
        if sid in seen:
            raise InvalidArgument(f"station {sid!r} appears twice in the route", "stationIds")
        seen.add(sid)
        if sid not in areas_by_station:
            raise InvalidArgument(f"unknown station {sid!r}", "stationIds")
    if not any(destination_area_id in areas_by_station[s] for s in station_ids):
        raise InvalidArgument(
            f"destination {destination_area_id!r} is not served by any station of the route",
            "destinationAreaId",
        )
    if not MIN_SEATS <= seats <= MAX_SEATS:
        raise InvalidArgument(f"seats must be between {MIN_SEATS} and {MAX_SEATS}", "seats")


def require_open(status: RouteStatus, route_id: str) -> None:
    if status is not RouteStatus.OPEN:
        raise FailedPrecondition(f"route {route_id} is {status.value}, not OPEN")
