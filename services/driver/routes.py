"""Route rules: what a valid route is, and the seat book of a route.

A seat belongs to one ride request and moves HELD -> CONFIRMED -> RELEASED (or HELD ->
RELEASED). A released seat is never held again by the same request, which is what lets any
number of concurrent or repeated matches converge on the same answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from common.errors import FailedPrecondition, InvalidArgument

MIN_SEATS, MAX_SEATS = 1, 8
MAX_STATIONS = 10


class RouteStatus(StrEnum):
    OPEN = "OPEN"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


class SeatState(StrEnum):
    HELD = "HELD"
    CONFIRMED = "CONFIRMED"
    RELEASED = "RELEASED"


TAKEN = (SeatState.HELD, SeatState.CONFIRMED)


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


@dataclass(frozen=True, slots=True)
class SeatBook:
    """The seats of one route: total, and the state of each request's seat in holding order."""

    total: int
    seats: tuple[tuple[str, SeatState], ...] = ()

    @property
    def free(self) -> int:
        return self.total - sum(1 for _, state in self.seats if state in TAKEN)

    def state_of(self, request_id: str) -> SeatState | None:
        return next((state for rid, state in self.seats if rid == request_id), None)

    def reserve(self, request_ids: Sequence[str]) -> SeatBook:
        """Holds a seat for each request without one, in order, while seats are free."""
        seats = list(self.seats)
        free = self.free
        known = {rid for rid, _ in seats}
        for rid in dict.fromkeys(request_ids):
            if free == 0:
                break
            if rid not in known:
                seats.append((rid, SeatState.HELD))
                known.add(rid)
                free -= 1
        return replace(self, seats=tuple(seats))

    def confirm(self, request_ids: Sequence[str]) -> SeatBook:
        """HELD -> CONFIRMED for the given requests; other states are left as they are."""
        wanted = set(request_ids)
        return replace(
            self,
            seats=tuple(
                (rid, SeatState.CONFIRMED if rid in wanted and s is SeatState.HELD else s)
                for rid, s in self.seats
            ),
        )

    def release(self, request_ids: Sequence[str]) -> SeatBook:
        """HELD or CONFIRMED -> RELEASED; a request with no seat gets a RELEASED marker so
        that a late hold for it is refused."""
        wanted = dict.fromkeys(request_ids)
        seats = [(rid, SeatState.RELEASED if rid in wanted else s) for rid, s in self.seats]
        known = {rid for rid, _ in seats}
        seats += [(rid, SeatState.RELEASED) for rid in wanted if rid not in known]
        return replace(self, seats=tuple(seats))


def require_open(status: RouteStatus, route_id: str) -> None:
    if status is not RouteStatus.OPEN:
        raise FailedPrecondition(f"route {route_id} is {status.value}, not OPEN")
