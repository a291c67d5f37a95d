"""Station service process: seeds the stations, loads them into memory, serves them."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from api.lastmile.v1 import station_pb2, station_pb2_grpc
from common import mongo
from common.server import Service, run
from common.settings import ServiceSettings
from services.station.catalog import DEFAULT_SEED_FILE, load_seed
from services.station.servicer import StationServicer
from services.station.store import StationStore


class StationSettings(ServiceSettings):
    stations_file: Path = Field(
        DEFAULT_SEED_FILE, description="JSON file of stations and areas seeded at start-up."
    )


async def build(settings: StationSettings) -> Service:
    store = StationStore(mongo.get_database(settings))
    await store.seed(load_seed(settings.stations_file))
    servicer = StationServicer(await store.load_all())
    return Service(
        servicers=[(station_pb2_grpc.add_StationServiceServicer_to_server, servicer)],
        service_names=[station_pb2.DESCRIPTOR.services_by_name["StationService"].full_name],
    )


def main() -> None:
    run(StationSettings, "station", build)


if __name__ == "__main__":
    main()
