"""LocationService: protobuf in and out; the work is in engine.py."""

from __future__ import annotations

import asyncio
import time

import grpc

from api.lastmile.v1 import common_pb2, location_pb2, location_pb2_grpc
from common.errors import DomainError, InvalidArgument, NotFound
from common.kpis import POSITIONS_INGESTED
from common.paging import check_batch
from services.location.engine import Tracker
from services.location.tracking import Position, StationEta, fix_time

MAX_REJECTIONS = 20


def eta_messages(etas: list[StationEta]) -> list[location_pb2.StationEta]:
    return [
        location_pb2.StationEta(
            station_id=e.station_id, distance_m=e.distance_m, eta_seconds=e.eta_s
        )
        for e in etas
    ]


def position_message(
    driver_id: str, p: Position, etas: list[StationEta]
) -> location_pb2.DriverPosition:
    message = location_pb2.DriverPosition(
        driver_id=driver_id,
        position=common_pb2.LatLon(lat=p.lat, lon=p.lon),
        speed_mps=p.speed_mps,
        route_id=p.route_id,
        etas=eta_messages(etas),
    )
    message.at.FromNanoseconds(int(p.at * 1e9))
    return message


class LocationServicer(location_pb2_grpc.LocationServiceServicer):
    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker

    async def _apply(self, update: location_pb2.PositionUpdate) -> list[location_pb2.Trigger]:
        try:
            fired = await self._track(update)
        except DomainError:
            POSITIONS_INGESTED("rejected").inc()
            raise
        POSITIONS_INGESTED("accepted").inc()
        return fired

    async def _track(self, update: location_pb2.PositionUpdate) -> list[location_pb2.Trigger]:
        if not update.driver_id:
            raise InvalidArgument("driver_id is required", "driver_id")
        if not update.HasField("position"):
            raise InvalidArgument("position is required", "position")
        reported = update.at.ToNanoseconds() / 1e9 if update.HasField("at") else None
        at = fix_time(reported, time.time())
        _, fired = await self.tracker.update(
            update.driver_id, update.position.lat, update.position.lon, at, update.speed_mps
        )
        return fired

    async def _result(self, update: location_pb2.PositionUpdate) -> location_pb2.UpdateResult:
        fired = await self._apply(update)
        return location_pb2.UpdateResult(
            triggered=fired, etas=eta_messages(self.tracker.etas_of(update.driver_id))
        )

    async def UpdatePosition(
        self, request: location_pb2.PositionUpdate, context: grpc.aio.ServicerContext
    ) -> location_pb2.UpdateResult:
        return await self._result(request)

    async def UpdatePositions(
        self, request: location_pb2.PositionBatch, context: grpc.aio.ServicerContext
    ) -> location_pb2.PositionBatchResult:
        check_batch(len(request.updates), "updates")
        outcomes = await asyncio.gather(*(self._outcome(u) for u in request.updates))
        return location_pb2.PositionBatchResult(outcomes=outcomes)

    async def _outcome(self, update: location_pb2.PositionUpdate) -> location_pb2.PositionOutcome:
        try:
            return location_pb2.PositionOutcome(result=await self._result(update))
        except DomainError as exc:
            return location_pb2.PositionOutcome(failure=exc.failure())

    async def StreamPositions(self, request_iterator, context: grpc.aio.ServicerContext):
        summary = location_pb2.StreamSummary()
        index = -1
        async for update in request_iterator:
            index += 1
            try:
                fired = await self._apply(update)
            except DomainError as exc:
                summary.rejected += 1
                if len(summary.rejections) < MAX_REJECTIONS:
                    summary.rejections.add(index=index, code=exc.code.name, message=exc.message)
                continue
            summary.accepted += 1
            if fired:
                summary.triggered.extend(fired)
        return summary

    async def GetPosition(
        self, request: location_pb2.GetPositionRequest, context: grpc.aio.ServicerContext
    ) -> location_pb2.DriverPosition:
        position = self.tracker.latest.get(request.driver_id)
        if position is None:
            found = dict(await self.tracker.positions()).get(request.driver_id)
            if found is None:
                raise NotFound(f"no position known for driver {request.driver_id!r}", "driver_id")
            position = found
        return position_message(
            request.driver_id, position, self.tracker.etas_of(request.driver_id)
        )

    async def ListPositions(
        self, request: location_pb2.ListPositionsRequest, context: grpc.aio.ServicerContext
    ) -> location_pb2.ListPositionsResponse:
        return location_pb2.ListPositionsResponse(
            positions=[
                position_message(d, p, self.tracker.etas_of(d))
                for d, p in await self.tracker.positions()
            ]
        )
