"""Driver service process."""

from __future__ import annotations

from api.lastmile.v1 import driver_pb2, driver_pb2_grpc
from common import mongo
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.driver.servicer import DriverServicer
from services.driver.store import RouteStore


async def build(settings: ServiceSettings) -> Service:
    store = RouteStore(mongo.get_database(settings))
    await store.ensure_indexes()
    peers = Peers(settings)
    return Service(
        servicers=[
            (driver_pb2_grpc.add_DriverServiceServicer_to_server, DriverServicer(store, peers))
        ],
        service_names=[driver_pb2.DESCRIPTOR.services_by_name["DriverService"].full_name],
        on_stop=[peers.close],
    )


def main() -> None:
    run(ServiceSettings, "driver", build)


if __name__ == "__main__":
    main()
