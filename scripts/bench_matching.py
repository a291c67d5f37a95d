"""Matching throughput with 1, 2, 3, 4 and 5 replicas on the local supervisor.

Starts `lastmile up` on free ports in a temporary home, prepares routes through the gateway,
then for each replica count (`lastmile scale matching N`) keeps `--concurrency` MatchNow calls
in flight for `--seconds` and reports calls/s and latency; the 1-replica run is the baseline
of the ratios. On a 2-core machine the load generator, the gateway-free call path (matching ->
driver, rider, trip, notification -> database) and every replica share the same two cores,
so expect the curve to flatten early: that is the figure to report, not a failure."""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import grpc

from api.lastmile.v1 import matching_pb2
from lastmile.detached import start_run
from lastmile.layout import MAX_MATCHING_REPLICAS
from lastmile.loadgen.openloop import percentile
from lastmile.loadgen.scenarios import MatchScenario


async def closed_loop(scenario: MatchScenario, concurrency: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds

    async def worker(k: int) -> None:
        nonlocal errors
        i = k
        while time.monotonic() < deadline:
            route = scenario.routes[i % len(scenario.routes)]
            i += concurrency
            started = time.monotonic()
            try:
                await scenario.stub.MatchNow(
                    matching_pb2.MatchNowRequest(
                        route_id=route["id"], station_id=route["stationIds"][0]
                    )
                )
            except grpc.aio.AioRpcError:
                errors += 1
                continue
            latencies.append(time.monotonic() - started)

    started = time.monotonic()
    await asyncio.gather(*(worker(k) for k in range(concurrency)))
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return {
        "rate": len(ordered) / elapsed,
        "p50_ms": percentile(ordered, 50) * 1000,
        "p99_ms": percentile(ordered, 99) * 1000,
        "errors": errors,
    }


async def measure(gateway: str, target: str, replicas: int, args: argparse.Namespace) -> dict:
    scenario = MatchScenario(gateway, target, routes=args.routes, seed=1)
    try:
        await scenario.setup()
        await closed_loop(scenario, args.concurrency, 2)  # warm-up: connections, caches
        return await closed_loop(scenario, args.concurrency, args.seconds)
    finally:
        await scenario.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--routes", type=int, default=20)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="lastmile-bench-")) / "home"
    run = start_run(home, "--matching-replicas", "1")
    gateway = f"http://127.0.0.1:{run.http_port}"
    target = "ipv4:" + ",".join(
        f"127.0.0.1:{run.port_of('matching') + 10 * k}" for k in range(MAX_MATCHING_REPLICAS)
    )
    results = {}
    try:
        for replicas in range(1, MAX_MATCHING_REPLICAS + 1):
            scaled = run.cli("scale", "matching", str(replicas))
            assert scaled.returncode == 0, scaled.stderr
            results[replicas] = asyncio.run(measure(gateway, target, replicas, args))
            r = results[replicas]
            print(
                f"matching x{replicas}: {r['rate']:7.1f} MatchNow/s "
                f"({r['rate'] / results[1]['rate']:.2f}x of 1 replica)  "
                f"p50 {r['p50_ms']:.1f} ms  p99 {r['p99_ms']:.1f} ms  errors {r['errors']}",
                flush=True,
            )
    finally:
        run.cli("down")


if __name__ == "__main__":
    main()
