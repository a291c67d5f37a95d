"""Operations: liveness, readiness, the operator snapshot, metrics, the OpenAPI document."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import grpc
from flask import Blueprint, Response, jsonify
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from api.lastmile.v1 import (
    common_pb2,
    driver_pb2,
    location_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
)
from common.convert import to_timestamp
from common.paging import MAX_PAGE
from common.peers import STUB_CLASSES
from gateway import backends, convert, models, spec
from gateway.backends import stub
from gateway.deferred_metrics import deferred
from gateway.spec import endpoint

bp = Blueprint("ops", __name__)
_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify({"status": "ok"})


def _health(service: str) -> bool:
    try:
        answer = health_pb2_grpc.HealthStub(backends.channel(service)).Check(
            health_pb2.HealthCheckRequest(), timeout=1.0
        )
    except grpc.RpcError:
        return False
    return answer.status == health_pb2.HealthCheckResponse.SERVING


@bp.get("/readyz")
def readyz() -> Response:
    from flask import copy_current_request_context

    services = list(STUB_CLASSES)
    checks = [_pool.submit(copy_current_request_context(_health), s) for s in services]
    status = {s: ("ok" if f.result() else "down") for s, f in zip(services, checks, strict=True)}
    down = [s for s, v in status.items() if v != "ok"]
    response = jsonify({"ready": not down, "services": status})
    response.status_code = 503 if down else 200
    return response


@endpoint(
    bp,
    "GET",
    "/ops/summary",
    "Counts of the fleet, for anyone (no ids of people, no positions)",
    role="public",
    response=models.Summary,
)
def summary() -> models.Summary:
    stations = stub("station").ListStations(station_pb2.ListStationsRequest()).stations
    waiting = stub("rider").CountWaiting(rider_pb2.CountWaitingRequest()).waiting_by_station
    since = datetime.now(UTC) - timedelta(hours=1)
    trips = stub("trip").CountTrips(trip_pb2.CountTripsRequest(created_since=to_timestamp(since)))
    positions = stub("location").ListPositions(location_pb2.ListPositionsRequest()).positions
    on_road = {r.driver_id for r in _open_routes()}
    return models.Summary(
        stations=[
            models.SummaryStation(id=s.id, name=s.name, waiting=waiting.get(s.id, 0))
            for s in stations
        ],
        trips=dict(trips.trips_by_status),
        drivers_on_road=sum(1 for p in positions if p.driver_id in on_road),
        matches_last_hour=trips.created_since_count,
    )


@endpoint(
    bp,
    "GET",
    "/ops/snapshot",
    "What the operator view shows: every open route's driver and position",
    role="operator",
    response=models.Snapshot,
)
def snapshot() -> models.Snapshot:
    stations = stub("station").ListStations(station_pb2.ListStationsRequest()).stations
    routes = _open_routes()
    by_driver = {r.driver_id: r for r in routes}
    free = _seats_free(routes)
    positions = stub("location").ListPositions(location_pb2.ListPositionsRequest()).positions
    waiting = stub("rider").CountWaiting(rider_pb2.CountWaitingRequest()).waiting_by_station
    trips = stub("trip").CountTrips(trip_pb2.CountTripsRequest()).trips_by_status
    hour_ago = to_timestamp(datetime.now(UTC) - timedelta(hours=1))
    unmatched = stub("rider").CountUnmatched(rider_pb2.CountUnmatchedRequest(since=hour_ago))
    return models.Snapshot(
        stations=[convert.station(s) for s in stations],
        drivers=[
            models.SnapshotDriver(
                driver_id=p.driver_id,
                location=convert.latlon(p.position),
                route_id=p.route_id,
                seats_free=free[by_driver[p.driver_id].id],
                last_seen=convert.iso(p.at) if p.HasField("at") else None,
            )
            for p in positions
            if p.driver_id in by_driver
        ],
        waiting=dict(waiting),
        trips=dict(trips),
        unmatched_last_hour=dict(unmatched.expired_by_reason),
    )


def _open_routes() -> list[driver_pb2.Route]:
    """Every OPEN route, page by page."""
    routes: list[driver_pb2.Route] = []
    token = ""  # a page token, not a password  # nosec B105
    while True:
        page = stub("driver").ListOpenRoutes(
            driver_pb2.ListOpenRoutesRequest(
                page=common_pb2.PageRequest(page_size=MAX_PAGE, page_token=token)
            )
        )
        routes.extend(page.routes)
        token = page.next_page_token
        if not token:
            return routes


def _seats_free(routes: list[driver_pb2.Route]) -> dict[str, int]:
    """Route id -> seats free, from the routes' booking ledgers (all free before one exists)."""
    free = {r.id: r.seats_total for r in routes}
    ids = list(free)
    for start in range(0, len(ids), MAX_PAGE):
        batch = trip_pb2.GetTripsByRoutesRequest(route_ids=ids[start : start + MAX_PAGE])
        for trip in stub("trip").GetTripsByRoutes(batch).trips:
            free[trip.route_id] = trip.seats_free
    return free


@bp.get("/metrics")
def metrics() -> Response:
    deferred.flush()
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:  # under gunicorn: every worker's values
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(spec.openapi())
