"""RiderService: protobuf in and out; rules in requests.py, data in store.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import grpc

from api.lastmile.v1 import notification_pb2, rider_pb2, rider_pb2_grpc, trip_pb2
from common import fares
from common.convert import from_timestamp, to_timestamp, utcnow
from common.errors import FailedPrecondition, InvalidArgument, NotFound
from common.geo import haversine_m
from common.idempotency import create_once
from common.ids import new_id
from common.notify import notice
from common.paging import MAX_PAGE, check_batch, next_token, page_of
from common.peers import Peers
from common.station_catalog import StationCatalog
from services.rider.requests import (
    CANCEL_REASONS,
    RequestStatus,
    RideRequest,
    check_trip_move,
    expiry_cutoff,
    new_pin,
    validate_arrival,
)
from services.rider.store import RequestStore

STATUS_TO_PROTO = {
    s: rider_pb2.RequestStatus.Value(f"REQUEST_STATUS_{s.value}") for s in RequestStatus
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}
# The stored mark of each way a driver passes a rider by.
# A station serves three or four areas: en-route matching never names more than these.
MAX_AREAS = 20
PASSED_FLAGS = {rider_pb2.PASSED_BY_FULL: "passedFull", rider_pb2.PASSED_BY_EARLY: "passedEarly"}
Kind = notification_pb2.NotificationKind


def request_message(r: RideRequest) -> rider_pb2.RideRequest:
    return rider_pb2.RideRequest(
        id=r.id,
        rider_id=r.rider_id,
        station_id=r.station_id,
        destination_area_id=r.destination_area_id,
        arrival_time=to_timestamp(r.arrival_time),
        status=STATUS_TO_PROTO[r.status],
        trip_id=r.trip_id,
        route_id=r.route_id,
        driver_id=r.driver_id,
        created_at=to_timestamp(r.created_at),
        updated_at=to_timestamp(r.updated_at),
        pin=r.pin,
        fare=rider_pb2.Fare(amount=r.fare_inr, currency=fares.CURRENCY, final=r.fare_final),
        cancel_reason=r.cancel_reason,
    )


class RiderServicer(rider_pb2_grpc.RiderServiceServicer):
    def __init__(
        self,
        store: RequestStore,
        peers: Peers,
        expire: Callable[[], Awaitable[int]],
        expiry: timedelta,
    ) -> None:
        self.store = store
        self.peers = peers
        self.expire = expire
        self.expiry = expiry
        self.catalog = StationCatalog(lambda: peers.station)

    async def CreateRequest(
        self, request: rider_pb2.CreateRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        if not request.rider_id:
            raise InvalidArgument("rider_id is required", "rider_id")
        if not request.HasField("arrival_time"):
            raise InvalidArgument("arrivalTime is required", "arrivalTime")
        station = await self.catalog.get(request.station_id)
        if station is None:
            raise InvalidArgument(f"unknown station {request.station_id!r}", "stationId")
        area = next((a for a in station.areas if a.id == request.destination_area_id), None)
        if area is None:
            raise InvalidArgument(
                f"{station.name} does not serve area {request.destination_area_id!r}",
                "destinationAreaId",
            )
        distance_m = haversine_m(
            station.location.lat, station.location.lon, area.location.lat, area.location.lon
        )
        now = utcnow()
        arrival = from_timestamp(request.arrival_time)
        validate_arrival(arrival, now)
        made = RideRequest(
            id=new_id(),
            rider_id=request.rider_id,
            station_id=request.station_id,
            destination_area_id=request.destination_area_id,
            # MongoDB keeps milliseconds: the answer says what is stored.
            arrival_time=arrival.replace(microsecond=arrival.microsecond // 1000 * 1000),
            status=RequestStatus.WAITING,
            created_at=now,
            updated_at=now,
            create_key=request.idempotency_key,
            pin=new_pin(),
            distance_m=round(distance_m, 1),
            fare_inr=fares.fare_inr(distance_m),
        )
        made = await create_once(
            made,
            request.idempotency_key,
            self.store.insert,
            lambda: self.store.open_for_rider(request.rider_id),
            FailedPrecondition,
            key_of=lambda r: r.create_key,
        )
        return request_message(made)

    async def GetRequest(
        self, request: rider_pb2.GetRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        return request_message(await self.store.require(request.request_id))

    async def GetRequests(
        self, request: rider_pb2.GetRideRequestsRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.GetRideRequestsResponse:
        check_batch(len(request.request_ids), "request_ids")
        found = await self.store.get_many(list(set(request.request_ids)))
        return rider_pb2.GetRideRequestsResponse(requests=[request_message(r) for r in found])

    async def ListRequests(
        self, request: rider_pb2.ListRideRequestsRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ListRideRequestsResponse:
        skip, limit = page_of(request.page)
        found = await self.store.list_for_rider(request.rider_id, skip, limit + 1)
        return rider_pb2.ListRideRequestsResponse(
            requests=[request_message(r) for r in found[:limit]],
            next_page_token=next_token(skip, limit, len(found)),
        )

    async def CancelRequest(
        self, request: rider_pb2.CancelRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        if request.reason not in rider_pb2.CancelReason.values():
            raise InvalidArgument("reason must be one of the cancel reasons", "reason")
        reason = rider_pb2.CancelReason.Name(request.reason).removeprefix("CANCEL_REASON_")
        reason = reason if reason in CANCEL_REASONS else ""
        also = {"cancelReason": reason} if reason else None
        for _ in range(5):
            found = await self.store.require(request.request_id)
            if found.rider_id != request.rider_id:
                raise NotFound(f"no ride request with id {request.request_id!r}", "request_id")
            status = found.status
            if status is RequestStatus.CANCELLED:
                if found.trip_id:  # finish a cancellation a failure interrupted
                    await self._leave_trip(found, found.cancel_reason)
                return request_message(found)
            if status is RequestStatus.WAITING:
                done = await self.store.move(found.id, status, RequestStatus.CANCELLED, also=also)
            elif status is RequestStatus.MATCHED:
                # The trip decides (it refuses once the rider is picked up) and frees the seat.
                await self._leave_trip(found, reason)
                done = await self.store.move(
                    found.id, status, RequestStatus.CANCELLED, trip_id=found.trip_id, also=also
                )
            else:
                raise FailedPrecondition(f"a {status.value} request can no longer be cancelled")
            if done is not None:
                await self.peers.notification.Notify(
                    notice(
                        done.rider_id,
                        Kind.NOTIFICATION_KIND_REQUEST_CANCELLED,
                        "Ride request cancelled",
                        "Your ride request was cancelled.",
                        key=f"request-cancelled:{done.id}",
                        requestId=done.id,
                    )
                )
                return request_message(done)
        raise FailedPrecondition("the request is changing; try again")

    async def _leave_trip(self, leaving: RideRequest, reason: str) -> None:
        await self.peers.trip.RemoveRider(
            trip_pb2.RemoveRiderRequest(
                trip_id=leaving.trip_id,
                rider_id=leaving.rider_id,
                request_id=leaving.id,
                route_id=leaving.route_id,
                driver_id=leaving.driver_id,
                station_id=leaving.station_id,
                reason=reason,
            )
        )

    async def FindEligible(
        self, request: rider_pb2.FindEligibleRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.FindEligibleResponse:
        limit = min(request.limit or 50, MAX_PAGE)
        if len(request.also_destination_area_ids) > MAX_AREAS:
            raise InvalidArgument(
                f"at most {MAX_AREAS} areas besides the destination", "also_destination_area_ids"
            )
        waiting, later = await self.store.eligible(
            request.station_id,
            list(dict.fromkeys([request.destination_area_id, *request.also_destination_area_ids])),
            from_timestamp(request.latest_arrival),
            limit,
            expiry_cutoff(utcnow(), self.expiry),
        )
        claimed = await self.store.claimed_for(request.trip_id) if request.trip_id else []
        return rider_pb2.FindEligibleResponse(
            requests=[request_message(r) for r in waiting],
            claimed=[request_message(r) for r in claimed],
            later=later,
        )

    async def Claim(
        self, request: rider_pb2.ClaimRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ClaimResponse:
        if not request.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")
        ids = list(dict.fromkeys(request.request_ids))

        # Each claim is its own conditional update, so they can run side by side.
        got = await asyncio.gather(
            *(
                self.store.claim(rid, request.trip_id, request.route_id, request.driver_id)
                for rid in ids
            )
        )
        claimed = [request_message(r) for r in got if r is not None]
        not_claimed = [rid for rid, r in zip(ids, got, strict=True) if r is None]
        return rider_pb2.ClaimResponse(claimed=claimed, not_claimed=not_claimed)

    async def NotePassed(
        self, request: rider_pb2.NotePassedRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.NotePassedResponse:
        flag = PASSED_FLAGS.get(request.how)
        if flag is None:
            raise InvalidArgument("how must be PASSED_BY_FULL or PASSED_BY_EARLY", "how")
        ids = list(dict.fromkeys(i for i in request.request_ids if i))
        check_batch(len(ids), "request_ids")
        marked = await self.store.note_passed(ids, flag) if ids else 0
        return rider_pb2.NotePassedResponse(marked=marked)

    async def Unclaim(
        self, request: rider_pb2.UnclaimRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.UnclaimResponse:
        if not request.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")
        ids = list(request.request_ids)
        if request.whole_trip:
            keep = set(request.except_request_ids)
            ids += [r.id for r in await self.store.claimed_for(request.trip_id, MAX_PAGE)]
            ids = [rid for rid in ids if rid not in keep]
        released = []
        for rid in dict.fromkeys(ids):
            back = await self.store.move(
                rid,
                RequestStatus.MATCHED,
                RequestStatus.WAITING,
                trip_id=request.trip_id,
                leave_trip=True,
            )
            if back is not None:
                released.append(rid)
        return rider_pb2.UnclaimResponse(released=released)

    async def SetTripStatus(
        self, request: rider_pb2.SetTripStatusRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        target = STATUS_FROM_PROTO.get(request.status)
        if target is None:
            raise InvalidArgument("status is required", "status")
        for _ in range(5):
            found = await self.store.require(request.request_id)
            if found.trip_id != request.trip_id:
                raise FailedPrecondition(f"request {found.id} is not on trip {request.trip_id}")
            if not check_trip_move(found.status, target):
                return request_message(found)
            also = None
            if target is RequestStatus.DROPPED_OFF:
                riders = max(request.riders_on_trip, 1)
                also = {"fareInr": fares.fare_inr(found.distance_m, riders), "fareFinal": True}
            done = await self.store.move(
                found.id, found.status, target, trip_id=request.trip_id, also=also
            )
            if done is not None:
                return request_message(done)
        raise FailedPrecondition("the request is changing; try again")

    async def CountUnmatched(
        self, request: rider_pb2.CountUnmatchedRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.CountUnmatchedResponse:
        if not request.HasField("since"):
            raise InvalidArgument("since is required", "since")
        counts = await self.store.count_unmatched(from_timestamp(request.since))
        return rider_pb2.CountUnmatchedResponse(expired_by_reason=counts)

    async def ExpireDue(
        self, request: rider_pb2.ExpireDueRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ExpireDueResponse:
        return rider_pb2.ExpireDueResponse(expired=await self.expire())

    async def CountWaiting(
        self, request: rider_pb2.CountWaitingRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.CountWaitingResponse:
        check_batch(len(request.station_ids), "station_ids")
        counts = await self.store.count_waiting(
            request.destination_area_id, list(request.station_ids)
        )
        return rider_pb2.CountWaitingResponse(waiting_by_station=counts)
