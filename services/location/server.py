"""Location service process: the servicer, the position flusher and the trigger retrier."""

from __future__ import annotations

from functools import partial

from pydantic import Field

from api.lastmile.v1 import location_pb2, location_pb2_grpc
from common import mongo
from common.background import every
from common.peers import Peers
from common.server import Service, run
from common.settings import ServiceSettings
from services.location.engine import Tracker
from services.location.live import LiveFeed
from services.location.servicer import LocationServicer
from services.location.store import LocationStore


class LocationSettings(ServiceSettings):
    position_flush_s: float = Field(
        2.0, gt=0, le=60, description="Latest positions are written at most this often."
    )
    route_cache_s: float = Field(
        10.0, gt=0, le=300, description="How long a driver's open route is cached."
    )
    no_route_cache_s: float = Field(
        2.0, gt=0, le=300, description="How long a driver's having no open route is cached."
    )
    spent_route_cache_s: float = Field(
        1.0, gt=0, le=300, description="How long a route whose stations all fired is cached."
    )
    live_flush_s: float = Field(
        0.1, gt=0, le=5, description="Drivers' newest positions are pushed to riders this often."
    )
    live_audience_s: float = Field(
        2.0,
        gt=0,
        le=60,
        description="How long a trip's riders, as read from the trip service, are trusted.",
    )
    trigger_retry_s: float = Field(
        5.0, gt=0, le=300, description="Triggers matching did not take are re-sent after this."
    )


async def build(settings: LocationSettings) -> Service:
    store = LocationStore(mongo.get_database(settings))
    await store.ensure_indexes()
    peers = Peers(settings)
    tracker = Tracker(
        store,
        peers,
        route_cache_s=settings.route_cache_s,
        no_route_cache_s=settings.no_route_cache_s,
        spent_route_cache_s=settings.spent_route_cache_s,
    )
    await tracker.load_stations()
    tracker.live = live = LiveFeed(peers, tracker.zones, settings.live_audience_s)
    retry = partial(tracker.retry_pending, settings.trigger_retry_s)
    return Service(
        servicers=[
            (location_pb2_grpc.add_LocationServiceServicer_to_server, LocationServicer(tracker))
        ],
        service_names=[location_pb2.DESCRIPTOR.services_by_name["LocationService"].full_name],
        background=[
            partial(every, settings.position_flush_s, tracker.flush_positions, "position flush"),
            partial(every, settings.trigger_retry_s, retry, "trigger retry"),
            partial(every, settings.live_flush_s, live.flush, "live positions"),
            partial(every, settings.spent_route_cache_s, tracker.refresh_routes, "route refresh"),
        ],
        on_stop=[tracker.flush_positions, peers.close],
    )


def main() -> None:
    run(LocationSettings, "location", build)


if __name__ == "__main__":
    main()
