"""A commuter morning through the real system, at compressed time: the seeded morning of
`sim/morning.py` replayed over the REST API against all eight services (matching on several
replicas) and the gateway, on loopback, with every time of the morning divided by `--speedup`.
Its result is put beside the simulation of the same rule on the same morning and the optimum.

Compressing time divides every duration the rule looks at: the request expiry and the arrival
slack are set to the morning's 30 and 5 minutes over the speedup, and each trigger ping is made
inside the station's zone at a distance and speed that give the morning's ETA over the speedup.
Drivers offer their routes when they set off; riders book 0-20 (compressed) minutes ahead.

A second over the speedup is a lot of morning (at 60, one second is a minute), so lateness is
measured: how late each call was sent against its time, and how long it took.

With `--enroute-m M` the matching service runs en-route matching (ENROUTE_DETOUR_M) and the
simulations and the optimum use the same rule; the equal-destination optimum is reported
beside them.

    python scripts/replay_morning.py [--seed 1] [--riders 600] [--drivers 160] [--speedup 60]
                                     [--matching 3] [--no-duplicate-triggers] [--log-dir DIR]
                                     [--enroute-m 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import grpc
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.lastmile.v1 import matching_pb2, matching_pb2_grpc
from common.channels import aio_channel
from common.convert import to_timestamp
from common.geo import destination_point
from common.ids import trip_id_for_route
from common.zones import zone_hit
from services.station.catalog import Station, load_seed
from sim.enroute import EnRoute
from sim.greedy import Assignment, greedy
from sim.lookahead import lookahead
from sim.measures import Measures, measure
from sim.morning import START_S, Driver, Morning, Rider, Stop, generate
from sim.optimum import optimum
from sim.rules import ARRIVAL_SLACK_S, EQUAL_DESTINATION, EXPIRY_S
from tests.e2e_http import PASSWORD
from tests.harness import Cluster, EmbeddedMongo, start_gateway
from tests.ride import ALL

MAX_PING_SPEED_MPS = 90.0  # the API takes up to 100
PING_RETRIES = 3


@dataclass
class Clock:
    """Morning seconds <-> wall time: the morning's START_S is `zero` (time.time())."""

    zero: float
    speedup: float

    def wall(self, t: float) -> float:
        return self.zero + (t - START_S) / self.speedup

    def iso(self, t: float) -> str:
        at = datetime.fromtimestamp(self.wall(t), UTC)
        return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Event:
    t: float  # morning seconds
    order: int  # at the same time: routes, then requests, then pings
    what: str
    path: str
    who: str  # rider or driver id
    body: dict
    stop: Stop | None = None  # a ping's


@dataclass
class Replay:
    http: httpx.AsyncClient
    morning: Morning
    clock: Clock
    stations: dict[str, Station]
    # With stubs, every trigger ping is raced by the same Trigger sent straight to a replica.
    duplicate_to: list = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # rider or driver id -> token
    late_s: list[float] = field(default_factory=list)
    took_s: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    triggered: int = 0  # matches the pings answered with
    retried: Counter[str] = field(default_factory=Counter)  # calls asked again after a 503
    route_of: dict[str, str] = field(default_factory=dict)  # driver id -> route id
    driver_of_trip: dict[str, str] = field(default_factory=dict)

    async def call(self, event: Event) -> None:
        headers = {"Authorization": f"Bearer {self.tokens[event.who]}"}
        if event.what != "ping":
            headers["Idempotency-Key"] = uuid.uuid4().hex
        for attempt in range(PING_RETRIES + 1):
            started = time.time()
            try:
                answer = await self.http.post(event.path, json=event.body, headers=headers)
            except httpx.TransportError:
                # A kept-alive connection the gateway closed as it was reused: asked again.
                if attempt == PING_RETRIES:
                    self.failed.append(f"{event.what} connection lost")
                    return
                self.retried[f"{event.what} (connection)"] += 1
                continue
            self.took_s.append(time.time() - started)
            if answer.status_code != 503 or attempt == PING_RETRIES:
                break
            # A busy backend: the driver's app sends its next position, the rider's asks
            # again with the same key, a second later.
            self.retried[event.what] += 1
            await asyncio.sleep(1.0)
        if answer.status_code >= 300:
            self.failed.append(f"{event.what} {answer.status_code} {answer.text[:200]}")
        elif event.what == "route":
            self.route_of[event.who] = answer.json()["id"]
            self.driver_of_trip[trip_id_for_route(answer.json()["id"])] = event.who
        elif event.what == "ping":
            self.triggered += len(answer.json()["triggered"])

    async def duplicate(self, event: Event) -> None:
        """The trigger of a ping, sent to a replica beside the ping's own."""
        if event.stop is None or event.who not in self.route_of:
            return
        stub = random.choice(self.duplicate_to)
        try:
            await stub.Trigger(
                matching_pb2.TriggerRequest(
                    route_id=self.route_of[event.who],
                    station_id=event.stop.station_id,
                    driver_eta=to_timestamp(
                        datetime.fromtimestamp(self.clock.wall(event.stop.eta_s), UTC)
                    ),
                )
            )
        except grpc.aio.AioRpcError as exc:
            self.failed.append(f"duplicate trigger {exc.code().name} {exc.details()}")

    async def at(self, event: Event) -> None:
        wait = self.clock.wall(event.t) - time.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self.late_s.append(max(0.0, time.time() - self.clock.wall(event.t)))
        if event.what == "ping" and self.duplicate_to:
            await asyncio.gather(self.call(event), self.duplicate(event))
        else:
            await self.call(event)

    def ping_body(self, driver: Driver, stop: Stop, speed_mps: float) -> dict:
        """A point inside the stop's zone (and no later stop's) whose distance at the ping's
        speed is the morning's ETA over the speedup."""
        station = self.stations[stop.station_id]
        eta_s = (stop.eta_s - stop.trigger_s) / self.clock.speedup
        ping_speed = min(MAX_PING_SPEED_MPS, speed_mps * self.clock.speedup)
        # Well inside the zone (its edge is a rounding away from outside), at the speed that
        # keeps the ETA.
        distance = min(ping_speed * eta_s, 0.95 * station.trigger_radius_m)
        ping_speed = distance / eta_s
        later = [
            self.stations[s.station_id].zone for s in driver.stops[driver.stops.index(stop) + 1 :]
        ]
        here = station.location
        for bearing in range(0, 360, 15):
            lat, lon = destination_point(here.lat, here.lon, bearing, distance)
            if not any(zone_hit(z, lat, lon) for z in later):
                return {"lat": lat, "lon": lon, "speedMps": round(ping_speed, 3)}
        # A later station so near that its zone covers this one: both fire, as they would.
        lat, lon = destination_point(here.lat, here.lon, 0, distance)
        return {"lat": lat, "lon": lon, "speedMps": round(ping_speed, 3)}

    def events(self) -> list[Event]:
        out = []
        for d in self.morning.drivers:
            route = {
                "stationIds": [s.station_id for s in d.stops],
                "destinationAreaId": d.area_id,
                "seats": d.seats,
            }
            out.append(Event(d.start_s, 0, "route", "/driver/routes", d.id, route))
            first = d.stops[0]
            speed = self.stations[first.station_id].trigger_radius_m / (
                first.eta_s - first.trigger_s
            )
            for stop in d.stops:
                body = self.ping_body(d, stop, speed)
                out.append(Event(stop.trigger_s, 2, "ping", "/driver/location", d.id, body, stop))
        for r in self.morning.riders:
            request = {
                "stationId": r.station_id,
                "destinationAreaId": r.area_id,
                "arrivalTime": self.clock.iso(r.arrival_s),
            }
            out.append(Event(r.booked_s, 1, "request", "/rider/requests", r.id, request))
        return sorted(out, key=lambda e: (e.t, e.order))


async def sign_up_everyone(http: httpx.AsyncClient, replay: Replay) -> None:
    gate = asyncio.Semaphore(4)

    async def one(sim_id: str, role: str) -> None:
        body = {
            "name": f"Commuter {sim_id}",
            "phone": "+9188" + str(uuid.uuid4().int)[:8],
            "password": PASSWORD,
            "role": role,
        }
        if role == "driver":
            body["vehicle"] = {"plate": "KA01AB1234", "model": "Swift"}
        key = {"Idempotency-Key": uuid.uuid4().hex}
        async with gate:
            for _ in range(10):
                answer = await http.post("/auth/signup", json=body, headers=key)
                if answer.status_code not in (429, 503):
                    break
                await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
        answer.raise_for_status()
        replay.tokens[sim_id] = answer.json()["token"]

    await asyncio.gather(
        *(one(r.id, "rider") for r in replay.morning.riders),
        *(one(d.id, "driver") for d in replay.morning.drivers),
    )


async def outcome(replay: Replay) -> Assignment:
    """Who the system matched with whom, read back from each rider's requests."""
    stops = {(d.id, s.station_id): s for d in replay.morning.drivers for s in d.stops}
    done = Assignment()

    async def one(rider: Rider) -> None:
        answer = await replay.http.get(
            "/rider/requests", headers={"Authorization": f"Bearer {replay.tokens[rider.id]}"}
        )
        answer.raise_for_status()
        for request in answer.json():
            if request["status"] == "MATCHED":
                driver = replay.driver_of_trip[request["tripId"]]
                done.rides[rider.id] = (driver, stops[(driver, rider.station_id)])

    gate = asyncio.Semaphore(16)

    async def gated(rider: Rider) -> None:
        async with gate:
            await one(rider)

    await asyncio.gather(*(gated(r) for r in replay.morning.riders))
    return done


async def replay_through(
    url: str, morning: Morning, speedup: float, duplicate_to: list[str]
) -> tuple[Replay, Assignment]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        stations = {s.id: s for s in load_seed()}
        channels = [aio_channel(address, 60.0) for address in duplicate_to]
        stubs = [matching_pb2_grpc.MatchingServiceStub(c) for c in channels]
        replay = Replay(http, morning, Clock(0.0, speedup), stations, stubs)
        started = time.time()
        await sign_up_everyone(http, replay)
        print(
            f"  signed up {len(replay.tokens)} users in {time.time() - started:.0f} s", flush=True
        )
        replay.clock.zero = time.time() + 2.0
        events = replay.events()
        end = replay.clock.wall(events[-1].t)
        print(f"  replaying {len(events)} calls over {end - time.time():.0f} s", flush=True)
        await asyncio.gather(*(replay.at(e) for e in events))
        for channel in channels:
            await channel.close()
        return replay, await outcome(replay)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def line(name: str, m: Measures, best: Measures) -> str:
    return (
        f"  {name:20} {m.served:5d} {m.served / best.served:8.2%} {m.mean_wait_s / 60:6.1f}"
        f" {m.p95_wait_s / 60:6.1f} {m.seats_per_trip:6.2f}   "
        + "  ".join(f"{k} {v}" for k, v in m.unmatched.items())
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--riders", type=int, default=600)
    parser.add_argument("--drivers", type=int, default=160)
    parser.add_argument("--speedup", type=float, default=60)
    parser.add_argument("--matching", type=int, default=3, help="matching replicas")
    parser.add_argument("--log-dir", type=Path, help="keep the processes' logs here")
    parser.add_argument(
        "--duplicate-triggers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="race every trigger ping with the same Trigger sent straight to a replica",
    )
    parser.add_argument(
        "--enroute-m", type=float, default=0, help="en-route detour budget (0 = equal destinations)"
    )
    args = parser.parse_args()
    morning = generate(args.seed, riders=args.riders, drivers=args.drivers)
    env = {
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
        "HASH_CONCURRENCY": "2",  # the sign-ups before the morning are not what is measured
        "REQUEST_EXPIRY_S": str(EXPIRY_S / args.speedup),
        "EXPIRY_SWEEP_S": "0.5",
        "ARRIVAL_SLACK_S": str(ARRIVAL_SLACK_S / args.speedup),
        "ENROUTE_DETOUR_M": str(args.enroute_m),
    }
    rule = EnRoute(morning.places, args.enroute_m) if args.enroute_m else EQUAL_DESTINATION
    print(
        f"seed {args.seed}: {len(morning.riders)} riders, {len(morning.drivers)} drivers, "
        f"5 h at {args.speedup:g}x ({5 * 3600 / args.speedup:.0f} s), "
        f"{args.matching} matching replicas"
        + (", every trigger duplicated" if args.duplicate_triggers else "")
        + (f", en-route within {args.enroute_m:g} m" if args.enroute_m else ""),
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        logs = args.log_dir or Path(tmp)
        logs.mkdir(parents=True, exist_ok=True)
        mongo = EmbeddedMongo(logs)
        mongo.start()
        cluster = Cluster(mongo_uri=mongo.uri, db_name="morning", log_dir=logs)
        try:
            replicas = cluster.start_replicas("matching", args.matching, env=env)
            targets = ",".join(p.address for p in replicas)
            env["MATCHING_ADDR"] = f"ipv4:{targets}"
            cluster.start(*(s for s in ALL if s != "matching"), env=env)
            gateway = start_gateway(cluster, {**env, "GATEWAY_WORKERS": "2"})
            try:
                duplicate_to = [p.address for p in replicas] if args.duplicate_triggers else []
                replay, system = asyncio.run(
                    replay_through(gateway.url, morning, args.speedup, duplicate_to)
                )
            finally:
                gateway.stop()
        finally:
            cluster.stop_all()
            mongo.stop()
    simulated = greedy(morning, rule)
    best = measure(morning, optimum(morning, rule), rule)
    rows = {
        "system": measure(morning, system, rule),
        "simulated greedy": measure(morning, simulated, rule),
        "simulated look-ahead": measure(morning, lookahead(morning, rule), rule),
        "optimum": best,
    }
    if args.enroute_m:
        rows["equal-dest. optimum"] = measure(morning, optimum(morning))
    print(
        "  served, share of the optimum, mean and p95 wait (min), riders per trip, "
        "unmatched by reason"
    )
    for name, m in rows.items():
        print(line(name, m, best))
    lost = sorted(set(simulated.rides) - set(system.rides))
    extra = sorted(set(system.rides) - set(simulated.rides))
    served = rows["system"].served
    print(f"  system: {served / best.served:.2%} of optimum")
    print(f"  system: {served / rows['simulated greedy'].served:.2%} of the simulation of its rule")
    if args.enroute_m:
        plain = rows["equal-dest. optimum"].served
        print(
            f"  en-route {args.enroute_m / 1000:g} km: {served / plain - 1:+.1%} over the "
            f"equal-destination optimum, mean detour {rows['system'].mean_detour_m:.0f} m"
        )
    print(
        f"  riders the simulated rule served and the system did not: {len(lost)}; the other way"
        f" round: {len(extra)} (a call's latency times {args.speedup:g} is morning time)"
    )
    print(
        f"  calls: {len(replay.took_s)}, asked again after a 503: "
        f"{dict(replay.retried) or 0}, failed {len(replay.failed)}; sent late by p50 "
        f"{statistics.median(replay.late_s) * 1000:.0f} ms, "
        f"p99 {percentile(replay.late_s, 0.99) * 1000:.0f} ms;"
        f" took p50 {statistics.median(replay.took_s) * 1000:.0f} ms, "
        f"p99 {percentile(replay.took_s, 0.99) * 1000:.0f} ms"
    )
    for failure in replay.failed[:5]:
        print(f"    {failure}")


if __name__ == "__main__":
    main()
