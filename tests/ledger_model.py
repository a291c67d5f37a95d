"""A plain-Python reference model of who rides with whom: ride requests, routes, trips and
their ledgers, and what each action of a rider, a driver or the clock must do to them.

It is written from the product rules (DESIGN.md, API.md), not from the services' code, so a
test that compares the two can catch either being wrong. Each action answers the gRPC status
the system must give ("OK" or a code name) and changes the model only when it succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

ARRIVAL_SLACK = timedelta(minutes=5)
OPEN_REQUEST = ("WAITING", "MATCHED", "PICKED_UP")
HOLDING = ("MATCHED", "PICKED_UP")


@dataclass
class Request:
    id: str
    rider_id: str
    station_id: str
    area_id: str
    arrival: datetime
    order: int
    status: str = "WAITING"
    trip_id: str | None = None


@dataclass
class Entry:
    request_id: str
    rider_id: str
    station_id: str
    status: str = "MATCHED"


@dataclass
class Trip:
    id: str
    route_id: str
    driver_id: str
    capacity: int
    status: str = "SCHEDULED"
    entries: list[Entry] = field(default_factory=list)

    @property
    def seats_free(self) -> int:
        return self.capacity - sum(1 for e in self.entries if e.status in HOLDING)

    def current(self, rider_id: str) -> Entry | None:
        mine = [e for e in self.entries if e.rider_id == rider_id]
        return mine[-1] if mine else None

    def entry(self, request_id: str) -> Entry | None:
        return next((e for e in self.entries if e.request_id == request_id), None)


@dataclass
class Route:
    id: str
    driver_id: str
    station_ids: tuple[str, ...]
    area_id: str
    seats: int
    trip_id: str
    status: str = "OPEN"
    fired: set[str] = field(default_factory=set)


@dataclass
class Model:
    requests: dict[str, Request] = field(default_factory=dict)
    routes: dict[str, Route] = field(default_factory=dict)
    trips: dict[str, Trip] = field(default_factory=dict)
    # Requests ever booked on a trip: each must have been told MATCHED, to both sides.
    booked: dict[str, str] = field(default_factory=dict)  # request id -> driver id
    _order: int = 0

    # --- reads ------------------------------------------------------------------------

    def open_request(self, rider_id: str) -> Request | None:
        return next(
            (
                r
                for r in self.requests.values()
                if r.rider_id == rider_id and r.status in OPEN_REQUEST
            ),
            None,
        )

    def latest_request(self, rider_id: str) -> Request | None:
        mine = [r for r in self.requests.values() if r.rider_id == rider_id]
        return max(mine, key=lambda r: r.order) if mine else None

    def open_route(self, driver_id: str) -> Route | None:
        return next(
            (r for r in self.routes.values() if r.driver_id == driver_id and r.status == "OPEN"),
            None,
        )

    def latest_route(self, driver_id: str) -> Route | None:
        mine = [r for r in self.routes.values() if r.driver_id == driver_id]
        return mine[-1] if mine else None

    def seats_free(self, route: Route) -> int:
        trip = self.trips.get(route.trip_id)
        return trip.seats_free if trip and trip.status != "CANCELLED" else route.seats

    # --- riders -----------------------------------------------------------------------

    def can_request(self, rider_id: str) -> str:
        return "FAILED_PRECONDITION" if self.open_request(rider_id) else "OK"

    def add_request(self, request: Request) -> None:
        self._order += 1
        request.order = self._order
        self.requests[request.id] = request

    def cancel_request(self, request: Request) -> str:
        if request.status == "CANCELLED":
            return "OK"
        if request.status == "WAITING":
            request.status = "CANCELLED"
            return "OK"
        if request.status == "MATCHED":
            trip = self.trips[request.trip_id]
            entry = trip.entry(request.id)
            if entry is not None and entry.status == "MATCHED":
                entry.status = "CANCELLED"
            request.status = "CANCELLED"
            return "OK"
        return "FAILED_PRECONDITION"

    def expire(self, cutoff: datetime) -> list[str]:
        gone = [
            r.id for r in self.requests.values() if r.status == "WAITING" and r.arrival < cutoff
        ]
        for rid in gone:
            self.requests[rid].status = "EXPIRED"
        return gone

    # --- drivers ----------------------------------------------------------------------

    def can_create_route(self, driver_id: str) -> str:
        return "FAILED_PRECONDITION" if self.open_route(driver_id) else "OK"

    def cancel_route(self, route: Route) -> str:
        if route.status == "CANCELLED":
            return "OK"
        if route.status != "OPEN":
            return "FAILED_PRECONDITION"
        trip = self.trips.get(route.trip_id)
        if trip is not None and trip.status != "SCHEDULED":
            return "FAILED_PRECONDITION"
        if trip is None:
            trip = self.trips[route.trip_id] = Trip(route.trip_id, route.id, route.driver_id, 0)
        trip.status = "CANCELLED"
        for e in trip.entries:
            if e.status == "MATCHED":
                e.status = "CANCELLED"
                request = self.requests[e.request_id]
                request.status, request.trip_id = "WAITING", None
        route.status = "CANCELLED"
        return "OK"

    def trigger(
        self, route: Route, station_id: str, eta: datetime, expired_before: datetime
    ) -> list[str]:
        """The driver reached the station's zone: the eligible riders there (not expired,
        swept or not), oldest arrival first, take the free seats. Answers the requests
        matched."""
        route.fired.add(station_id)
        latest = eta + ARRIVAL_SLACK
        eligible = sorted(
            (
                r
                for r in self.requests.values()
                if r.status == "WAITING"
                and r.station_id == station_id
                and r.area_id == route.area_id
                and expired_before <= r.arrival <= latest
            ),
            key=lambda r: (r.arrival, r.order),
        )
        taken = eligible[: self.seats_free(route)]
        if taken:
            trip = self.trips.setdefault(
                route.trip_id, Trip(route.trip_id, route.id, route.driver_id, route.seats)
            )
            for r in taken:
                trip.entries.append(Entry(r.id, r.rider_id, r.station_id))
                r.status, r.trip_id = "MATCHED", trip.id
                self.booked[r.id] = route.driver_id
        return [r.id for r in taken]

    def _move(self, trip: Trip | None, rider_id: str, source: str, target: str) -> str:
        if trip is None:
            return "NOT_FOUND"
        if trip.status in ("COMPLETED", "CANCELLED"):
            return "FAILED_PRECONDITION"
        entry = trip.current(rider_id)
        if entry is None or entry.status not in (source, target):
            return "FAILED_PRECONDITION"
        entry.status = target
        self.requests[entry.request_id].status = target
        return "OK"

    def pick_up(self, trip: Trip | None, rider_id: str) -> str:
        answer = self._move(trip, rider_id, "MATCHED", "PICKED_UP")
        if answer == "OK":
            trip.status = "ACTIVE"
        return answer

    def no_show(self, trip: Trip | None, rider_id: str) -> str:
        return self._move(trip, rider_id, "MATCHED", "NO_SHOW")

    def complete(self, trip: Trip | None) -> str:
        if trip is None:
            return "NOT_FOUND"
        if trip.status == "COMPLETED":
            return "OK"
        if trip.status != "ACTIVE" or any(e.status == "MATCHED" for e in trip.entries):
            return "FAILED_PRECONDITION"
        for e in trip.entries:
            if e.status == "PICKED_UP":
                e.status = "DROPPED_OFF"
                self.requests[e.request_id].status = "DROPPED_OFF"
        trip.status = "COMPLETED"
        self.routes[trip.route_id].status = "COMPLETED"
        return "OK"
