"""Trip service process."""

from __future__ import annotations

from api.lastmile.v1 import trip_pb2, trip_pb2_grpc
from common import mongo
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.trip.servicer import TripServicer
from services.trip.store import RatingStore, TripStore


async def build(settings: ServiceSettings) -> Service:
    db = mongo.get_database(settings)
    store, ratings = TripStore(db), RatingStore(db)
    await store.ensure_indexes()
    await ratings.ensure_indexes()
    peers = Peers(settings)
    return Service(
        servicers=[
            (trip_pb2_grpc.add_TripServiceServicer_to_server, TripServicer(store, peers, ratings))
        ],
        service_names=[trip_pb2.DESCRIPTOR.services_by_name["TripService"].full_name],
        on_stop=[peers.close],
    )


def main() -> None:
    run(ServiceSettings, "trip", build)


if __name__ == "__main__":
    main()
