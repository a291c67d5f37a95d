"""TripService: protobuf in and out. The ledger and the state machine are lifecycle.py; after
each change the servicer tells the riders' requests and the notifications, with calls that are
safe to repeat, so a retried call finishes what a failed one started."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

import grpc

from api.lastmile.v1 import driver_pb2, notification_pb2, rider_pb2, trip_pb2, trip_pb2_grpc
from common import fares
from common.convert import from_timestamp, to_timestamp, utcnow
from common.errors import AlreadyExists, FailedPrecondition, InvalidArgument, NotFound
from common.ids import trip_id_for_route
from common.kpis import TRIP_SEATS_USED
from common.notify import notice
from common.paging import check_batch
from common.peers import Peers
from services.trip import lifecycle, ratings
from services.trip.lifecycle import (
    Booking,
    CancelledBy,
    RiderStatus,
    Trip,
    TripRider,
    TripStatus,
)
from services.trip.store import RatingStore, TripStore

Kind = notification_pb2.NotificationKind
TRIP_STATUS = {s: trip_pb2.TripStatus.Value(f"TRIP_STATUS_{s.value}") for s in TripStatus}
RIDER_STATUS = {
    s: trip_pb2.TripRiderStatus.Value(f"TRIP_RIDER_STATUS_{s.value}") for s in RiderStatus
}
BOOKING = {b: trip_pb2.BookingOutcome.Value(f"BOOKING_OUTCOME_{b.value}") for b in Booking}
REQUEST_STATUS = {
    s: rider_pb2.RequestStatus.Value(f"REQUEST_STATUS_{s.value}")
    for s in (RiderStatus.PICKED_UP, RiderStatus.DROPPED_OFF, RiderStatus.NO_SHOW)
}


def trip_message(trip: Trip) -> trip_pb2.Trip:
    drop_orders = trip.drop_orders()
    message = trip_pb2.Trip(
        id=trip.id,
        route_id=trip.route_id,
        driver_id=trip.driver_id,
        status=TRIP_STATUS[trip.status],
        riders=[
            trip_pb2.TripRider(
                rider_id=r.rider_id,
                request_id=r.request_id,
                station_id=r.station_id,
                status=RIDER_STATUS[r.status],
                destination_area_id=r.destination_area_id,
                detour_m=r.detour_m,
                drop_order=drop_orders.get(r.request_id, 0),
            )
            for r in trip.riders
        ],
        seats_total=trip.seats_total,
        seats_free=trip.seats_free,
    )
    if trip.created_at is not None:
        message.created_at.CopyFrom(to_timestamp(trip.created_at))
    if trip.updated_at is not None:
        message.updated_at.CopyFrom(to_timestamp(trip.updated_at))
    return message


def _require_route(route_id: str, driver_id: str) -> None:
    if not route_id or not driver_id:
        raise InvalidArgument("route_id and driver_id are required", "route_id")


def _reason_words(reason: str) -> str:
    return reason.replace("_", " ").lower()


class TripServicer(trip_pb2_grpc.TripServiceServicer):
    def __init__(self, store: TripStore, peers: Peers, ratings_store: RatingStore) -> None:
        self.store = store
        self.peers = peers
        self.ratings = ratings_store

    # --- reads --------------------------------------------------------------------------

    async def GetTrip(
        self, request: trip_pb2.GetTripRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        return trip_message(await self.store.require(request.trip_id))

    async def GetTripByRoute(
        self, request: trip_pb2.GetTripByRouteRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        trip = await self.store.by_route(request.route_id) if request.route_id else None
        if trip is None:
            raise NotFound(f"route {request.route_id!r} has no trip", "route_id")
        return trip_message(trip)

    async def GetTripsByRoutes(
        self, request: trip_pb2.GetTripsByRoutesRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.GetTripsByRoutesResponse:
        check_batch(len(request.route_ids), "route_ids")
        trips = await self.store.by_routes(list(set(request.route_ids)))
        return trip_pb2.GetTripsByRoutesResponse(trips=[trip_message(t) for t in trips])

    async def CountTrips(
        self, request: trip_pb2.CountTripsRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.CountTripsResponse:
        answer = trip_pb2.CountTripsResponse(trips_by_status=await self.store.count_by_status())
        if request.HasField("created_since"):
            since = from_timestamp(request.created_since)
            answer.created_since_count = await self.store.count_created_since(since)
        return answer

    # --- the ledger ---------------------------------------------------------------------

    async def BookSeats(
        self, request: trip_pb2.BookSeatsRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.BookSeatsResponse:
        _require_route(request.route_id, request.driver_id)
        if request.trip_id != trip_id_for_route(request.route_id):
            raise InvalidArgument("trip_id does not belong to this route", "trip_id")
        lifecycle.check_capacity(request.seats_total)
        wanted = [
            TripRider(
                r.rider_id,
                r.request_id,
                r.station_id,
                destination_area_id=r.destination_area_id,
                detour_m=max(0.0, r.detour_m),
                drop_along_m=max(0.0, r.drop_along_m),
            )
            for r in request.riders
        ]
        if not all(r.rider_id and r.request_id for r in wanted):
            raise InvalidArgument("every rider needs rider_id and request_id", "riders")
        outcomes: list[Booking] = []

        def book(trip: Trip) -> Trip:
            if trip.driver_id != request.driver_id:
                raise NotFound(f"route {request.route_id!r} has no trip of yours", "route_id")
            booked, found = lifecycle.book(trip, wanted)
            outcomes[:] = found
            return booked

        trip = await self.store.change(
            request.trip_id,
            book,
            Trip(request.trip_id, request.route_id, request.driver_id, request.seats_total),
        )
        return trip_pb2.BookSeatsResponse(
            trip=trip_message(trip),
            bookings=[
                trip_pb2.Booking(request_id=r.request_id, outcome=BOOKING[o])
                for r, o in zip(wanted, outcomes, strict=True)
            ],
        )

    # --- the driver's actions -----------------------------------------------------------

    async def _drivers_change(
        self, trip_id: str, driver_id: str, change: Callable[[Trip], Trip]
    ) -> Trip:
        """Applies `change` to the trip when the caller drives it; NOT_FOUND otherwise (the
        ownership check rides on the same read as the change)."""

        def as_driver(trip: Trip) -> Trip:
            if trip.driver_id != driver_id:
                raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
            return change(trip)

        return await self.store.change(trip_id, as_driver)

    async def _tell_riders(
        self, trip: Trip, riders: Iterable[TripRider], kind: int, title: str, body: str
    ) -> None:
        """One notice per rider, keyed by kind and request so a retry tells nobody twice."""
        await self._tell(
            notice(
                r.rider_id,
                kind,
                title,
                body,
                key=f"{Kind.Name(kind)}:{r.request_id}",
                tripId=trip.id,
                requestId=r.request_id,
            )
            for r in riders
        )

    async def _check_pins(self, request: trip_pb2.TripRidersRequest) -> None:
        """Every rider's PIN matches their request's, or nobody is picked up."""
        for rid in request.rider_ids:
            if not request.pins.get(rid):
                raise InvalidArgument(f"a PIN is needed for rider {rid}", "pin")
        trip = await self.store.require(request.trip_id)
        if trip.driver_id != request.driver_id:
            raise NotFound(f"no trip with id {request.trip_id!r}", "trip_id")
        entries = lifecycle.current_entries(trip, request.rider_ids)
        if not entries:
            return  # nobody of the call is on the trip: the move itself says so
        answer = await self.peers.rider.GetRequests(
            rider_pb2.GetRideRequestsRequest(request_ids=[e.request_id for e in entries])
        )
        pins = {r.id: r.pin for r in answer.requests}
        wrong = [
            e.rider_id
            for e in entries
            if not lifecycle.pin_matches(pins.get(e.request_id, ""), request.pins[e.rider_id])
        ]
        if wrong:
            raise FailedPrecondition(
                f"wrong PIN for rider {', '.join(wrong)}; nobody was picked up", "pin"
            )

    async def PickUp(
        self, request: trip_pb2.TripRidersRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        ids = list(request.rider_ids)
        if not ids:
            raise InvalidArgument("riderIds must name at least one rider", "riderIds")
        await self._check_pins(request)
        trip = await self._drivers_change(
            request.trip_id, request.driver_id, lambda t: lifecycle.pick_up(t, ids)
        )
        riders = lifecycle.current_entries(trip, ids)
        await self._follow(trip, riders, RiderStatus.PICKED_UP)
        await self._tell_riders(
            trip, riders, Kind.NOTIFICATION_KIND_PICKED_UP, "Picked up", "Enjoy the ride."
        )
        return trip_message(trip)

    async def MarkNoShow(
        self, request: trip_pb2.TripRidersRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        ids = list(request.rider_ids)
        trip = await self._drivers_change(
            request.trip_id, request.driver_id, lambda t: lifecycle.no_show(t, ids)
        )
        riders = lifecycle.current_entries(trip, ids)
        await self._follow(trip, riders, RiderStatus.NO_SHOW)
        await self._tell_riders(
            trip,
            riders,
            Kind.NOTIFICATION_KIND_NO_SHOW,
            "Marked as no-show",
            "The driver did not find you at the station; your seat was given up.",
        )
        return trip_message(trip)

    async def CompleteTrip(
        self, request: trip_pb2.TripActionRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        completes: list[bool] = []

        def complete(trip: Trip) -> Trip:
            completes.append(trip.status is not TripStatus.COMPLETED)  # not a repeat
            return lifecycle.complete(trip)

        trip = await self._drivers_change(request.trip_id, request.driver_id, complete)
        riders = [r for r in trip.riders if r.status is RiderStatus.DROPPED_OFF]
        if completes and completes[-1]:
            TRIP_SEATS_USED.observe(len(riders))
        await self._follow(trip, riders, RiderStatus.DROPPED_OFF, riders_on_trip=len(riders))
        await self.peers.driver.CompleteRoute(
            driver_pb2.CompleteRouteRequest(route_id=trip.route_id)
        )
        await self._release_claims(trip)
        await self._tell_riders(
            trip,
            riders,
            Kind.NOTIFICATION_KIND_DROPPED_OFF,
            "Dropped off",
            "You have arrived. Thanks for riding with LastMile.",
        )
        return trip_message(trip)

    async def CancelTrip(
        self, request: trip_pb2.CancelTripRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        _require_route(request.route_id, request.driver_id)
        trip_id = trip_id_for_route(request.route_id)

        def cancel(trip: Trip) -> Trip:
            if trip.driver_id != request.driver_id:
                raise NotFound(f"route {request.route_id!r} has no trip of yours", "route_id")
            return lifecycle.cancel(trip)

        trip = await self.store.change(
            trip_id, cancel, Trip(trip_id, request.route_id, request.driver_id)
        )
        await self._release_claims(trip)
        await self._tell(
            notice(
                r.rider_id,
                Kind.NOTIFICATION_KIND_TRIP_CANCELLED,
                "Driver cancelled",
                "Your driver cancelled the trip. You are waiting for another driver again.",
                key=f"trip-cancelled:{r.request_id}",
                tripId=trip_id,
                requestId=r.request_id,
            )
            for r in trip.riders
            if r.cancelled_by is CancelledBy.DRIVER
        )
        return trip_message(trip)

    # --- the rider's action -------------------------------------------------------------

    async def RemoveRider(
        self, request: trip_pb2.RemoveRiderRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        if not (request.trip_id and request.rider_id and request.request_id):
            raise InvalidArgument("trip_id, rider_id and request_id are required", "trip_id")
        leaving = TripRider(request.rider_id, request.request_id, request.station_id)
        trip = await self.store.change(
            request.trip_id,
            lambda t: lifecycle.remove_rider(t, leaving),
            Trip(request.trip_id, request.route_id, request.driver_id),
        )
        why = f" ({_reason_words(request.reason)})" if request.reason else ""
        await self._tell(
            [
                notice(
                    trip.driver_id,
                    Kind.NOTIFICATION_KIND_RIDER_CANCELLED,
                    "A rider cancelled",
                    f"A matched rider cancelled{why}; the seat is free again.",
                    key=f"rider-cancelled:{request.request_id}",
                    tripId=trip.id,
                    riderId=request.rider_id,
                    requestId=request.request_id,
                    stationId=request.station_id,
                    reason=request.reason,
                )
            ]
        )
        return trip_message(trip)

    # --- after the ride ----------------------------------------------------------------

    async def RateTrip(
        self, request: trip_pb2.RateTripRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Rating:
        ratings.check_stars(request.stars, request.comment)
        trip = await self.store.require(request.trip_id)
        to_user = ratings.rated_user(trip, request.from_user_id, request.rider_id)
        rating = trip_pb2.Rating(
            trip_id=trip.id,
            from_user_id=request.from_user_id,
            to_user_id=to_user,
            stars=request.stars,
            comment=request.comment,
        )
        now = utcnow()
        rating.created_at.CopyFrom(to_timestamp(now))
        stored = await self.ratings.add(
            {
                "tripId": trip.id,
                "fromUserId": request.from_user_id,
                "toUserId": to_user,
                "stars": request.stars,
                "comment": request.comment,
                "createdAt": now,
            }
        )
        if not stored:
            raise AlreadyExists("this ride was rated already")
        return rating

    async def GetRatings(
        self, request: trip_pb2.GetRatingsRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.GetRatingsResponse:
        check_batch(len(request.user_ids), "user_ids")
        found = await self.ratings.averages(list(set(request.user_ids)))
        return trip_pb2.GetRatingsResponse(
            ratings=[
                trip_pb2.RatingSummary(user_id=u, average=round(avg, 2), count=n)
                for u, (avg, n) in sorted(found.items())
            ]
        )

    async def GetEarnings(
        self, request: trip_pb2.GetEarningsRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Earnings:
        if not request.driver_id:
            raise InvalidArgument("driver_id is required", "driver_id")
        trips = await self.store.completed_since(request.driver_id, from_timestamp(request.since))
        ids = [r.request_id for t in trips for r in t.riders if r.status is RiderStatus.DROPPED_OFF]
        amount = 0
        for start in range(0, len(ids), 500):
            answer = await self.peers.rider.GetRequests(
                rider_pb2.GetRideRequestsRequest(request_ids=ids[start : start + 500])
            )
            amount += sum(r.fare.amount for r in answer.requests if r.fare.final)
        return trip_pb2.Earnings(
            amount=amount, currency=fares.CURRENCY, trips=len(trips), rides=len(ids)
        )

    # --- telling the other services ---------------------------------------------------

    async def _follow(
        self, trip: Trip, riders: list[TripRider], status: RiderStatus, riders_on_trip: int = 0
    ) -> None:
        await asyncio.gather(
            *(
                self.peers.rider.SetTripStatus(
                    rider_pb2.SetTripStatusRequest(
                        request_id=r.request_id,
                        trip_id=trip.id,
                        status=REQUEST_STATUS[status],
                        riders_on_trip=riders_on_trip,
                    )
                )
                for r in riders
            )
        )

    async def _release_claims(self, trip: Trip) -> None:
        """The trip takes nobody new: every request still claimed for it waits again (those the
        driver cancelled, and any a match claimed but could not book before the trip closed).
        Requests whose entry is in another state keep what the ledger told them."""
        await self.peers.rider.Unclaim(
            rider_pb2.UnclaimRequest(
                trip_id=trip.id,
                whole_trip=True,
                except_request_ids=[
                    r.request_id for r in trip.riders if r.cancelled_by is not CancelledBy.DRIVER
                ],
            )
        )

    async def _tell(self, notices: Iterable[notification_pb2.NotifyRequest]) -> None:
        batch = list(notices)
        if batch:
            await self.peers.notification.NotifyBatch(
                notification_pb2.NotifyBatchRequest(notifications=batch)
            )
