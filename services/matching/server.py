"""Matching service process (stateless; run as many replicas as the load needs)."""

from __future__ import annotations

from api.lastmile.v1 import matching_pb2, matching_pb2_grpc
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.matching.saga import MatchSaga
from services.matching.servicer import MatchingServicer


async def build(settings: ServiceSettings) -> Service:
    peers = Peers(settings)
    return Service(
        servicers=[
            (
                matching_pb2_grpc.add_MatchingServiceServicer_to_server,
                MatchingServicer(MatchSaga(peers)),
            )
        ],
        service_names=[matching_pb2.DESCRIPTOR.services_by_name["MatchingService"].full_name],
        on_stop=[peers.close],
    )


def main() -> None:
    run(ServiceSettings, "matching", build)


if __name__ == "__main__":
    main()
