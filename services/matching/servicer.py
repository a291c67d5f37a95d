"""MatchingService: Trigger and MatchNow both run the saga."""

from __future__ import annotations

import time

import grpc

from api.lastmile.v1 import matching_pb2, matching_pb2_grpc
from common.convert import from_timestamp, utcnow
from common.errors import InvalidArgument
from common.kpis import TRIGGER_TO_MATCH
from services.matching.saga import MatchSaga, Outcome


def result_message(outcome: Outcome) -> matching_pb2.MatchResult:
    return matching_pb2.MatchResult(
        route_id=outcome.route_id,
        station_id=outcome.station_id,
        trip_id=outcome.trip_id,
        request_ids=outcome.request_ids,
        rider_ids=outcome.rider_ids,
        seats_free=outcome.seats_free,
    )


def _require_ids(route_id: str, station_id: str) -> None:
    if not route_id:
        raise InvalidArgument("route_id is required", "route_id")
    if not station_id:
        raise InvalidArgument("station_id is required", "station_id")


class MatchingServicer(matching_pb2_grpc.MatchingServiceServicer):
    def __init__(self, saga: MatchSaga) -> None:
        self.saga = saga

    async def Trigger(
        self, request: matching_pb2.TriggerRequest, context: grpc.aio.ServicerContext
    ) -> matching_pb2.MatchResult:
        _require_ids(request.route_id, request.station_id)
        eta = from_timestamp(request.driver_eta) if request.HasField("driver_eta") else utcnow()
        started = time.perf_counter()
        outcome = await self.saga.run(request.route_id, request.station_id, eta)
        if outcome.booked:
            TRIGGER_TO_MATCH.observe(time.perf_counter() - started)
        return result_message(outcome)

    async def MatchNow(
        self, request: matching_pb2.MatchNowRequest, context: grpc.aio.ServicerContext
    ) -> matching_pb2.MatchResult:
        _require_ids(request.route_id, request.station_id)
        return result_message(await self.saga.run(request.route_id, request.station_id, utcnow()))
