"""Matching service process (stateless; run as many replicas as the load needs)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from api.lastmile.v1 import matching_pb2, matching_pb2_grpc
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.matching.saga import MatchSaga
from services.matching.servicer import MatchingServicer


class MatchingSettings(ServiceSettings):
    arrival_slack_s: float = Field(
        300,
        ge=0,
        le=3600,
        description="Riders reaching the station up to this long after the driver are matched "
        "with it.",
    )
    enroute_detour_m: float = Field(
        0,
        ge=0,
        le=5000,
        description="En-route matching: riders bound to an area within this many metres of "
        "the driver's way are matched with it too; 0 = off (destinations must be equal).",
    )


async def build(settings: MatchingSettings) -> Service:
    peers = Peers(settings)
    saga = MatchSaga(
        peers,
        arrival_slack=timedelta(seconds=settings.arrival_slack_s),
        detour_budget_m=settings.enroute_detour_m,
    )
    return Service(
        servicers=[
            (
                matching_pb2_grpc.add_MatchingServiceServicer_to_server,
                MatchingServicer(saga),
            )
        ],
        service_names=[matching_pb2.DESCRIPTOR.services_by_name["MatchingService"].full_name],
        on_stop=[peers.close],
    )


def main() -> None:
    run(MatchingSettings, "matching", build)


if __name__ == "__main__":
    main()
