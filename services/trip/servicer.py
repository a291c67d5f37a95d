"""TripService: protobuf in and out. The state machine is lifecycle.py; after each change the
servicer brings the riders' requests, the route's seats and the notifications in line, with
calls that are safe to repeat, so a retried call finishes what a failed one started."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import grpc

from api.lastmile.v1 import driver_pb2, notification_pb2, rider_pb2, trip_pb2, trip_pb2_grpc
from common.convert import to_timestamp
from common.errors import InvalidArgument, NotFound
from common.ids import trip_id_for_route
from common.notify import notice
from common.peers import Peers
from services.trip import lifecycle
from services.trip.lifecycle import CancelledBy, RiderStatus, Trip, TripRider, TripStatus
from services.trip.store import TripStore, to_trip

Kind = notification_pb2.NotificationKind
TRIP_STATUS = {s: trip_pb2.TripStatus.Value(f"TRIP_STATUS_{s.value}") for s in TripStatus}
RIDER_STATUS = {
    s: trip_pb2.TripRiderStatus.Value(f"TRIP_RIDER_STATUS_{s.value}") for s in RiderStatus
}
REQUEST_STATUS = {
    s: rider_pb2.RequestStatus.Value(f"REQUEST_STATUS_{s.value}")
    for s in (RiderStatus.PICKED_UP, RiderStatus.DROPPED_OFF, RiderStatus.NO_SHOW)
}


def trip_message(doc: dict[str, Any]) -> trip_pb2.Trip:
    trip = to_trip(doc)
    return trip_pb2.Trip(
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
            )
            for r in trip.riders
        ],
        created_at=to_timestamp(doc["createdAt"]),
        updated_at=to_timestamp(doc["updatedAt"]),
    )


class TripServicer(trip_pb2_grpc.TripServiceServicer):
    def __init__(self, store: TripStore, peers: Peers) -> None:
        self.store = store
        self.peers = peers

    # --- reads --------------------------------------------------------------------------

    async def GetTrip(
        self, request: trip_pb2.GetTripRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        return trip_message(await self.store.require(request.trip_id))

    async def GetTripByRoute(
        self, request: trip_pb2.GetTripByRouteRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        doc = await self.store.by_route(request.route_id) if request.route_id else None
        if doc is None:
            raise NotFound(f"route {request.route_id!r} has no trip", "route_id")
        return trip_message(doc)

    async def CountTrips(
        self, request: trip_pb2.CountTripsRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.CountTripsResponse:
        return trip_pb2.CountTripsResponse(trips_by_status=await self.store.count_by_status())

    # --- matching -----------------------------------------------------------------------

    async def AddRiders(
        self, request: trip_pb2.AddRidersRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        if not request.route_id or not request.driver_id:
            raise InvalidArgument("route_id and driver_id are required", "route_id")
        if request.trip_id != trip_id_for_route(request.route_id):
            raise InvalidArgument("trip_id does not belong to this route", "trip_id")
        new = [TripRider(r.rider_id, r.request_id, r.station_id) for r in request.riders]
        doc = await self.store.change(
            request.trip_id,
            lambda trip: lifecycle.add_riders(trip, new),
            Trip(request.trip_id, request.route_id, request.driver_id),
        )
        return trip_message(doc)

    # --- the driver's actions -----------------------------------------------------------

    async def _drivers_change(
        self, trip_id: str, driver_id: str, change: Callable[[Trip], Trip]
    ) -> dict[str, Any]:
        """Applies `change` to the trip when the caller drives it; NOT_FOUND otherwise (the
        ownership check rides on the same read as the change)."""

        def as_driver(trip: Trip) -> Trip:
            if trip.driver_id != driver_id:
                raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
            return change(trip)

        return await self.store.change(trip_id, as_driver)

    async def _tell_riders(
        self, doc: dict[str, Any], riders: list[TripRider], kind: int, title: str, body: str
    ) -> None:
        """One notice per rider, keyed by kind and request so a retry tells nobody twice."""
        await self._tell(
            notice(
                r.rider_id,
                kind,
                title,
                body,
                key=f"{Kind.Name(kind)}:{r.request_id}",
                tripId=doc["_id"],
                requestId=r.request_id,
            )
            for r in riders
        )

    async def PickUp(
        self, request: trip_pb2.TripRidersRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        ids = list(request.rider_ids)
        doc = await self._drivers_change(
            request.trip_id, request.driver_id, lambda t: lifecycle.pick_up(t, ids)
        )
        chosen = set(ids)
        riders = [r for r in to_trip(doc).riders if r.rider_id in chosen]
        await self._follow(doc, riders, RiderStatus.PICKED_UP)
        await self._tell_riders(
            doc, riders, Kind.NOTIFICATION_KIND_PICKED_UP, "Picked up", "Enjoy the ride."
        )
        return trip_message(doc)

    async def MarkNoShow(
        self, request: trip_pb2.TripRidersRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        ids = list(request.rider_ids)
        doc = await self._drivers_change(
            request.trip_id, request.driver_id, lambda t: lifecycle.no_show(t, ids)
        )
        chosen = set(ids)
        riders = [r for r in to_trip(doc).riders if r.rider_id in chosen]
        await self._release(doc, riders)
        await self._follow(doc, riders, RiderStatus.NO_SHOW)
        await self._tell_riders(
            doc,
            riders,
            Kind.NOTIFICATION_KIND_NO_SHOW,
            "Marked as no-show",
            "The driver did not find you at the station; your seat was given up.",
        )
        return trip_message(doc)

    async def CompleteTrip(
        self, request: trip_pb2.TripActionRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        doc = await self._drivers_change(request.trip_id, request.driver_id, lifecycle.complete)
        riders = [r for r in to_trip(doc).riders if r.status is RiderStatus.DROPPED_OFF]
        await self._follow(doc, riders, RiderStatus.DROPPED_OFF)
        await self.peers.driver.CompleteRoute(
            driver_pb2.CompleteRouteRequest(route_id=doc["routeId"])
        )
        await self._tell_riders(
            doc,
            riders,
            Kind.NOTIFICATION_KIND_DROPPED_OFF,
            "Dropped off",
            "You have arrived. Thanks for riding with LastMile.",
        )
        return trip_message(doc)

    async def CancelTrip(
        self, request: trip_pb2.CancelTripRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        if not request.route_id:
            raise InvalidArgument("route_id is required", "route_id")
        trip_id = trip_id_for_route(request.route_id)
        existing = await self.store.get(trip_id)
        if existing is not None and existing["driverId"] != request.driver_id:
            raise NotFound(f"route {request.route_id!r} has no trip of yours", "route_id")
        doc = await self.store.change(
            trip_id, lifecycle.cancel, Trip(trip_id, request.route_id, request.driver_id)
        )
        riders = [r for r in to_trip(doc).riders if r.cancelled_by is CancelledBy.DRIVER]
        if riders:
            await self.peers.rider.Unclaim(
                rider_pb2.UnclaimRequest(
                    request_ids=[r.request_id for r in riders],
                    trip_id=trip_id,
                    idempotency_key=f"trip-cancelled:{trip_id}",
                )
            )
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
            for r in riders
        )
        return trip_message(doc)

    # --- the rider's action -------------------------------------------------------------

    async def RemoveRider(
        self, request: trip_pb2.RemoveRiderRequest, context: grpc.aio.ServicerContext
    ) -> trip_pb2.Trip:
        if not (request.trip_id and request.rider_id and request.request_id):
            raise InvalidArgument("trip_id, rider_id and request_id are required", "trip_id")
        leaving = TripRider(request.rider_id, request.request_id, request.station_id)
        doc = await self.store.change(
            request.trip_id,
            lambda t: lifecycle.remove_rider(t, leaving),
            Trip(request.trip_id, request.route_id, request.driver_id),
        )
        await self._release(doc, [leaving])
        await self._tell(
            [
                notice(
                    doc["driverId"],
                    Kind.NOTIFICATION_KIND_RIDER_CANCELLED,
                    "A rider cancelled",
                    "A matched rider cancelled; the seat is free again.",
                    key=f"rider-cancelled:{request.request_id}",
                    tripId=doc["_id"],
                    riderId=request.rider_id,
                    requestId=request.request_id,
                    stationId=request.station_id,
                )
            ]
        )
        return trip_message(doc)

    # --- keeping the other services in line -------------------------------------------

    async def _follow(
        self, doc: dict[str, Any], riders: list[TripRider], status: RiderStatus
    ) -> None:
        await asyncio.gather(
            *(
                self.peers.rider.SetTripStatus(
                    rider_pb2.SetTripStatusRequest(
                        request_id=r.request_id, trip_id=doc["_id"], status=REQUEST_STATUS[status]
                    )
                )
                for r in riders
            )
        )

    async def _release(self, doc: dict[str, Any], riders: list[TripRider]) -> None:
        if riders:
            await self.peers.driver.ReleaseSeats(
                driver_pb2.ReleaseSeatsRequest(
                    route_id=doc["routeId"], request_ids=[r.request_id for r in riders]
                )
            )

    async def _tell(self, notices: Any) -> None:
        batch = list(notices)
        if batch:
            await self.peers.notification.NotifyBatch(
                notification_pb2.NotifyBatchRequest(notifications=batch)
            )
