"""Gateway benchmark: requests/s and latency of proxied endpoints against a trivial Flask
endpoint under the same gunicorn settings (the baseline), then the cost of idle SSE streams.
Prints figures; asserts nothing.

    python scripts/bench_gateway.py [--clients 64] [--seconds 8] [--streams 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.harness import (  # noqa: E402
    Cluster,
    EmbeddedMongo,
    GatewayProcess,
    free_port,
    start_gateway,
)

SERVICES = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")


def trivial_app():
    """The baseline: the cheapest JSON endpoint Flask can serve."""
    from flask import Flask, jsonify

    app = Flask("trivial")

    @app.get("/api/v1/ping")
    def ping():
        return jsonify({"ok": True})

    return app


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def load(
    base: str, clients: int, seconds: float, make: Callable[[httpx.AsyncClient], object]
) -> tuple[float, list[float], int]:
    """`clients` closed-loop clients for `seconds`; answers (req/s, latencies ms, errors)."""
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop:
                started = time.perf_counter()
                answer = await make(client)
                latencies.append((time.perf_counter() - started) * 1000)
                if answer.status_code >= 400:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, latencies, errors


def report(name: str, rate: float, latencies: list[float], errors: int, base: float | None) -> None:
    ratio = f"{rate / base:6.1%} of baseline" if base else "baseline"
    print(
        f"{name:34} {rate:8.0f} req/s  p50 {percentile(latencies, 50):6.1f} ms  "
        f"p99 {percentile(latencies, 99):6.1f} ms  errors {errors}  ({ratio})"
    )


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lastmile-gwbench-"))
    mongo = EmbeddedMongo(tmp)
    mongo.start()
    cluster = Cluster(mongo.uri, "gwbench", tmp)
    baseline: GatewayProcess | None = None
    gateway: GatewayProcess | None = None
    try:
        cluster.start(*SERVICES, env={"LOG_LEVEL": "WARNING"})
        production = {
            "GATEWAY_WORKERS": "2",
            "GATEWAY_THREADS": "320",
            "TOKEN_CACHE_S": "30",
            "LOG_LEVEL": "WARNING",
        }
        gateway = start_gateway(cluster, production)
        env = dict(gateway.env, HTTP_PORT=str(free_port()))
        baseline = GatewayProcess(int(env["HTTP_PORT"]), env, tmp / "trivial.log")
        baseline.start = _trivial_start(baseline)  # type: ignore[method-assign]
        baseline.start()
        print(f"machine: {args.machine}; {args.clients} concurrent clients, {args.seconds} s each")

        # Data to read: a driver with a route and position, a rider with a request.
        async with httpx.AsyncClient(base_url=gateway.url, timeout=30) as http:

            def body(role: str, n: int) -> dict:
                return {
                    "name": f"Bench {role}",
                    "phone": f"+91990000{n:04d}",
                    "password": "bench password",
                    "role": role,
                }

            driver = (await http.post("/auth/signup", json=body("driver", 1))).json()
            rider = (await http.post("/auth/signup", json=body("rider", 2))).json()
            d = {"Authorization": f"Bearer {driver['token']}"}
            r = {"Authorization": f"Bearer {rider['token']}"}
            await http.post(
                "/driver/routes",
                headers=d,
                json={"stationIds": ["majestic"], "destinationAreaId": "chickpet", "seats": 4},
            )
            arrival = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 600))
            req = (
                await http.post(
                    "/rider/requests",
                    headers=r,
                    json={
                        "stationId": "mg-road",
                        "destinationAreaId": "ulsoor",
                        "arrivalTime": arrival,
                    },
                )
            ).json()

        base_rate, lat, err = await load(
            f"http://127.0.0.1:{baseline.port}",
            args.clients,
            args.seconds,
            lambda c: c.get("/api/v1/ping"),
        )
        report("trivial Flask endpoint", base_rate, lat, err, None)
        far = {"lat": 13.2, "lon": 77.4}
        cases = {
            "GET /stations": lambda c: c.get("/stations"),
            "POST /driver/location": lambda c: c.post("/driver/location", headers=d, json=far),
            "GET /rider/requests/{id}": lambda c: c.get(f"/rider/requests/{req['id']}", headers=r),
        }
        for name, make in cases.items():
            rate, lat, err = await load(gateway.url, args.clients, args.seconds, make)
            report(name, rate, lat, err, base_rate)

        # Idle SSE streams: open them, then measure an ordinary request again.
        quiet_rate, quiet, _ = await load(gateway.url, 8, args.seconds, cases["GET /stations"])
        streams: list = []
        limits = httpx.Limits(max_connections=args.streams + 10)
        async with httpx.AsyncClient(timeout=httpx.Timeout(30, read=None), limits=limits) as sse:
            for _ in range(args.streams):
                cm = sse.stream("GET", f"{gateway.url}/notifications/stream", headers=r)
                response = await cm.__aenter__()
                streams.append((cm, response))
            opened = sum(1 for _, resp in streams if resp.status_code == 200)
            await asyncio.sleep(2)
            busy_rate, busy, _ = await load(gateway.url, 8, args.seconds, cases["GET /stations"])
            print(
                f"{opened} idle SSE streams open: GET /stations p50 "
                f"{statistics.median(quiet):.1f} -> {statistics.median(busy):.1f} ms "
                f"({statistics.median(busy) / statistics.median(quiet) - 1:+.0%}), "
                f"{quiet_rate:.0f} -> {busy_rate:.0f} req/s with 8 clients"
            )
            for cm, _ in streams:
                await cm.__aexit__(None, None, None)
    finally:
        for proc in (gateway, baseline):
            if proc is not None and proc.proc is not None:
                proc.stop()
        cluster.stop_all()
        mongo.stop()


def _trivial_start(proc: GatewayProcess):
    def start(timeout: float = 30) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with open(proc.log_path, "ab") as log:
            proc.proc = subprocess.Popen(
                [
                    str(gunicorn),
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "scripts.bench_gateway:trivial_app()",
                ],
                env=proc.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{proc.port}/api/v1/ping", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("baseline app did not start")

    return start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--machine", default=f"{__import__('os').cpu_count()} cores")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
