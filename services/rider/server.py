"""Rider service process: the servicer and the expiry sweep."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from pydantic import Field

from api.lastmile.v1 import rider_pb2, rider_pb2_grpc
from common import mongo
from common.background import every
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.rider.expiry import expire_once
from services.rider.servicer import RiderServicer
from services.rider.store import RequestStore


class RiderSettings(ServiceSettings):
    request_expiry_s: float = Field(
        1800, ge=0, le=86_400, description="WAITING this long after arrival time -> EXPIRED."
    )
    expiry_sweep_s: float = Field(15, gt=0, le=3600, description="How often expiry runs.")


async def build(settings: RiderSettings) -> Service:
    store = RequestStore(mongo.get_database(settings))
    await store.ensure_indexes()
    peers = Peers(settings)
    expiry = timedelta(seconds=settings.request_expiry_s)
    expire = partial(expire_once, store, peers, expiry)
    sweep = partial(every, settings.expiry_sweep_s, expire, "expiry sweep")
    return Service(
        servicers=[
            (
                rider_pb2_grpc.add_RiderServiceServicer_to_server,
                RiderServicer(store, peers, expire, expiry),
            )
        ],
        service_names=[rider_pb2.DESCRIPTOR.services_by_name["RiderService"].full_name],
        background=[sweep],
        on_stop=[peers.close],
    )


def main() -> None:
    run(RiderSettings, "rider", build)


if __name__ == "__main__":
    main()
