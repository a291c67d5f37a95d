from __future__ import annotations

import asyncio

import pytest

from api.lastmile.v1 import driver_pb2, rider_pb2, trip_pb2
from tests import ride
from tests.harness import Cluster

pytestmark = pytest.mark.integration


@pytest.fixture
def c(cluster: Cluster) -> Cluster:
    cluster.start(*ride.ALL)
    return cluster


async def test_the_whole_ride_flow_over_grpc(c: Cluster) -> None:
    driver = await ride.driver(c, "Ravi")
    route = await ride.route(c, driver.id, ("mg-road", "trinity"), "domlur", seats=3)
    rider = await ride.rider(c, "Asha")
    req = await ride.request(c, rider.id, "mg-road", "domlur")
    assert req.status == rider_pb2.REQUEST_STATUS_WAITING

    async with ride.inbox(c, rider.id) as rider_box, ride.inbox(c, driver.id) as driver_box:
        for metres in (3000, 2500, 2000, 1500, 1200, 1050, 1001):
            result = await ride.move(c, driver.id, metres)
            assert not result.triggered, f"triggered {metres} m away"
        assert result.etas[0].station_id == "mg-road"
        assert result.etas[0].distance_m == pytest.approx(1001, abs=1)

        result = await ride.move(c, driver.id, 999)
        assert [(t.station_id, list(t.rider_ids)) for t in result.triggered] == [
            ("mg-road", [rider.id])
        ]
        trip_id = result.triggered[0].trip_id
        (matched,) = await rider_box.wait_for(1)
        assert rider_box.kinds() == ["MATCHED"]
        for metres in (800, 500, 250, 100, 0):
            assert not (await ride.move(c, driver.id, metres)).triggered
        await rider_box.wait_for(2)
        assert rider_box.kinds() == ["MATCHED", "DRIVER_ARRIVING"]
        assert "Ravi" in matched.title and "MG Road" in matched.body
        assert matched.data["tripId"] == trip_id
        await driver_box.wait_for(1)
        assert driver_box.kinds() == ["MATCHED"]
        assert driver_box.items[0].data["riderId"] == rider.id

        assert await ride.request_status(c, req.id) == rider_pb2.REQUEST_STATUS_MATCHED
        ledger = await c.stub("trip").GetTripByRoute(
            trip_pb2.GetTripByRouteRequest(route_id=route.id)
        )
        assert (ledger.seats_free, ledger.id) == (2, trip_id)

        trips = c.stub("trip")
        trip = await ride.pick_up(c, trip_id, driver.id, [rider.id])
        assert trip.status == trip_pb2.TRIP_STATUS_ACTIVE
        assert await ride.request_status(c, req.id) == rider_pb2.REQUEST_STATUS_PICKED_UP

        trip = await trips.CompleteTrip(
            trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=driver.id)
        )
        assert trip.status == trip_pb2.TRIP_STATUS_COMPLETED
        assert [r.status for r in trip.riders] == [trip_pb2.TRIP_RIDER_STATUS_DROPPED_OFF]
        assert await ride.request_status(c, req.id) == rider_pb2.REQUEST_STATUS_DROPPED_OFF
        done = await c.stub("driver").GetRoute(driver_pb2.GetRouteRequest(route_id=route.id))
        assert done.status == driver_pb2.ROUTE_STATUS_COMPLETED

        await rider_box.wait_for(4)
        assert rider_box.kinds() == ["MATCHED", "DRIVER_ARRIVING", "PICKED_UP", "DROPPED_OFF"]
        assert [n.seq for n in rider_box.items] == sorted(n.seq for n in rider_box.items)


async def test_a_drivers_next_route_through_the_same_station_triggers_too(c: Cluster) -> None:
    # The location service caches a driver's route; a route whose stations have all fired is
    # re-read within about a second, so a driver who finishes a trip and starts the next one
    # through the same station is matched on the new route.
    driver = await ride.driver(c, "Ravi")
    first = await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=1)
    one = await ride.rider(c, "Asha")
    await ride.request(c, one.id, "mg-road", "ulsoor")
    await ride.move(c, driver.id, 3000)
    hit = await ride.move(c, driver.id, 900)
    (trigger,) = hit.triggered
    assert trigger.route_id == first.id and list(trigger.rider_ids) == [one.id]
    await c.stub("driver").CancelRoute(
        driver_pb2.CancelRouteRequest(route_id=first.id, driver_id=driver.id)
    )

    # Cancelling sent Asha back to WAITING; the next route takes her and Meera.
    second = await ride.route(c, driver.id, ("mg-road",), "ulsoor", seats=2)
    two = await ride.rider(c, "Meera")
    await ride.request(c, two.id, "mg-road", "ulsoor")
    await asyncio.sleep(1.2)
    hit = await ride.move(c, driver.id, 800)
    (trigger,) = hit.triggered
    assert trigger.route_id == second.id and set(trigger.rider_ids) == {one.id, two.id}
