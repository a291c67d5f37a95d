"""The match saga for one (route, station).

Two steps per rider, each one conditional update in the service that owns the fact:
1. claim the rider (rider service: WAITING -> MATCHED on the route's trip, which keeps a rider
   on at most one trip);
2. book the seat on the trip's ledger (trip service: idempotent by request id, refused when the
   trip is full or closed, or the request's entry has ended); a refused booking undoes the claim.
Then both sides are told (notification service; one key per request, so told once).

Safe to repeat and to run beside a duplicate of itself. A match interrupted between the two
steps leaves requests claimed for the trip but not booked: the next match of the route finds
them (FindEligible answers the trip's claims too) and books or releases them first; a trip
that closes releases whatever is still claimed for it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import grpc

from api.lastmile.v1 import (
    driver_pb2,
    notification_pb2,
    rider_pb2,
    trip_pb2,
    user_pb2,
)
from common import kpis
from common.convert import from_timestamp, to_timestamp, utcnow
from common.errors import FailedPrecondition
from common.ids import trip_id_for_route
from common.notify import notice
from common.peers import Peers
from common.station_catalog import StationCatalog
from services.matching import plan, way

log = logging.getLogger("lastmile.matching")
Kind = notification_pb2.NotificationKind
MATCHED = trip_pb2.TRIP_RIDER_STATUS_MATCHED
BOOKED = trip_pb2.BOOKING_OUTCOME_BOOKED
CLOSED_TRIP = trip_pb2.BOOKING_OUTCOME_CLOSED
CLOSED_STATUSES = (trip_pb2.TRIP_STATUS_COMPLETED, trip_pb2.TRIP_STATUS_CANCELLED)


@dataclass
class Outcome:
    route_id: str
    station_id: str
    trip_id: str = ""
    request_ids: list[str] = field(default_factory=list)
    rider_ids: list[str] = field(default_factory=list)
    seats_free: int = 0
    booked: int = 0  # riders this run booked (not those an earlier run did)


@dataclass
class Ledger:
    """What the saga knows of the trip's ledger."""

    seats_free: int
    trip: trip_pb2.Trip | None = None

    @property
    def known(self) -> set[str]:
        return {r.request_id for r in self.trip.riders} if self.trip else set()


class MatchSaga:
    def __init__(
        self,
        peers: Peers,
        arrival_slack: timedelta = plan.ARRIVAL_SLACK,
        detour_budget_m: float = 0.0,
    ) -> None:
        """`detour_budget_m` > 0 turns en-route matching on: riders bound to an area within
        that distance of the driver's way are eligible too, not only those bound to its
        destination."""
        self.peers = peers
        self.arrival_slack = arrival_slack
        self.detour_budget_m = detour_budget_m
        self.catalog = StationCatalog(lambda: peers.station)

    async def run(self, route_id: str, station_id: str, driver_eta: datetime) -> Outcome:
        route = await self.peers.driver.GetRoute(driver_pb2.GetRouteRequest(route_id=route_id))
        if route.status != driver_pb2.ROUTE_STATUS_OPEN:
            raise FailedPrecondition(f"route {route_id} is not OPEN")
        if station_id not in route.station_ids:
            raise FailedPrecondition(f"route {route_id} does not pass station {station_id}")
        trip_id = trip_id_for_route(route_id)
        drops = await self._on_the_way(route, station_id)
        ledger = await self._ledger(route)
        booked = 0
        left_behind: list[str] = []
        later: list[str] = []
        for _ in range(plan.MAX_ROUNDS):
            limit = plan.candidate_limit(ledger.seats_free, len(ledger.known))
            found = await self.peers.rider.FindEligible(
                rider_pb2.FindEligibleRequest(
                    station_id=station_id,
                    destination_area_id=route.destination_area_id,
                    latest_arrival=to_timestamp(
                        plan.latest_arrival(driver_eta, self.arrival_slack)
                    ),
                    limit=limit,
                    trip_id=trip_id,
                    also_destination_area_ids=[a for a in drops if a != route.destination_area_id],
                )
            )
            known = ledger.known
            unbooked = [r.id for r in found.claimed if r.id not in known]
            fresh = [r.id for r in found.requests if r.id not in known]
            wanted = plan.candidates(unbooked, fresh, ledger.seats_free)
            left_behind = [i for i in fresh if i not in wanted]
            later = list(found.later)
            if not wanted:
                break
            ledger, lost, booked_now = await self._claim_and_book(route, trip_id, wanted, drops)
            booked += booked_now
            # Riders other drivers claimed first cost us seats: look again while seats are
            # free and there were more riders than we took.
            taken = len(wanted) - len(unbooked)
            if not lost or ledger.seats_free == 0 or len(fresh) <= taken:
                break
        if ledger.seats_free == 0 and left_behind:
            await self._note_passed(left_behind, rider_pb2.PASSED_BY_FULL)
        elif ledger.seats_free > 0 and later:
            await self._note_passed(later, rider_pb2.PASSED_BY_EARLY)
        outcome = Outcome(route_id, station_id, seats_free=ledger.seats_free, booked=booked)
        if ledger.trip is None:
            return outcome
        matched = [r for r in ledger.trip.riders if r.status == MATCHED]
        # Everyone matched is told (once per request, by key): riders a crashed match at an
        # earlier station left untold are told now.
        await self._tell(route, trip_id, matched)
        here = [r for r in matched if r.station_id == station_id]
        outcome.trip_id = trip_id
        outcome.request_ids = [r.request_id for r in here]
        outcome.rider_ids = [r.rider_id for r in here]
        return outcome

    async def _on_the_way(self, route: driver_pb2.Route, station_id: str) -> dict[str, way.Drop]:
        """With en-route matching on, the areas of this station on the driver's way, with
        their detours and drop-off points; else none (only the destination is eligible)."""
        if self.detour_budget_m <= 0:
            return {}
        stations = await self.catalog.stations()
        places = way.places_of(stations.values())
        needed = [*route.station_ids, route.destination_area_id]
        if station_id not in stations or any(p not in places for p in needed):
            return {}  # a place the catalog does not know yet: the original rule
        return way.on_the_way(
            places,
            list(route.station_ids),
            station_id,
            route.destination_area_id,
            [a.id for a in stations[station_id].areas],
            self.detour_budget_m,
        )

    async def _ledger(self, route: driver_pb2.Route) -> Ledger:
        try:
            trip = await self.peers.trip.GetTripByRoute(
                trip_pb2.GetTripByRouteRequest(route_id=route.id)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return Ledger(route.seats_total)
        if trip.status in CLOSED_STATUSES:
            raise FailedPrecondition(f"the trip of route {route.id} is closed")
        return Ledger(trip.seats_free, trip)

    async def _claim_and_book(
        self,
        route: driver_pb2.Route,
        trip_id: str,
        wanted: list[str],
        drops: dict[str, way.Drop],
    ) -> tuple[Ledger, int, int]:
        """Claims and books `wanted`; answers the ledger after it, how many of them other
        matches claimed first, and how many it booked."""
        claim = await self.peers.rider.Claim(
            rider_pb2.ClaimRequest(
                request_ids=wanted, trip_id=trip_id, route_id=route.id, driver_id=route.driver_id
            )
        )
        if not claim.claimed:
            return await self._ledger(route), len(claim.not_claimed), 0
        booked = await self.peers.trip.BookSeats(
            trip_pb2.BookSeatsRequest(
                route_id=route.id,
                driver_id=route.driver_id,
                trip_id=trip_id,
                seats_total=route.seats_total,
                riders=[_new_rider(r, drops) for r in claim.claimed],
            )
        )
        refused = [b.request_id for b in booked.bookings if b.outcome != BOOKED]
        took = _count_matches(claim.claimed, set(refused))
        if refused:
            # The trip will never take them: they wait again.
            await self.peers.rider.Unclaim(
                rider_pb2.UnclaimRequest(request_ids=refused, trip_id=trip_id)
            )
        if any(b.outcome == CLOSED_TRIP for b in booked.bookings):
            raise FailedPrecondition(f"the trip of route {route.id} is closed")
        return Ledger(booked.trip.seats_free, booked.trip), len(claim.not_claimed), took

    async def _note_passed(self, request_ids: list[str], how: rider_pb2.PassedBy) -> None:
        """Riders this driver leaves behind, full or too early for them: if they expire, that
        was why. Only a measure, so a failure here never fails the match."""
        try:
            await self.peers.rider.NotePassed(
                rider_pb2.NotePassedRequest(request_ids=request_ids, how=how)
            )
        except grpc.aio.AioRpcError as exc:
            log.warning("riders left behind not noted", extra={"code": exc.code().name})

    async def _station_name(self, station_id: str) -> str:
        station = (await self.catalog.stations()).get(station_id)
        return station.name if station else station_id

    async def _tell(
        self, route: driver_pb2.Route, trip_id: str, riders: list[trip_pb2.TripRider]
    ) -> None:
        if not riders:
            return
        users = await self.peers.user.GetUsers(
            user_pb2.GetUsersRequest(user_ids=[route.driver_id, *(r.rider_id for r in riders)])
        )
        names = {u.id: u for u in users.users}
        driver = names.get(route.driver_id)
        driver_name = driver.name if driver else "Your driver"
        car = (
            f" ({driver.vehicle.model}, {driver.vehicle.plate})"
            if driver and driver.HasField("vehicle")
            else ""
        )
        notices = []
        for r in riders:
            station = await self._station_name(r.station_id)
            rider = names.get(r.rider_id)
            rider_name = rider.name if rider else "A rider"
            common = dict(
                tripId=trip_id,
                routeId=route.id,
                requestId=r.request_id,
                stationId=r.station_id,
                riderId=r.rider_id,
                driverId=route.driver_id,
            )
            notices.append(
                notice(
                    r.rider_id,
                    Kind.NOTIFICATION_KIND_MATCHED,
                    f"{driver_name} will pick you up",
                    f"{driver_name}{car} is on the way to {station}.",
                    key=f"matched:{r.request_id}",
                    driverName=driver_name,
                    **common,
                )
            )
            notices.append(
                notice(
                    route.driver_id,
                    Kind.NOTIFICATION_KIND_MATCHED,
                    f"Pick up {rider_name} at {station}",
                    f"{rider_name} is waiting at {station}.",
                    key=f"matched-driver:{r.request_id}",
                    riderName=rider_name,
                    **common,
                )
            )
        await self.peers.notification.NotifyBatch(
            notification_pb2.NotifyBatchRequest(notifications=notices)
        )


def _new_rider(r: rider_pb2.RideRequest, drops: dict[str, way.Drop]) -> trip_pb2.NewTripRider:
    # Without en-route matching every rider leaves at the destination: no detour, and the
    # drop-offs keep the order of the matches.
    there = drops.get(r.destination_area_id)
    return trip_pb2.NewTripRider(
        rider_id=r.rider_id,
        request_id=r.id,
        station_id=r.station_id,
        destination_area_id=r.destination_area_id,
        detour_m=there.detour_m if there else 0.0,
        drop_along_m=there.along_m if there else 0.0,
    )


def _count_matches(claimed: list[rider_pb2.RideRequest], refused: set[str]) -> int:
    """Counts the riders a booking matched: where, and how long after asking."""
    now = utcnow()
    took = 0
    for r in claimed:
        if r.id in refused:
            continue
        took += 1
        kpis.RIDERS_MATCHED(r.station_id).inc()
        if r.HasField("created_at"):
            kpis.REQUEST_TO_MATCH.observe(
                max(0.0, (now - from_timestamp(r.created_at)).total_seconds())
            )
    return took
