"""Many matching replicas, duplicate triggers, a replica killed mid-burst: no rider on two
trips, no seat taken twice or lost."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial

import grpc
import pytest

from api.lastmile.v1 import driver_pb2, matching_pb2, rider_pb2
from common.convert import to_timestamp
from lastmile.loadgen.openloop import bounded
from tests.harness import Cluster
from tests.invariants import check_match_invariants, seats_free

pytestmark = pytest.mark.integration

SERVICES = ("station", "user", "notification", "driver", "rider", "trip")
STATIONS = ("mg-road", "trinity")
AREAS = ("ulsoor", "domlur")  # served by both stations
# At most N calls at a time; failures come back as exceptions among the results.
_bounded = partial(bounded, return_exceptions=True)
BURST_DEADLINE_S = 120


async def populate(
    c: Cluster, routes: int, riders: int, rng: random.Random
) -> list[driver_pb2.Route]:
    drivers, requests = c.stub("driver"), c.stub("rider")
    made = await _bounded(
        16,
        [
            partial(
                drivers.CreateRoute,
                driver_pb2.CreateRouteRequest(
                    driver_id=f"driver-{i}",
                    station_ids=list(STATIONS),
                    destination_area_id=rng.choice(AREAS),
                    seats=rng.randint(1, 8),
                ),
            )
            for i in range(routes)
        ],
    )
    now = datetime.now(UTC)
    asked = await _bounded(
        16,
        [
            partial(
                requests.CreateRequest,
                rider_pb2.CreateRideRequestRequest(
                    rider_id=f"rider-{uuid.uuid4().hex[:8]}",
                    station_id=rng.choice(STATIONS),
                    destination_area_id=rng.choice(AREAS),
                    arrival_time=to_timestamp(now + timedelta(seconds=rng.randint(0, 600))),
                ),
            )
            for _ in range(riders)
        ],
    )
    for item in [*made, *asked]:
        assert not isinstance(item, Exception), item
    return made


def triggers(routes: list[driver_pb2.Route], copies: int) -> list[matching_pb2.TriggerRequest]:
    eta = to_timestamp(datetime.now(UTC) + timedelta(minutes=10))
    return [
        matching_pb2.TriggerRequest(route_id=r.id, station_id=s, driver_eta=eta)
        for r in routes
        for s in r.station_ids
        for _ in range(copies)
    ]


async def test_duplicate_triggers_on_five_replicas_never_double_book(
    cluster: Cluster, mongo_db
) -> None:
    rng = random.Random(7)
    cluster.start(*SERVICES)
    replicas = cluster.start_replicas("matching", 5)
    # What is checked is the books, not the speed: 60 sagas at once on two cores queue behind
    # one database, and a CI run saw a trigger pass 30 s in that queue.
    stubs = [cluster.stub_at("matching", p.address, timeout_s=BURST_DEADLINE_S) for p in replicas]
    routes = await populate(cluster, routes=50, riders=200, rng=rng)

    # Every trigger three times, to random replicas, all at once; station by station, as
    # drivers reach MG Road before Trinity.
    for station in STATIONS:
        sends = [t for t in triggers(routes, copies=3) if t.station_id == station]
        rng.shuffle(sends)
        results = await _bounded(60, [partial(rng.choice(stubs).Trigger, t) for t in sends])
        failures = [r for r in results if isinstance(r, Exception)]
        assert not failures, failures[:3]

    check_match_invariants(mongo_db)
    # Nobody waits while a route through their station to their destination has room.
    routes_now = list(mongo_db["routes"].find())
    free = seats_free(mongo_db)
    for req in mongo_db["ride_requests"].find({"status": "WAITING"}):
        room = [
            r["_id"]
            for r in routes_now
            if r["destinationAreaId"] == req["destinationAreaId"]
            and req["stationId"] in r["stationIds"]
            and free[r["_id"]] > 0
        ]
        assert not room, (req, room)


async def test_a_replica_killed_mid_burst_then_retries_keep_the_books_straight(
    cluster: Cluster, mongo_db
) -> None:
    rng = random.Random(11)
    cluster.start(*SERVICES)
    replicas = cluster.start_replicas("matching", 3)
    victim, survivors = replicas[0], replicas[1:]
    routes = await populate(cluster, routes=30, riders=120, rng=rng)
    sends = triggers(routes, copies=1)

    # This client sees the failure at once rather than waiting for the replica to return.
    victim_stub = cluster.stub_at("matching", victim.address, wait_for_ready=False)
    burst = asyncio.ensure_future(_bounded(30, [partial(victim_stub.Trigger, t) for t in sends]))
    await asyncio.sleep(0.4)
    cluster.kill(victim)
    results = await burst
    lost = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert lost, "the kill came too late to interrupt anything"

    stubs = [cluster.stub_at("matching", p.address) for p in survivors]
    retried = await _bounded(30, [partial(rng.choice(stubs).Trigger, t) for t in sends])
    assert not [r for r in retried if isinstance(r, Exception)]
    counts = check_match_invariants(mongo_db)
    assert counts["matched"] > 0
