"""The load generator's scenarios. Each has a `setup` (users, routes: not measured) and a
`call(i)` that the open loop starts at the fixed rate.

- get:   one GET of a URL (calibration against a known server);
- api:   a REST mix against the gateway, as browsers and scripts make it;
- match: the matching service's MatchNow over gRPC, as the autoscaling demo needs;
- flow:  whole rides through the gateway, measuring trigger -> MATCHED notification latency.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import grpc
import httpx

from api.lastmile.v1 import matching_pb2, matching_pb2_grpc
from common.channels import target_of
from common.geo import destination_point
from lastmile.loadgen.openloop import Failed, Outcome, bounded
from lastmile.rest import ApiError, RestClient

SETUP_CONCURRENCY = 4
GRPC_RETRY_PAUSES_S = (0.1, 0.2, 0.4, 0.8)
MATCH_WAIT_S = 20.0


def _in_minutes(minutes: float) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _point(at: dict[str, float], bearing: float, metres: float) -> dict[str, float]:
    lat, lon = destination_point(at["lat"], at["lon"], bearing, metres)
    return {"lat": lat, "lon": lon}


def _failed(exc: ApiError) -> Failed:
    return Failed(str(exc.status or "no-answer"), str(exc))


@dataclass
class Stats:
    """Figures a scenario measures besides call latency."""

    match_latencies_s: list[float] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)

    def note(self, key: str) -> None:
        self.notes[key] = self.notes.get(key, 0) + 1


class Scenario:
    name = ""

    def __init__(self) -> None:
        self.stats = Stats()

    async def setup(self) -> None:
        return None

    async def call(self, i: int) -> Outcome | None:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class GetScenario(Scenario):
    """GET one URL; any answer but 200 fails with its status."""

    name = "get"

    def __init__(self, url: str, connections: int = 200) -> None:
        super().__init__()
        self.url = url
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self.http = httpx.AsyncClient(timeout=30.0, limits=limits)

    async def call(self, i: int) -> Outcome | None:
        try:
            answer = await self.http.get(self.url)
        except httpx.HTTPError as exc:
            raise Failed("no-answer", repr(exc)) from None
        if answer.status_code != 200:
            raise Failed(str(answer.status_code))
        return None

    async def close(self) -> None:
        await self.http.aclose()


class _Gateway(Scenario):
    """Scenarios that prepare users and routes through the REST API first."""

    def __init__(self, gateway: str, seed: int | None = None) -> None:
        super().__init__()
        self.rest = RestClient(gateway, connections=200)
        self.rng = random.Random(seed)
        self.stations: list[dict[str, Any]] = []

    async def _common_setup(self) -> None:
        if not await self.rest.ready(60):
            raise SystemExit("the gateway is not ready (GET /readyz)")
        self.stations = (await self.rest.call("GET", "/stations")).body

    async def _drivers_with_routes(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        """`count` drivers, each with an open route through one station (round the list)."""

        async def one(k: int) -> tuple[str, dict[str, Any]]:
            token, _ = await self.rest.sign_up(
                "driver", f"Load driver {k}", vehicle={"plate": f"LD{k:05d}", "model": "Load"}
            )
            station = self.stations[k % len(self.stations)]
            body = {
                "stationIds": [station["id"]],
                "destinationAreaId": station["areas"][0]["id"],
                "seats": 4,
            }
            route = (await self.rest.call("POST", "/driver/routes", token, body, 201)).body
            return token, route

        return await bounded(SETUP_CONCURRENCY, [partial(one, k) for k in range(count)])

    async def close(self) -> None:
        await self.rest.close()


class ApiScenario(_Gateway):
    """A REST mix: 40% GET /stations, 30% POST /driver/location, 20% GET /rider/requests,
    10% GET /ops/snapshot."""

    name = "api"
    MIX = ("stations",) * 4 + ("location",) * 3 + ("requests",) * 2 + ("snapshot",)

    def __init__(self, gateway: str, drivers: int = 20, riders: int = 20, **kw: Any) -> None:
        super().__init__(gateway, **kw)
        self.n_drivers, self.n_riders = drivers, riders
        self.drivers: list[tuple[str, dict[str, Any]]] = []
        self.riders: list[str] = []

    async def setup(self) -> None:
        await self._common_setup()
        self.drivers = await self._drivers_with_routes(self.n_drivers)
        signups = [
            partial(self.rest.sign_up, "rider", f"Load rider {k}") for k in range(self.n_riders)
        ]
        self.riders = [t for t, _ in await bounded(SETUP_CONCURRENCY, signups)]

    async def call(self, i: int) -> Outcome | None:
        kind = self.MIX[i % len(self.MIX)]
        try:
            if kind == "stations":
                answer = await self.rest.call("GET", "/stations")
            elif kind == "snapshot":
                answer = await self.rest.call("GET", "/ops/snapshot")
            elif kind == "requests":
                token = self.riders[i % len(self.riders)]
                answer = await self.rest.call("GET", "/rider/requests", token)
            else:
                token, _ = self.drivers[i % len(self.drivers)]
                # Far from every station: positions are taken, nothing is triggered.
                lat, lon = 13.3 + self.rng.random() * 0.1, 77.2 + self.rng.random() * 0.1
                body = {"lat": lat, "lon": lon}
                answer = await self.rest.call("POST", "/driver/location", token, body, 202)
        except ApiError as exc:
            raise _failed(exc) from None
        return Outcome(answer.retries)


class MatchScenario(_Gateway):
    """MatchNow over gRPC on routes prepared through the gateway. The client retries
    UNAVAILABLE itself (4 attempts, back-off) so that it can count the retries."""

    name = "match"

    def __init__(self, gateway: str, target: str, routes: int = 20, **kw: Any) -> None:
        super().__init__(gateway, **kw)
        self.n_routes = routes
        self.routes: list[dict[str, Any]] = []
        service_config = {
            "loadBalancingConfig": [{"round_robin": {}}],
            "methodConfig": [{"name": [{}], "timeout": "5s"}],
        }
        self.channel = grpc.aio.insecure_channel(
            target_of(target),
            options=[
                ("grpc.service_config", json.dumps(service_config)),
                ("grpc.enable_retries", 0),
                ("grpc.max_reconnect_backoff_ms", 1000),
            ],
        )
        self.stub = matching_pb2_grpc.MatchingServiceStub(self.channel)

    async def setup(self) -> None:
        await self._common_setup()
        self.routes = [route for _, route in await self._drivers_with_routes(self.n_routes)]

    async def call(self, i: int) -> Outcome | None:
        route = self.routes[i % len(self.routes)]
        request = matching_pb2.MatchNowRequest(
            route_id=route["id"], station_id=route["stationIds"][0]
        )
        for retries, pause in enumerate((*GRPC_RETRY_PAUSES_S, None)):
            try:
                await self.stub.MatchNow(request, wait_for_ready=False)
                return Outcome(retries)
            except grpc.aio.AioRpcError as exc:
                if exc.code() != grpc.StatusCode.UNAVAILABLE or pause is None:
                    raise Failed(exc.code().name, exc.details() or "") from None
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    async def close(self) -> None:
        await self.channel.close()
        await super().close()


@dataclass
class _Pools:
    riders: list[tuple[str, str]]
    drivers: list[str]
    slots: list[tuple[dict[str, Any], dict[str, Any]]]  # (station, area) free for a ride


class FlowScenario(_Gateway):
    """Whole rides through the gateway, each in a (station, area) of its own so concurrent
    rides cannot take each other's riders: the rider asks, the driver registers a route and
    drives into the station's zone, the rider's notification stream delivers MATCHED
    (trigger -> notification latency), the driver picks up and completes. A ride that fails
    half-way is cleaned up (request and route cancelled) so it leaves nobody waiting."""

    name = "flow"

    def __init__(self, gateway: str, users: int = 20, **kw: Any) -> None:
        super().__init__(gateway, **kw)
        self.users = users
        self.pools = _Pools([], [], [])
        self.last_seq: dict[str, int] = {}

    async def setup(self) -> None:
        await self._common_setup()
        riders = [partial(self.rest.sign_up, "rider", f"Flow rider {k}") for k in range(self.users)]
        drivers = [
            partial(
                self.rest.sign_up,
                "driver",
                f"Flow driver {k}",
                vehicle={"plate": f"FL{k:05d}", "model": "Flow"},
            )
            for k in range(self.users)
        ]
        self.pools.riders = list(await bounded(SETUP_CONCURRENCY, riders))
        self.pools.drivers = [t for t, _ in await bounded(SETUP_CONCURRENCY, drivers)]
        self.pools.slots = [(s, a) for s in self.stations for a in s["areas"]]
        self.rng.shuffle(self.pools.slots)

    @asynccontextmanager
    async def _lease(self) -> AsyncIterator[tuple[tuple[str, str], str, tuple[Any, Any]]]:
        if not (self.pools.riders and self.pools.drivers and self.pools.slots):
            raise Failed("no-free-user", "every pooled user is on a ride; lower the rate")
        # First in, first out: a user rests between rides, as people do.
        rider, driver, slot = (
            self.pools.riders.pop(0),
            self.pools.drivers.pop(0),
            self.pools.slots.pop(0),
        )
        try:
            yield rider, driver, slot
        finally:
            self.pools.riders.append(rider)
            self.pools.drivers.append(driver)
            self.pools.slots.append(slot)

    async def call(self, i: int) -> Outcome | None:
        async with self._lease() as ((rider_token, rider_id), driver_token, (station, area)):
            retries = 0
            request_id = route_id = ""

            async def step(method: str, path: str, token: str, body: Any = None, expect=200):
                nonlocal retries
                answer = await self.rest.call(method, path, token, body, expect)
                retries += answer.retries
                return answer.body

            try:
                body = {
                    "stationId": station["id"],
                    "destinationAreaId": area["id"],
                    "arrivalTime": _in_minutes(1),
                }
                request_id = (await step("POST", "/rider/requests", rider_token, body, 201))["id"]
                body = {"stationIds": [station["id"]], "destinationAreaId": area["id"], "seats": 1}
                route_id = (await step("POST", "/driver/routes", driver_token, body, 201))["id"]
                at = station["location"]
                far = _point(at, 180, station["triggerRadiusM"] + 800)
                near = _point(at, 180, station["triggerRadiusM"] - 200)
                await step("POST", "/driver/location", driver_token, far, 202)
                async with self._matched(rider_token, rider_id, request_id) as matched:
                    t0 = time.monotonic()
                    await step(
                        "POST",
                        "/driver/location",
                        driver_token,
                        near,
                        202,
                    )
                    trip_id = await matched
                    self.stats.match_latencies_s.append(time.monotonic() - t0)
                mine = await step("GET", f"/rider/requests/{request_id}", rider_token)
                told = {"riders": [{"riderId": rider_id, "pin": mine["pin"]}]}
                await step("POST", f"/trips/{trip_id}/pickup", driver_token, told)
                await step("POST", f"/trips/{trip_id}/complete", driver_token)
                self.stats.note("rides completed")
                return Outcome(retries)
            except (ApiError, Failed) as exc:
                await self._clean_up(rider_token, request_id, driver_token, route_id)
                raise (_failed(exc) if isinstance(exc, ApiError) else exc) from None

    async def _clean_up(
        self, rider_token: str, request_id: str, driver_token: str, route_id: str
    ) -> None:
        """A ride cut short leaves nobody waiting: its request and route are withdrawn (found
        afresh when the answer that would have named them was lost)."""
        with suppress(ApiError):
            if not request_id:
                mine = (await self.rest.call("GET", "/rider/requests", rider_token)).body
                open_ = [r["id"] for r in mine if r["status"] in ("WAITING", "MATCHED")]
                request_id = open_[0] if open_ else ""
            if request_id:
                await self.rest.call("DELETE", f"/rider/requests/{request_id}", rider_token)
        with suppress(ApiError):
            if not route_id:
                current = await self.rest.call("GET", "/driver/routes/current", driver_token)
                route_id = current.body["id"]
            await self.rest.call("DELETE", f"/driver/routes/{route_id}", driver_token)

    @asynccontextmanager
    async def _matched(
        self, token: str, rider_id: str, request_id: str
    ) -> AsyncIterator[asyncio.Future[str]]:
        """Opens the rider's notification stream (from the last event seen) and yields a
        future of the trip id of the MATCHED notification for `request_id`; the stream is
        reopened after a break, from the last event id, as a browser's EventSource would."""
        found: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        opened = asyncio.Event()

        async def follow() -> None:
            while not found.done():
                headers = {
                    "Authorization": f"Bearer {token}",
                    "Last-Event-ID": str(self.last_seq.get(rider_id, 0)),
                }
                try:
                    async with self.rest.http.stream(
                        "GET", "/notifications/stream", headers=headers, timeout=None
                    ) as answer:
                        opened.set()
                        if answer.status_code != 200:
                            await asyncio.sleep(0.5)
                            continue
                        event_id, name = 0, ""
                        async for line in answer.aiter_lines():
                            if not line:
                                name = ""  # an event ends at a blank line
                            elif line.startswith("event: "):
                                name = line[7:]  # `position` events carry no notification
                            elif line.startswith("id: "):
                                event_id = int(line[4:])
                            elif line.startswith("data: ") and not name:
                                self.last_seq[rider_id] = max(
                                    self.last_seq.get(rider_id, 0), event_id
                                )
                                note = json.loads(line[6:])
                                data = note.get("data", {})
                                if (
                                    note["kind"] == "MATCHED"
                                    and data.get("requestId") == request_id
                                ):
                                    found.set_result(data["tripId"])
                                    return
                except httpx.HTTPError:
                    opened.set()
                    await asyncio.sleep(0.5)

        task = asyncio.create_task(follow())
        try:
            await asyncio.wait_for(opened.wait(), 10)
            yield asyncio.ensure_future(asyncio.wait_for(asyncio.shield(found), MATCH_WAIT_S))
        except TimeoutError:
            raise Failed("no-match", "no MATCHED notification in time") from None
        finally:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
