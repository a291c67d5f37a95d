"""Tracing overhead: the gateway's and the ride flow's figures with tracing off, at 10% and at
100% sampling, in one run. Prints figures; asserts nothing.

Four stacks (the eight services and the gateway each, on one database server) differ only in
tracing: off (nothing installed), 10% (every span recorded, one trace in ten written, and any
failed or slow span: the default), 10%- (TRACES_KEEP_FAILED_AND_SLOW=false: only the sampled
tenth recorded), 100% (every span written). Spans go to JSON-lines files, as in a local
run. The stacks take turns within each round, the off stack first; a traced stack's ratio in a
round is its figure over the off stack's in that round, and each printed figure is the median
over the rounds (the machine is shared, and its speed drifts from one round to the next).

1. Gateway: closed-loop clients on keep-alive connections (as scripts/bench_gateway.py):
   POST /driver/location (gateway -> user, location) and GET /rider/requests/{id} (gateway ->
   user, rider); req/s, p50, p99.
2. Ride flow (as scripts/bench_flow.py): drivers entering a station's trigger zone at a steady
   rate, each with a rider waiting: the call of the position that fires the trigger returns
   after matching (location -> matching -> driver, trip, rider, user, station, notification);
   its p50 and p99.

    python scripts/bench_tracing.py [--clients 32] [--seconds 3] [--rounds 5] [--drivers 30]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.lastmile.v1 import driver_pb2, rider_pb2, station_pb2  # noqa: E402
from common.convert import to_timestamp  # noqa: E402
from lastmile.loadgen.openloop import bounded, percentile  # noqa: E402
from scripts.bench_flow import enter_zone  # noqa: E402
from scripts.bench_gateway import Call, load, ride_calls  # noqa: E402
from tests.harness import Cluster, EmbeddedMongo, GatewayProcess, start_gateway  # noqa: E402

SERVICES = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")
# Sampling ratio, and whether spans of traces not sampled are recorded (to keep failed and
# slow ones): "10%-" records only the sampled tenth.
MODES = {"off": (None, True), "10%": (0.1, True), "10%-": (0.1, False), "100%": (1.0, True)}


@dataclass
class Stack:
    mode: str
    cluster: Cluster
    gateway: GatewayProcess
    calls: dict[str, Call] = field(default_factory=dict)
    # Drivers not yet sent into a zone, each with a rider waiting at its station.
    drivers: list[tuple[str, station_pb2.Station]] = field(default_factory=list)


def tracing_env(mode: str, folder: Path) -> dict[str, str]:
    ratio, record_unsampled = MODES[mode]
    env = {"LOG_LEVEL": "WARNING", "OTEL_TRACES_EXPORTER": "none"}
    if ratio is not None:
        env.update(
            TRACES_DIR=str(folder / "traces"),
            OTEL_TRACES_SAMPLER_ARG=str(ratio),
            TRACES_KEEP_FAILED_AND_SLOW=str(record_unsampled).lower(),
        )
    return env


def start_stack(mode: str, mongo: EmbeddedMongo, tmp: Path) -> Stack:
    slug = re.sub(r"\W", "_", mode)
    folder = tmp / slug
    folder.mkdir()
    env = tracing_env(mode, folder)
    cluster = Cluster(mongo.uri, f"trbench_{slug}", folder)
    cluster.start(*SERVICES, env=env)
    gateway = start_gateway(cluster, {**env, "GATEWAY_WORKERS": "2"})
    return Stack(mode, cluster, gateway)


async def seed_rides(stack: Stack, count: int, rng: random.Random) -> None:
    """`count` drivers with a one-seat route through one station, each with a rider waiting
    there for the driver's destination (the oldest such rider is taken first)."""
    stub = stack.cluster.stub
    stations = (await stub("station").ListStations(station_pb2.ListStationsRequest())).stations
    plans = []
    for i in range(count):
        station = rng.choice(stations)
        plans.append(
            (f"trbench-driver-{i}", f"trbench-rider-{i}", station, rng.choice(station.areas).id)
        )
    arrival = to_timestamp(datetime.now(UTC) + timedelta(minutes=1))
    await bounded(16, [
        partial(stub("driver").CreateRoute, driver_pb2.CreateRouteRequest(
            driver_id=d, station_ids=[s.id], destination_area_id=a, seats=1))
        for d, _, s, a in plans
    ])  # fmt: skip
    await bounded(16, [
        partial(stub("rider").CreateRequest, rider_pb2.CreateRideRequestRequest(
            rider_id=r, station_id=s.id, destination_area_id=a, arrival_time=arrival))
        for _, r, s, a in plans
    ])  # fmt: skip
    stack.drivers = [(d, s) for d, _, s, _ in plans]


async def triggers(stack: Stack, count: int, rate: float) -> tuple[list[float], int]:
    """`count` drivers into their zones at `rate` per second: the firing calls' durations
    (ms) and how many matched their rider."""
    location = stack.cluster.stub("location")
    batch, stack.drivers = stack.drivers[:count], stack.drivers[count:]
    tasks = []
    for driver_id, station in batch:
        tasks.append(asyncio.create_task(enter_zone(location, driver_id, station)))
        await asyncio.sleep(1 / rate)
    results = await asyncio.gather(*tasks)
    return [took * 1000 for _, took, _ in results], sum(matched for _, _, matched in results)


def ratios(figures: dict[str, list[float]], mode: str) -> str:
    per_round = [t / o for t, o in zip(figures[mode], figures["off"], strict=True)]
    return (
        f"{statistics.median(per_round):6.1%} of off (rounds "
        + "/".join(f"{q:.0%}" for q in per_round)
        + ")"
    )


def print_gateway(
    rates: dict[str, dict[str, list[float]]],
    p50s: dict[str, dict[str, list[float]]],
    p99s: dict[str, dict[str, list[float]]],
    errors: dict[str, dict[str, int]],
) -> None:
    for endpoint in rates:
        for mode in MODES:
            line = (
                f"{endpoint:26} {mode:>4}  {statistics.median(rates[endpoint][mode]):6.0f} "
                f"req/s  p50 {statistics.median(p50s[endpoint][mode]):5.1f} ms  "
                f"p99 {statistics.median(p99s[endpoint][mode]):6.1f} ms  "
                f"errors {errors[endpoint][mode]}"
            )
            if mode != "off":
                line += f"  req/s {ratios(rates[endpoint], mode)}"
            print(line)


def print_flow(
    p50s: dict[str, list[float]], p99s: dict[str, list[float]], matched: dict[str, int], sent: int
) -> None:
    for mode in MODES:
        line = (
            f"{'firing position update':26} {mode:>4}  p50 {statistics.median(p50s[mode]):5.1f} "
            f"ms  p99 {statistics.median(p99s[mode]):6.1f} ms  matched {matched[mode]}/{sent}"
        )
        if mode != "off":
            line += f"  p50 {ratios(p50s, mode)}"
        print(line)


def print_spans_written(stacks: list[Stack]) -> None:
    for stack in stacks:
        folder = Path(stack.gateway.env["TRACES_DIR"])
        size = sum(f.stat().st_size for f in folder.glob("*.jsonl"))
        print(f"spans written at {stack.mode}: {size / 2**20:.1f} MiB")


async def run(args: argparse.Namespace) -> None:
    rng = random.Random(1)
    for name in [k for k in os.environ if k.startswith("OTEL_") or k == "TRACES_DIR"]:
        del os.environ[name]  # the stacks' tracing is theirs alone
    tmp = Path(tempfile.mkdtemp(prefix="lastmile-trbench-"))
    mongo = EmbeddedMongo(tmp)
    mongo.start()
    stacks: list[Stack] = []
    try:
        for mode in MODES:
            stacks.append(start_stack(mode, mongo, tmp))
        for stack in stacks:
            stack.calls = await ride_calls(stack.gateway.url)
            await seed_rides(stack, args.drivers * args.rounds, rng)
        print(
            f"machine: {args.machine}; {args.rounds} rounds; gateway: {args.clients} clients, "
            f"{args.seconds} s per endpoint; flow: {args.drivers} zone entries at {args.rate}/s"
        )

        endpoints = ("POST /driver/location", "GET /rider/requests/{id}")
        # Per endpoint and mode: req/s per round; p50 and p99 per round; error answers.
        rates = {e: {m: [] for m in MODES} for e in endpoints}
        p50s = {e: {m: [] for m in MODES} for e in endpoints}
        p99s = {e: {m: [] for m in MODES} for e in endpoints}
        errors = {e: {m: 0 for m in MODES} for e in endpoints}
        fire_p50 = {m: [] for m in MODES}
        fire_p99 = {m: [] for m in MODES}
        matched = {m: 0 for m in MODES}
        for _ in range(args.rounds):
            for endpoint in endpoints:
                for stack in stacks:
                    rate, latencies, failed = await load(
                        stack.gateway.url, args.clients, args.seconds, stack.calls[endpoint]
                    )
                    latencies.sort()
                    rates[endpoint][stack.mode].append(rate)
                    p50s[endpoint][stack.mode].append(percentile(latencies, 50))
                    p99s[endpoint][stack.mode].append(percentile(latencies, 99))
                    errors[endpoint][stack.mode] += failed
            for stack in stacks:
                took, hits = await triggers(stack, args.drivers, args.rate)
                took.sort()
                fire_p50[stack.mode].append(percentile(took, 50))
                fire_p99[stack.mode].append(percentile(took, 99))
                matched[stack.mode] += hits
                await asyncio.sleep(1)  # the last batches of spans written before the next

        print_gateway(rates, p50s, p99s, errors)
        print_flow(fire_p50, fire_p99, matched, args.drivers * args.rounds)
        print_spans_written(stacks[1:])
    finally:
        for stack in stacks:
            await stack.cluster.close_channels()
            stack.gateway.stop()
            stack.cluster.stop_all()
        mongo.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--drivers", type=int, default=30, help="zone entries per stack per round")
    parser.add_argument("--rate", type=float, default=5, help="zone entries per second")
    parser.add_argument("--machine", default=f"{os.cpu_count()} cores")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
