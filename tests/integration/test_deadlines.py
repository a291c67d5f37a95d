"""Deadlines and retries that cannot amplify: a hop gets what its caller has left, a peer out of
time is reported as out of time (never as UNAVAILABLE, which callers retry), and a slow service
under load sees no more calls than were sent."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx
import pytest

from api.lastmile.v1 import driver_pb2, driver_pb2_grpc
from tests import ride
from tests.e2e_http import bearer, signup
from tests.harness import Cluster, GatewayProcess, start_gateway

pytestmark = pytest.mark.integration
# Every trip call takes longer than a service's default deadline (RPC_TIMEOUT_S, 5 s) but less
# than what the gateway gives a request (10 s): only a hop that passes its caller's budget on
# gets its answer.
SLOW_MS = 6000


@pytest.fixture
def slow_trip(cluster: Cluster) -> Iterator[tuple[Cluster, GatewayProcess]]:
    cluster.start(*(s for s in ride.ALL if s != "trip"))
    cluster.start("trip", env={"FAULT_DELAY_MS": str(SLOW_MS)})
    gateway = start_gateway(cluster, {"GATEWAY_RPC_TIMEOUT_S": "10"})
    yield cluster, gateway
    assert gateway.stop() == 0


async def test_a_peer_out_of_time_is_out_of_time_not_unavailable(cluster: Cluster) -> None:
    """A call with no deadline of its own: the driver service gives its call to the slow trip
    service its default (1 s here), which runs out; the driver says DEADLINE_EXCEEDED, not
    UNAVAILABLE (which its caller would retry into the same slow service)."""
    cluster.start("station", "rider", "notification")
    cluster.start("driver", env={"RPC_TIMEOUT_S": "1"})
    cluster.start("trip", env={"FAULT_DELAY_MS": "3000"})
    route = await ride.route(cluster, "d-1", ("mg-road",), "ulsoor")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{cluster.ports['driver']}") as bare:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await driver_pb2_grpc.DriverServiceStub(bare).CancelRoute(
                driver_pb2.CancelRouteRequest(route_id=route.id, driver_id="d-1")
            )
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    trip = cluster.running["trip"]
    assert trip.metric("grpc_server_started_total", grpc_method="CancelTrip") == 1


def test_a_slow_service_under_load_sees_no_more_calls_than_were_sent(slow_trip) -> None:
    """Drivers cancel their routes while the trip service is slow: the driver service's call
    to it has the request's whole budget, so each cancellation reaches the trip service once
    and succeeds (a hop with a fresh, shorter deadline would fail, be reported UNAVAILABLE and
    be sent again)."""
    cluster, gateway = slow_trip
    with httpx.Client(base_url=gateway.url, timeout=15) as http:
        drivers = [signup(http, "driver", f"Driver {i}") for i in range(24)]
        routes = []
        for d in drivers:
            made = http.post(
                "/driver/routes",
                headers=bearer(d["token"]),
                json={"stationIds": ["mg-road"], "destinationAreaId": "ulsoor", "seats": 2},
            )
            assert made.status_code == 201, made.text
            routes.append((d, made.json()["id"]))

        def cancel(item: tuple[dict, str]) -> int:
            d, route_id = item
            return http.delete(f"/driver/routes/{route_id}", headers=bearer(d["token"])).status_code

        with ThreadPoolExecutor(12) as pool:
            codes = list(pool.map(cancel, routes))
    assert set(codes) == {200}, codes
    trip = cluster.running["trip"]
    reached = trip.metric("grpc_server_started_total", grpc_method="CancelTrip")
    assert reached <= 1.1 * len(routes), (reached, len(routes))
