"""Who gets matched: eligibility, seat limits, order; and the location triggers that start it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest

from api.lastmile.v1 import driver_pb2, location_pb2, matching_pb2, rider_pb2, trip_pb2
from tests import ride
from tests.harness import Cluster

pytestmark = pytest.mark.integration
WAITING, MATCHED = rider_pb2.REQUEST_STATUS_WAITING, rider_pb2.REQUEST_STATUS_MATCHED


@pytest.fixture
def c(cluster: Cluster) -> Cluster:
    cluster.start(*ride.ALL)
    return cluster


async def match_now(
    c: Cluster, route_id: str, station: str = "mg-road"
) -> matching_pb2.MatchResult:
    return await c.stub("matching").MatchNow(
        matching_pb2.MatchNowRequest(route_id=route_id, station_id=station)
    )


async def test_only_eligible_riders_are_matched(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road", "trinity"), "domlur", seats=8)
    now = datetime.now(UTC)
    ok = await ride.request(c, "r-ok", "mg-road", "domlur", now + timedelta(minutes=3))
    other_area = await ride.request(c, "r-area", "mg-road", "ulsoor", now)
    other_station = await ride.request(c, "r-station", "cubbon-park", "shivajinagar", now)
    too_late = await ride.request(c, "r-late", "mg-road", "domlur", now + timedelta(minutes=6))
    # Already matched to somebody else's route.
    rival = await ride.route(c, "d-2", ("mg-road",), "domlur", seats=1)
    taken = await ride.request(c, "r-taken", "mg-road", "domlur", now - timedelta(minutes=5))
    assert list((await match_now(c, rival.id)).request_ids) == [taken.id]

    result = await match_now(c, route.id)
    assert list(result.request_ids) == [ok.id]
    for req in (other_area, other_station, too_late):
        assert await ride.request_status(c, req.id) == WAITING
    got = await c.stub("rider").GetRequest(rider_pb2.GetRideRequestRequest(request_id=taken.id))
    assert got.trip_id == (await match_now(c, rival.id)).trip_id != result.trip_id


async def test_a_request_past_its_expiry_is_never_matched_before_the_sweep_marks_it(
    cluster: Cluster,
) -> None:
    """Expiry after 60 s, the sweep once an hour: a request that arrived 61 s ago has expired
    though it is still WAITING, and a driver passing by does not take it; one that arrived
    59 s ago is still open and does."""
    cluster.start(*ride.ALL, env={"REQUEST_EXPIRY_S": "60", "EXPIRY_SWEEP_S": "3600"})
    route = await ride.route(cluster, "d-1", ("mg-road",), "ulsoor", seats=2)
    now = datetime.now(UTC)
    gone = await ride.request(cluster, "r-gone", "mg-road", "ulsoor", now - timedelta(seconds=61))
    kept = await ride.request(cluster, "r-kept", "mg-road", "ulsoor", now - timedelta(seconds=50))
    result = await match_now(cluster, route.id)
    assert list(result.request_ids) == [kept.id] and result.seats_free == 1
    assert await ride.request_status(cluster, gone.id) == WAITING  # not swept yet
    swept = await cluster.stub("rider").ExpireDue(rider_pb2.ExpireDueRequest())
    assert swept.expired == 1
    assert await ride.request_status(cluster, gone.id) == rider_pb2.REQUEST_STATUS_EXPIRED


async def test_en_route_a_driver_takes_riders_whose_area_lies_near_its_way(
    cluster: Cluster,
) -> None:
    """With a 1 km detour budget, a driver from Trinity to Domlur takes a rider for Victoria
    Layout (0.7 km off its way), dropped off first, but not riders for Ulsoor (1.02 km off) or
    Murphy Town (1.3 km); each rider's fare follows their own distance."""
    cluster.start(*ride.ALL, env={"ENROUTE_DETOUR_M": "1000"})
    route = await ride.route(cluster, "d-1", ("trinity",), "domlur", seats=4)
    now = datetime.now(UTC)
    own = await ride.request(cluster, "r-dom", "trinity", "domlur", now - timedelta(minutes=2))
    near = await ride.request(cluster, "r-vic", "trinity", "victoria-layout", now)
    off = [
        await ride.request(cluster, f"r-{area}", "trinity", area, now - timedelta(minutes=5))
        for area in ("ulsoor", "murphy-town")
    ]
    result = await match_now(cluster, route.id, "trinity")
    assert list(result.request_ids) == [own.id, near.id] and result.seats_free == 2
    for req in off:
        assert await ride.request_status(cluster, req.id) == WAITING
    trip = await cluster.stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=result.trip_id))
    drops = {r.request_id: r for r in trip.riders}
    assert drops[near.id].destination_area_id == "victoria-layout"
    assert 600 < drops[near.id].detour_m < 800 and drops[own.id].detour_m == 0
    assert (drops[near.id].drop_order, drops[own.id].drop_order) == (1, 2)
    assert 0 < near.fare.amount < own.fare.amount


async def test_five_riders_three_seats_the_three_oldest_win(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor", seats=3)
    now = datetime.now(UTC)
    reqs = [
        await ride.request(c, f"r-{i}", "mg-road", "ulsoor", now + timedelta(minutes=m))
        for i, m in enumerate([3, -2, 1, -5, 2])
    ]
    result = await match_now(c, route.id)
    oldest = [reqs[3].id, reqs[1].id, reqs[2].id]
    assert list(result.request_ids) == oldest
    assert result.seats_free == 0
    for req in reqs:
        expected = MATCHED if req.id in oldest else WAITING
        assert await ride.request_status(c, req.id) == expected
    again = await match_now(c, route.id)
    assert list(again.request_ids) == oldest and again.seats_free == 0
    ledger = await c.stub("trip").GetTripByRoute(trip_pb2.GetTripByRouteRequest(route_id=route.id))
    assert ledger.seats_free == 0


async def test_match_now_refuses_what_cannot_be_matched(c: Cluster) -> None:
    route = await ride.route(c, "d-1", ("mg-road",), "ulsoor")
    for route_id, station, code in [
        ("nope", "mg-road", grpc.StatusCode.NOT_FOUND),
        (route.id, "trinity", grpc.StatusCode.FAILED_PRECONDITION),
        ("", "mg-road", grpc.StatusCode.INVALID_ARGUMENT),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await match_now(c, route_id, station)
        assert err.value.code() == code


async def test_a_position_stream_fires_once_and_survives_bad_updates(c: Cluster) -> None:
    driver = await ride.driver(c)
    await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=2)
    waiting = await ride.request(c, "r-1", "mg-road", "ulsoor")

    def updates():
        yield ride.update("nobody", *ride.MG_ROAD)  # no open route
        for metres in range(3000, -1, -100):
            yield ride.update(driver.id, *ride.south_of(ride.MG_ROAD, metres))
            if metres == 2000:
                yield ride.update(driver.id, 95.0, 77.6)  # impossible

    summary = await c.stub("location").StreamPositions(updates())
    assert (summary.accepted, summary.rejected) == (31, 2)
    assert [(r.index, r.code) for r in summary.rejections] == [
        (0, "FAILED_PRECONDITION"),
        (12, "INVALID_ARGUMENT"),
    ]
    assert [(t.station_id, list(t.rider_ids)) for t in summary.triggered] == [("mg-road", ["r-1"])]
    assert await ride.request_status(c, waiting.id) == MATCHED
    position = await c.stub("location").GetPosition(
        location_pb2.GetPositionRequest(driver_id=driver.id)
    )
    assert position.position.lat == pytest.approx(ride.MG_ROAD[0])


async def test_a_batch_of_positions_answers_each_update_in_order(c: Cluster) -> None:
    driver = await ride.driver(c)
    other = await ride.driver(c, "Meena")
    await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=2)
    await ride.route(c, other.id, ("trinity",), "ulsoor", seats=2)
    await ride.request(c, "r-1", "mg-road", "ulsoor")
    batch = location_pb2.PositionBatch(
        updates=[
            ride.update(driver.id, *ride.south_of(ride.MG_ROAD, 3000)),
            ride.update("nobody", *ride.MG_ROAD),  # no open route
            ride.update(other.id, 95.0, 77.6),  # impossible
            ride.update(other.id, *ride.south_of(ride.MG_ROAD, 4000)),
        ]
    )
    answer = await c.stub("location").UpdatePositions(batch)
    kinds = [o.WhichOneof("outcome") for o in answer.outcomes]
    assert kinds == ["result", "failure", "failure", "result"]
    failures = [(o.failure.code, o.failure.field) for o in answer.outcomes if o.failure.code]
    assert failures == [
        (grpc.StatusCode.FAILED_PRECONDITION.value[0], ""),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "position"),
    ]
    assert [e.station_id for e in answer.outcomes[0].result.etas] == ["mg-road"]

    # Entering the zone in a batch fires the trigger and matches, like a single update.
    inside = location_pb2.PositionBatch(
        updates=[ride.update(driver.id, *ride.south_of(ride.MG_ROAD, 500))]
    )
    (outcome,) = (await c.stub("location").UpdatePositions(inside)).outcomes
    assert [list(t.rider_ids) for t in outcome.result.triggered] == [["r-1"]]

    too_many = location_pb2.PositionBatch(updates=[ride.update(driver.id, 12.9, 77.6)] * 501)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stub("location").UpdatePositions(too_many)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_trigger_fires_once_across_location_replicas_and_restarts(
    c: Cluster, mongo_db
) -> None:
    second = c.start_replicas("location", 1)[0]
    driver = await ride.driver(c)
    await ride.route(c, driver.id, ("mg-road", "trinity"), "ulsoor", seats=4)
    stubs = [c.stub("location"), c.stub_at("location", second.address)]
    inside = ride.south_of(ride.MG_ROAD, 500)
    results = await asyncio.gather(
        *(stubs[i % 2].UpdatePosition(ride.update(driver.id, *inside)) for i in range(10))
    )
    assert sum(len(r.triggered) for r in results) == 1
    assert mongo_db["triggers"].count_documents({"stationId": "mg-road"}) == 1

    assert c.running["location"].stop() == 0
    c.running["location"].start()
    c.running["location"].wait_healthy()
    again = await c.stub("location").UpdatePosition(ride.update(driver.id, *inside))
    assert not again.triggered


async def test_positions_are_written_in_batches_not_per_update(c: Cluster, mongo_db) -> None:
    driver = await ride.driver(c)
    await ride.route(c, driver.id, ("majestic",), "chickpet")
    for metres in range(5000, 4000, -50):
        await c.stub("location").UpdatePosition(
            ride.update(driver.id, *ride.south_of((12.9757, 77.5729), metres))
        )
    await asyncio.sleep(2.5)
    doc = mongo_db["driver_positions"].find_one({"_id": driver.id})
    lon, lat = doc["location"]["coordinates"]
    assert lat == pytest.approx(ride.south_of((12.9757, 77.5729), 4050)[0])
    near = mongo_db["driver_positions"].find_one(
        {
            "location": {
                "$near": {
                    "$geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "$maxDistance": 50,
                }
            }
        }
    )
    assert near["_id"] == driver.id


async def test_a_driver_who_registers_a_new_route_at_once_is_tracked_on_it(c: Cluster) -> None:
    """The location service still holds the cancelled route (its cache lasts ROUTE_CACHE_S,
    10 s): the trigger finds that route closed, and the same position is taken again on the
    route the driver has now."""
    driver = await ride.driver(c)
    old = await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=2)
    assert not (await ride.move(c, driver.id, 3000)).triggered  # the old route is cached
    await c.stub("driver").CancelRoute(
        driver_pb2.CancelRouteRequest(route_id=old.id, driver_id=driver.id)
    )
    new = await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=2)
    waiting = await ride.request(c, "r-1", "mg-road", "ulsoor")
    (hit,) = (await ride.move(c, driver.id, 500)).triggered
    assert (hit.route_id, list(hit.rider_ids)) == (new.id, ["r-1"])
    assert await ride.request_status(c, waiting.id) == MATCHED
