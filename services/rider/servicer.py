"""RiderService: protobuf in and out; rules in requests.py, data in store.py."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from api.lastmile.v1 import notification_pb2, rider_pb2, rider_pb2_grpc, station_pb2, trip_pb2
from common.convert import from_timestamp, to_timestamp, utcnow
from common.errors import FailedPrecondition, InvalidArgument, NotFound
from common.idempotency import create_once
from common.ids import new_id
from common.notify import notice
from common.paging import MAX_PAGE, check_batch, next_token, page_of
from common.peers import Peers
from services.rider.requests import RequestStatus, check_trip_move, validate_arrival
from services.rider.store import RequestStore

STATUS_TO_PROTO = {
    s: rider_pb2.RequestStatus.Value(f"REQUEST_STATUS_{s.value}") for s in RequestStatus
}
STATUS_FROM_PROTO = {v: k for k, v in STATUS_TO_PROTO.items()}
Kind = notification_pb2.NotificationKind


def request_message(doc: dict[str, Any]) -> rider_pb2.RideRequest:
    return rider_pb2.RideRequest(
        id=doc["_id"],
        rider_id=doc["riderId"],
        station_id=doc["stationId"],
        destination_area_id=doc["destinationAreaId"],
        arrival_time=to_timestamp(doc["arrivalTime"]),
        status=STATUS_TO_PROTO[RequestStatus(doc["status"])],
        trip_id=doc.get("tripId", ""),
        route_id=doc.get("routeId", ""),
        driver_id=doc.get("driverId", ""),
        created_at=to_timestamp(doc["createdAt"]),
        updated_at=to_timestamp(doc["updatedAt"]),
    )


class RiderServicer(rider_pb2_grpc.RiderServiceServicer):
    def __init__(
        self, store: RequestStore, peers: Peers, expire: Callable[[], Awaitable[int]]
    ) -> None:
        self.store = store
        self.peers = peers
        self.expire = expire

    async def CreateRequest(
        self, request: rider_pb2.CreateRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        if not request.rider_id:
            raise InvalidArgument("rider_id is required", "rider_id")
        if not request.HasField("arrival_time"):
            raise InvalidArgument("arrivalTime is required", "arrivalTime")
        try:
            station = await self.peers.station.GetStation(
                station_pb2.GetStationRequest(station_id=request.station_id)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            raise InvalidArgument(f"unknown station {request.station_id!r}", "stationId") from None
        if request.destination_area_id not in {a.id for a in station.areas}:
            raise InvalidArgument(
                f"{station.name} does not serve area {request.destination_area_id!r}",
                "destinationAreaId",
            )
        now = utcnow()
        arrival = from_timestamp(request.arrival_time)
        validate_arrival(arrival, now)
        doc = {
            "_id": new_id(),
            "riderId": request.rider_id,
            "stationId": request.station_id,
            "destinationAreaId": request.destination_area_id,
            "arrivalTime": arrival.replace(microsecond=arrival.microsecond // 1000 * 1000),
            "status": RequestStatus.WAITING.value,
            "createdAt": now,
            "updatedAt": now,
        }
        doc = await create_once(
            doc,
            request.idempotency_key,
            self.store.insert,
            lambda: self.store.open_for_rider(request.rider_id),
            FailedPrecondition,
        )
        return request_message(doc)

    async def GetRequest(
        self, request: rider_pb2.GetRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        return request_message(await self.store.require(request.request_id))

    async def GetRequests(
        self, request: rider_pb2.GetRideRequestsRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.GetRideRequestsResponse:
        check_batch(len(request.request_ids), "request_ids")
        docs = await self.store.get_many(list(set(request.request_ids)))
        return rider_pb2.GetRideRequestsResponse(requests=[request_message(d) for d in docs])

    async def ListRequests(
        self, request: rider_pb2.ListRideRequestsRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ListRideRequestsResponse:
        skip, limit = page_of(request.page)
        docs = await self.store.list_for_rider(request.rider_id, skip, limit + 1)
        return rider_pb2.ListRideRequestsResponse(
            requests=[request_message(d) for d in docs[:limit]],
            next_page_token=next_token(skip, limit, len(docs)),
        )

    async def CancelRequest(
        self, request: rider_pb2.CancelRideRequestRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        for _ in range(5):
            doc = await self.store.require(request.request_id)
            if doc["riderId"] != request.rider_id:
                raise NotFound(f"no ride request with id {request.request_id!r}", "request_id")
            status = RequestStatus(doc["status"])
            if status is RequestStatus.CANCELLED:
                if doc.get("tripId"):  # finish a cancellation a failure interrupted
                    await self._leave_trip(doc)
                return request_message(doc)
            if status is RequestStatus.WAITING:
                done = await self.store.move(
                    doc["_id"], {"status": status.value}, RequestStatus.CANCELLED
                )
            elif status is RequestStatus.MATCHED:
                # The trip decides (it refuses once the rider is picked up) and frees the seat.
                await self._leave_trip(doc)
                done = await self.store.move(
                    doc["_id"],
                    {"status": status.value, "tripId": doc["tripId"]},
                    RequestStatus.CANCELLED,
                )
            else:
                raise FailedPrecondition(f"a {status.value} request can no longer be cancelled")
            if done is not None:
                await self.peers.notification.Notify(
                    notice(
                        done["riderId"],
                        Kind.NOTIFICATION_KIND_REQUEST_CANCELLED,
                        "Ride request cancelled",
                        "Your ride request was cancelled.",
                        key=f"request-cancelled:{done['_id']}",
                        requestId=done["_id"],
                    )
                )
                return request_message(done)
        raise FailedPrecondition("the request is changing; try again")

    async def _leave_trip(self, doc: dict[str, Any]) -> None:
        await self.peers.trip.RemoveRider(
            trip_pb2.RemoveRiderRequest(
                trip_id=doc["tripId"],
                rider_id=doc["riderId"],
                request_id=doc["_id"],
                route_id=doc["routeId"],
                driver_id=doc["driverId"],
                station_id=doc["stationId"],
            )
        )

    async def FindEligible(
        self, request: rider_pb2.FindEligibleRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.FindEligibleResponse:
        limit = min(request.limit or 50, MAX_PAGE)
        docs = await self.store.eligible(
            request.station_id,
            request.destination_area_id,
            from_timestamp(request.latest_arrival),
            limit,
        )
        claimed = await self.store.claimed_for(request.trip_id) if request.trip_id else []
        return rider_pb2.FindEligibleResponse(
            requests=[request_message(d) for d in docs],
            claimed=[request_message(d) for d in claimed],
        )

    async def Claim(
        self, request: rider_pb2.ClaimRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ClaimResponse:
        if not request.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")
        trip = {
            "tripId": request.trip_id,
            "routeId": request.route_id,
            "driverId": request.driver_id,
        }
        ids = list(dict.fromkeys(request.request_ids))

        # Each claim is its own conditional update, so they can run side by side.
        docs = await asyncio.gather(*(self.store.claim(rid, trip) for rid in ids))
        claimed = [request_message(d) for d in docs if d is not None]
        not_claimed = [rid for rid, d in zip(ids, docs, strict=True) if d is None]
        return rider_pb2.ClaimResponse(claimed=claimed, not_claimed=not_claimed)

    async def Unclaim(
        self, request: rider_pb2.UnclaimRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.UnclaimResponse:
        if not request.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")
        ids = list(request.request_ids)
        if request.whole_trip:
            keep = set(request.except_request_ids)
            ids += [d["_id"] for d in await self.store.claimed_for(request.trip_id, MAX_PAGE)]
            ids = [rid for rid in ids if rid not in keep]
        released = []
        for rid in dict.fromkeys(ids):
            doc = await self.store.move(
                rid,
                {"status": RequestStatus.MATCHED.value, "tripId": request.trip_id},
                RequestStatus.WAITING,
                unset_trip=True,
            )
            if doc is not None:
                released.append(rid)
        return rider_pb2.UnclaimResponse(released=released)

    async def SetTripStatus(
        self, request: rider_pb2.SetTripStatusRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.RideRequest:
        target = STATUS_FROM_PROTO.get(request.status)
        if target is None:
            raise InvalidArgument("status is required", "status")
        for _ in range(5):
            doc = await self.store.require(request.request_id)
            if doc.get("tripId") != request.trip_id:
                raise FailedPrecondition(f"request {doc['_id']} is not on trip {request.trip_id}")
            current = RequestStatus(doc["status"])
            if not check_trip_move(current, target):
                return request_message(doc)
            done = await self.store.move(
                doc["_id"], {"status": current.value, "tripId": request.trip_id}, target
            )
            if done is not None:
                return request_message(done)
        raise FailedPrecondition("the request is changing; try again")

    async def ExpireDue(
        self, request: rider_pb2.ExpireDueRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.ExpireDueResponse:
        return rider_pb2.ExpireDueResponse(expired=await self.expire())

    async def CountWaiting(
        self, request: rider_pb2.CountWaitingRequest, context: grpc.aio.ServicerContext
    ) -> rider_pb2.CountWaitingResponse:
        return rider_pb2.CountWaitingResponse(waiting_by_station=await self.store.count_waiting())
