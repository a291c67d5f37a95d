"""The match saga for one (route, station).

Steps, each safe to repeat and to run concurrently with a duplicate of itself:
1. hold seats on the route for the candidates (driver service; each request id is the seat's
   idempotency key, a released seat is never held again);
2. claim the held riders for the route's trip (rider service; WAITING -> MATCHED, one
   conditional update each); give back the seats of riders someone else claimed;
3. confirm the seats of the claimed riders (HELD -> CONFIRMED); riders whose seat was released
   meanwhile are unclaimed;
4. add the confirmed riders to the trip (trip service; created SCHEDULED on the first match);
   if the trip was cancelled meanwhile, seats are released and claims undone;
5. tell both sides (notification service; one key per request, so told once).

A match interrupted at any step leaves seats HELD or CONFIRMED on the route; the next match of
the route, or a retry of the same trigger, starts from those and completes them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

import grpc

from api.lastmile.v1 import (
    driver_pb2,
    notification_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
    user_pb2,
)
from common.convert import to_timestamp
from common.errors import FailedPrecondition
from common.ids import trip_id_for_route
from common.notify import notice
from common.peers import Peers
from services.matching import plan

log = logging.getLogger("lastmile.matching")
Kind = notification_pb2.NotificationKind
HELD, CONFIRMED = driver_pb2.SEAT_STATE_HELD, driver_pb2.SEAT_STATE_CONFIRMED


@dataclass
class Outcome:
    route_id: str
    station_id: str
    trip_id: str = ""
    request_ids: list[str] = field(default_factory=list)
    rider_ids: list[str] = field(default_factory=list)
    seats_free: int = 0


class MatchSaga:
    def __init__(self, peers: Peers) -> None:
        self.peers = peers
        self._station_names: dict[str, str] = {}

    async def run(self, route_id: str, station_id: str, driver_eta: datetime) -> Outcome:
        route = await self.peers.driver.GetRoute(driver_pb2.GetRouteRequest(route_id=route_id))
        if route.status != driver_pb2.ROUTE_STATUS_OPEN:
            raise FailedPrecondition(f"route {route_id} is not OPEN")
        if station_id not in route.station_ids:
            raise FailedPrecondition(f"route {route_id} does not pass station {station_id}")
        trip_id = trip_id_for_route(route_id)
        claimed: dict[str, rider_pb2.RideRequest] = {}
        for _ in range(plan.MAX_ROUNDS):
            pending = [s.request_id for s in route.seats if s.state == HELD]
            eligible: list[str] = []
            if route.seats_free > 0:
                found = await self.peers.rider.FindEligible(
                    rider_pb2.FindEligibleRequest(
                        station_id=station_id,
                        destination_area_id=route.destination_area_id,
                        latest_arrival=to_timestamp(plan.latest_arrival(driver_eta)),
                        limit=plan.candidate_limit(route.seats_free, len(route.seats)),
                    )
                )
                seen = {s.request_id for s in route.seats}
                eligible = [r.id for r in found.requests if r.id not in seen]
            wanted = plan.candidates(pending, eligible)
            if not wanted:
                break
            route, got = await self._hold_claim_confirm(route, trip_id, wanted)
            claimed.update(got)
            # Each round settles the riders it was offered (confirmed, or released for good on
            # this route). When seats are still free, riders other drivers claimed first cost
            # us seats: look further down the list. Seats other matches of this route hold
            # are theirs to settle once we have looked at them.
            if not eligible or route.seats_free == 0:
                break
        confirmed = [s.request_id for s in route.seats if s.state == CONFIRMED]
        outcome = Outcome(route_id, station_id, seats_free=route.seats_free)
        if not confirmed:
            return outcome
        trip = await self._add_to_trip(route, trip_id, station_id, confirmed, claimed)
        matched = [r for r in trip.riders if r.status == trip_pb2.TRIP_RIDER_STATUS_MATCHED]
        # Everyone matched is told (once per request, by key): riders a crashed match at an
        # earlier station left untold are told now.
        await self._tell(route, trip_id, matched)
        here = [r for r in matched if r.station_id == station_id]
        outcome.trip_id = trip_id
        outcome.request_ids = [r.request_id for r in here]
        outcome.rider_ids = [r.rider_id for r in here]
        return outcome

    async def _hold_claim_confirm(
        self, route: driver_pb2.Route, trip_id: str, wanted: list[str]
    ) -> tuple[driver_pb2.Route, dict[str, rider_pb2.RideRequest]]:
        """Answers the route after the change and the riders now confirmed on it."""
        driver = self.peers.driver
        held = await driver.ReserveSeats(
            driver_pb2.ReserveSeatsRequest(route_id=route.id, request_ids=wanted)
        )
        holding = [s.request_id for s in held.seats if s.state == HELD]
        route = held.route
        if not holding:
            return route, {}
        claim = await self.peers.rider.Claim(
            rider_pb2.ClaimRequest(
                request_ids=holding,
                trip_id=trip_id,
                route_id=route.id,
                driver_id=route.driver_id,
                idempotency_key=f"claim:{route.id}",
            )
        )
        if claim.not_claimed:
            released = await driver.ReleaseSeats(
                driver_pb2.ReleaseSeatsRequest(route_id=route.id, request_ids=claim.not_claimed)
            )
            route = released.route
        claimed = {r.id: r for r in claim.claimed}
        if not claimed:
            return route, {}
        confirm = await driver.ConfirmSeats(
            driver_pb2.ConfirmSeatsRequest(
                route_id=route.id, request_ids=list(claimed), trip_id=trip_id
            )
        )
        lost = [s.request_id for s in confirm.seats if s.state != CONFIRMED]
        if lost:
            # Their seats were released meanwhile (the rider cancelled, the route closed):
            # nothing will put them on the trip, so they wait again.
            await self.peers.rider.Unclaim(
                rider_pb2.UnclaimRequest(
                    request_ids=lost, trip_id=trip_id, idempotency_key=f"lost:{route.id}"
                )
            )
        return confirm.route, {rid: r for rid, r in claimed.items() if rid not in lost}

    async def _add_to_trip(
        self,
        route: driver_pb2.Route,
        trip_id: str,
        station_id: str,
        confirmed: list[str],
        claimed: dict[str, rider_pb2.RideRequest],
    ) -> trip_pb2.Trip:
        earlier = [rid for rid in confirmed if rid not in claimed]
        if earlier:
            # Seats confirmed by an earlier match: usually on the trip already.
            try:
                trip = await self.peers.trip.GetTripByRoute(
                    trip_pb2.GetTripByRouteRequest(route_id=route.id)
                )
                on_trip = [r.request_id for r in trip.riders]
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                on_trip = []
            for rid in plan.missing_from_trip(earlier, on_trip):
                claimed[rid] = await self.peers.rider.GetRequest(
                    rider_pb2.GetRideRequestRequest(request_id=rid)
                )
        riders = [
            trip_pb2.NewTripRider(rider_id=r.rider_id, request_id=r.id, station_id=r.station_id)
            for r in claimed.values()
        ]
        try:
            return await self.peers.trip.AddRiders(
                trip_pb2.AddRidersRequest(
                    route_id=route.id, driver_id=route.driver_id, riders=riders, trip_id=trip_id
                )
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.FAILED_PRECONDITION:
                raise
            # The trip is over or cancelled: it will never take these riders.
            ids = list(claimed)
            await self.peers.driver.ReleaseSeats(
                driver_pb2.ReleaseSeatsRequest(route_id=route.id, request_ids=ids)
            )
            await self.peers.rider.Unclaim(
                rider_pb2.UnclaimRequest(
                    request_ids=ids, trip_id=trip_id, idempotency_key=f"closed:{route.id}"
                )
            )
            raise FailedPrecondition(f"the trip of route {route.id} is closed") from None

    async def _station_name(self, station_id: str) -> str:
        if not self._station_names:
            answer = await self.peers.station.ListStations(station_pb2.ListStationsRequest())
            self._station_names = {s.id: s.name for s in answer.stations}
        return self._station_names.get(station_id, station_id)

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
            station_id = r.station_id
            rider = names.get(r.rider_id)
            rider_name = rider.name if rider else "A rider"
            common = dict(
                tripId=trip_id,
                routeId=route.id,
                requestId=r.request_id,
                stationId=station_id,
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
