"""Ride-flow benchmark: location ingestion against a raw gRPC stream, and trigger -> MATCHED
latency under load, on the embedded database. Prints figures; asserts nothing.

    python scripts/bench_flow.py [--drivers 500] [--riders 2000] [--streams 20] [--updates 2000]
    python scripts/bench_flow.py --steps 5,10,20,40 [--seconds 20] [--break-ms 500]

1. Baseline: the rate at which this machine moves PositionUpdate messages through an empty
   grpc.aio client stream (a server process that only counts them).
2. Ingestion: the same client, the same messages, against the real location service (drivers
   with open routes, positions away from every trigger zone).
3. Matching latency: every driver enters a station's trigger zone, at a steady rate; for a
   sample of drivers the time from sending that position to their MATCHED notification
   arriving on their Subscribe stream.

With --steps, only capacity: zone entries stepped up (each step with drivers and riders of its
own) until trigger -> MATCHED p99 passes --break-ms, the first step the baseline.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.lastmile.v1 import (  # noqa: E402
    common_pb2,
    driver_pb2,
    location_pb2,
    location_pb2_grpc,
    notification_pb2,
    rider_pb2,
    station_pb2,
)
from common.convert import to_timestamp  # noqa: E402
from common.geo import destination_point  # noqa: E402
from lastmile.loadgen.openloop import bounded, percentile  # noqa: E402
from tests.harness import Cluster, EmbeddedMongo, free_port  # noqa: E402

SERVICES = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")


# --- the raw baseline ----------------------------------------------------------------------


class _CountingLocation(location_pb2_grpc.LocationServiceServicer):
    async def StreamPositions(self, request_iterator, context):
        n = 0
        async for _ in request_iterator:
            n += 1
        return location_pb2.StreamSummary(accepted=n)


async def serve_raw(port: int) -> None:
    server = grpc.aio.server()
    location_pb2_grpc.add_LocationServiceServicer_to_server(_CountingLocation(), server)
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


# --- helpers -------------------------------------------------------------------------------


async def stream_rate(
    address: str, drivers: list[str], updates: int, far: tuple[float, float]
) -> float:
    """Messages/s through `len(drivers)` concurrent client streams of `updates` each."""
    async with grpc.aio.insecure_channel(address) as channel:
        stub = location_pb2_grpc.LocationServiceStub(channel)

        # Built before the clock starts, so the figure is the transport's and the server's.
        points = [destination_point(far[0], far[1], 90, i * 5) for i in range(100)]
        prepared = {
            d: [
                location_pb2.PositionUpdate(
                    driver_id=d,
                    position=common_pb2.LatLon(lat=points[i % 100][0], lon=points[i % 100][1]),
                    speed_mps=10,
                )
                for i in range(updates)
            ]
            for d in drivers
        }

        def messages(driver_id: str):
            yield from prepared[driver_id]

        started = time.perf_counter()
        summaries = await asyncio.gather(*(stub.StreamPositions(messages(d)) for d in drivers))
        elapsed = time.perf_counter() - started
    accepted = sum(s.accepted for s in summaries)
    if accepted != len(drivers) * updates:
        raise SystemExit(f"only {accepted} of {len(drivers) * updates} updates accepted")
    return accepted / elapsed


async def enter_zone(
    location: location_pb2_grpc.LocationServiceStub, driver_id: str, station: station_pb2.Station
) -> tuple[float, float, bool]:
    """Drives a driver into a station's trigger zone: a position outside it, then one inside.
    Answers when the second was sent (perf_counter), how long its call took (s; it returns
    after matching), and whether it matched riders."""
    for metres in (1500, 900):
        lat, lon = destination_point(station.location.lat, station.location.lon, 180, metres)
        sent = time.perf_counter()
        result = await location.UpdatePosition(
            location_pb2.PositionUpdate(
                driver_id=driver_id, position=common_pb2.LatLon(lat=lat, lon=lon), speed_mps=10
            )
        )
    took = time.perf_counter() - sent
    return sent, took, any(t.rider_ids for t in result.triggered)


# --- the run -------------------------------------------------------------------------------


Plan = tuple[str, station_pb2.Station, str]  # driver, the station its route passes, destination


async def populate(
    cluster: Cluster,
    stations: list[station_pb2.Station],
    drivers: int,
    riders: int,
    rng: random.Random,
    tag: str,
) -> list[Plan]:
    """`drivers` routes through one station each, and `riders` requests waiting at random
    stations for their areas, arriving within 10 minutes."""
    plans = []
    for i in range(drivers):
        s = rng.choice(stations)
        plans.append((f"bench-driver-{tag}{i}", s, rng.choice(s.areas).id))
    await bounded(
        32,
        [
            partial(
                cluster.stub("driver").CreateRoute,
                driver_pb2.CreateRouteRequest(
                    driver_id=d, station_ids=[s.id], destination_area_id=a, seats=4
                ),
            )
            for d, s, a in plans
        ],
    )
    now = datetime.now(UTC)
    await bounded(
        32,
        [
            partial(
                cluster.stub("rider").CreateRequest,
                rider_pb2.CreateRideRequestRequest(
                    rider_id=f"bench-rider-{tag}{i}",
                    station_id=(s := rng.choice(stations)).id,
                    destination_area_id=rng.choice(s.areas).id,
                    arrival_time=to_timestamp(now + timedelta(minutes=rng.randint(0, 10))),
                ),
            )
            for i in range(riders)
        ],
    )
    return plans


@dataclass
class Entries:
    """What one burst of zone entries measured."""

    rate: float
    drivers: int
    matched: int
    sent_late_s: float  # how far behind its schedule the last entry was sent
    spans_ms: list[float]  # the position update that fires the trigger (returns after matching)
    latencies_ms: list[float]  # trigger -> MATCHED notification, sampled drivers
    failed: Counter[str]  # calls that got an error instead of an answer, by method and code


async def zone_entries(
    cluster: Cluster, plans: list[Plan], rate: float, sample_size: int, rng: random.Random
) -> Entries:
    """Every planned driver enters its station's zone, `rate` a second (open loop: an entry
    is sent on time whether or not the earlier ones were answered)."""
    picked = rng.sample(range(len(plans)), min(sample_size, len(plans)))
    sample = {plans[i][0] for i in picked}
    arrivals: dict[str, float] = {}
    failed: Counter[str] = Counter()
    ready = asyncio.Event()
    ready_count = 0

    async def follow(driver_id: str) -> None:
        nonlocal ready_count
        call = cluster.stub("notification").Subscribe(
            notification_pb2.SubscribeRequest(user_id=driver_id, heartbeat_seconds=30)
        )
        ready_count += 1
        if ready_count == len(sample):
            ready.set()
        try:
            async for event in call:
                if event.HasField("notification") and driver_id not in arrivals:
                    arrivals[driver_id] = time.perf_counter()
        except grpc.aio.AioRpcError as exc:
            failed[f"Subscribe {exc.code().name}"] += 1

    followers = [asyncio.create_task(follow(d)) for d in sample]
    await ready.wait()
    await asyncio.sleep(1)
    sent: dict[str, float] = {}
    calls: dict[str, float] = {}
    matched_drivers: set[str] = set()
    location = cluster.stub("location")

    async def enter(driver_id: str, station: station_pb2.Station) -> None:
        try:
            sent[driver_id], calls[driver_id], matched = await enter_zone(
                location, driver_id, station
            )
        except grpc.aio.AioRpcError as exc:
            failed[f"UpdatePosition {exc.code().name}"] += 1
            return
        if matched:
            matched_drivers.add(driver_id)

    interval = 1 / rate
    t0 = time.perf_counter()
    tasks = []
    late = 0.0
    for i, (driver_id, station, _) in enumerate(plans):
        delay = t0 + i * interval - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, -delay)
        tasks.append(asyncio.create_task(enter(driver_id, station)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(2)
    for task in followers:
        task.cancel()
    latencies = [
        (arrivals[d] - sent[d]) * 1000 for d in sample if d in arrivals and d in matched_drivers
    ]
    return Entries(
        rate,
        len(plans),
        len(matched_drivers),
        late,
        sorted(v * 1000 for v in calls.values()),
        sorted(latencies),
        failed,
    )


def report(entries: Entries) -> None:
    spans, latencies = entries.spans_ms, entries.latencies_ms
    print(
        f"triggers: {entries.drivers} drivers entering zones at {entries.rate:g}/s; "
        f"{entries.matched} matched riders"
    )
    print(
        f"position update that fires the trigger (returns after matching): "
        f"p50 {percentile(spans, 50):.0f} ms, p99 {percentile(spans, 99):.0f} ms"
    )
    if latencies:
        print(
            f"trigger -> MATCHED notification ({len(latencies)} sampled drivers): "
            f"p50 {percentile(latencies, 50):.0f} ms, p95 {percentile(latencies, 95):.0f} ms, "
            f"p99 {percentile(latencies, 99):.0f} ms, max {max(latencies):.0f} ms, "
            f"mean {statistics.fmean(latencies):.0f} ms"
        )


async def capacity(
    cluster: Cluster, stations: list[station_pb2.Station], args: argparse.Namespace
) -> None:
    """Zone entries stepped up, each step with drivers and riders of its own for `--seconds`,
    until trigger -> MATCHED p99 passes `--break-ms`; the first step is the baseline."""
    rng = random.Random(2)
    print(
        f"capacity: zone entries per second stepped up for {args.seconds:g} s each, "
        f"{args.riders_per_driver} waiting riders per driver; trigger -> MATCHED p99 "
        f"against the first step's"
    )
    baseline = None
    for n, rate in enumerate(float(r) for r in args.steps.split(",")):
        drivers = max(1, round(rate * args.seconds))
        plans = await populate(
            cluster, stations, drivers, drivers * args.riders_per_driver, rng, f"s{n}-"
        )
        got = await zone_entries(cluster, plans, rate, min(drivers, args.sample), rng)
        failures = ", ".join(f"{k} {v}" for k, v in got.failed.items())
        if not got.latencies_ms:
            print(f"  {rate:5g}/s: no sampled driver was matched ({failures}); stopped")
            break
        p99 = percentile(got.latencies_ms, 99)
        baseline = baseline or p99
        print(
            f"  {rate:5g}/s: {got.matched:4d} of {drivers} drivers matched; trigger -> MATCHED "
            f"p50 {percentile(got.latencies_ms, 50):5.0f} ms, p99 {p99:5.0f} ms "
            f"({p99 / baseline:4.1f}x the first step); firing update p99 "
            f"{percentile(got.spans_ms, 99):5.0f} ms; sent up to {got.sent_late_s * 1000:.0f} ms "
            f"late; failed: {failures or 0}"
        )
        if p99 > args.break_ms or got.failed:
            print(f"  trigger -> MATCHED p99 {p99:.0f} ms or calls failed at {rate:g}/s: stopped")
            break


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(1)
    tmp = Path(tempfile.mkdtemp(prefix="lastmile-bench-"))
    mongo = EmbeddedMongo(tmp)
    mongo.start()
    raw_port = free_port()
    raw = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--serve-raw", str(raw_port)
    )
    cluster = Cluster(mongo.uri, "bench", tmp)
    try:
        cluster.start(*SERVICES, env={"LOG_LEVEL": "WARNING"})
        print(f"machine: {args.machine}")
        stations = list(
            (await cluster.stub("station").ListStations(station_pb2.ListStationsRequest())).stations
        )
        if args.steps:
            await capacity(cluster, stations, args)
            return
        t0 = time.perf_counter()
        plans = await populate(cluster, stations, args.drivers, args.riders, rng, "")
        print(
            f"setup: {len(plans)} routes, {args.riders} waiting riders "
            f"in {time.perf_counter() - t0:.1f} s"
        )

        # 1 + 2: ingestion against the raw stream, same client, same messages.
        far = (13.20, 77.40)  # well away from every station
        stream_drivers = [d for d, _, _ in plans[: args.streams]]
        raw_rate = await stream_rate(f"127.0.0.1:{raw_port}", stream_drivers, args.updates, far)
        real_rate = await stream_rate(
            cluster.running["location"].address, stream_drivers, args.updates, far
        )
        print(f"raw grpc.aio client-stream:  {raw_rate:10,.0f} updates/s (baseline)")
        print(f"location service ingestion:  {real_rate:10,.0f} updates/s")
        print(f"ingestion / raw:             {real_rate / raw_rate:10.1%}")

        # 3: trigger -> MATCHED latency.
        report(await zone_entries(cluster, plans, args.rate, args.sample, rng))
        if args.breakdown:
            print_breakdown(cluster)
    finally:
        await cluster.close_channels()
        cluster.stop_all()
        raw.terminate()
        await raw.wait()
        mongo.stop()


def print_breakdown(cluster: Cluster) -> None:
    """Server-side time per RPC method, from each service's Prometheus metrics."""
    import urllib.request

    rows = []
    for name, proc in cluster.running.items():
        url = f"http://127.0.0.1:{proc.metrics_port}/metrics"
        text = urllib.request.urlopen(url).read()  # http on loopback  # nosec B310
        sums: dict[str, list[float]] = {}
        for line in text.decode().splitlines():
            for kind in ("_sum", "_count"):
                if line.startswith("grpc_server_handling_seconds" + kind + "{"):
                    method = line.split('grpc_method="')[1].split('"')[0]
                    sums.setdefault(method, [0.0, 0.0])[kind == "_count"] += float(line.split()[-1])
        rows += [(total, count, f"{name}.{method}") for method, (total, count) in sums.items()]
    print(f"{'method':40} {'calls':>7} {'mean ms':>8} {'total s':>8}")
    for total, count, method in sorted(rows, reverse=True)[:15]:
        print(f"{method:40} {count:7.0f} {total / count * 1000:8.1f} {total:8.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--drivers", type=int, default=500)
    parser.add_argument("--riders", type=int, default=2000)
    parser.add_argument("--streams", type=int, default=20, help="concurrent client streams")
    parser.add_argument("--updates", type=int, default=2000, help="updates per stream")
    parser.add_argument("--rate", type=float, default=5, help="zone entries per second")
    parser.add_argument("--sample", type=int, default=100, help="drivers whose latency is measured")
    parser.add_argument("--machine", default=f"{__import__('os').cpu_count()} cores")
    parser.add_argument("--breakdown", action="store_true", help="server time per RPC method")
    parser.add_argument(
        "--steps", default="", help="capacity: zone entries per second to step through, e.g. 5,10"
    )
    parser.add_argument("--seconds", type=float, default=20, help="capacity: length of a step")
    parser.add_argument("--riders-per-driver", type=int, default=3, help="capacity: riders")
    parser.add_argument(
        "--break-ms", type=float, default=500, help="capacity: stop past this trigger p99"
    )
    parser.add_argument("--serve-raw", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_raw:
        asyncio.run(serve_raw(args.serve_raw))
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
