"""Gateway benchmark: requests/s and latency of proxied endpoints against a trivial Flask
endpoint under the same gunicorn settings (the baseline), then the cost of idle SSE streams.
Prints figures; asserts nothing.

The baseline and the endpoints take turns for several rounds, and a last baseline run closes
the last round. An endpoint's ratio in a round is its rate over the mean of the baseline runs
just before and just after it (the machine is shared, and its speed drifts from one round to
the next); each printed figure is the median over the rounds.

    python scripts/bench_gateway.py [--clients 64] [--seconds 4] [--rounds 5] [--streams 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lastmile.loadgen.openloop import percentile  # noqa: E402
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


class Connection:
    """A minimal HTTP/1.1 keep-alive client: the load generator must cost less than the server
    it measures (httpx's async client tops out near 150 req/s at 64 connections here)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base: str) -> Connection:
        host, port = base.split("//")[1].split("/")[0].split(":")
        return cls(*await asyncio.open_connection(host, int(port)))

    async def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b""
    ) -> int:
        lines = [f"{method} {path} HTTP/1.1", "Host: bench"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        if body:
            lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                await self.reader.readexactly(int(line.split(b":")[1]))
        return status

    def close(self) -> None:
        self.writer.close()


Call = tuple[str, str, dict[str, str], bytes]


async def load(
    base: str, clients: int, seconds: float, call: Call
) -> tuple[float, list[float], int]:
    """`clients` closed-loop clients on keep-alive connections for `seconds`; answers
    (requests/s, latencies in ms, error answers)."""
    method, path, headers, body = call
    prefix = "/" + base.split("//")[1].split("/", 1)[1] if base.count("/") > 2 else ""
    latencies: list[float] = []
    errors = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        conn = await Connection.open(base)
        try:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                status = await conn.request(method, prefix + path, headers, body)
                latencies.append((time.perf_counter() - started) * 1000)
                errors += status >= 400
        finally:
            conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies) / (time.perf_counter() - started), latencies, errors


async def ride_calls(url: str) -> dict[str, Call]:
    """Calls a ride makes, on data made for them: a driver with a route (pinging far from every
    station), a rider with a request."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as http:

        def body(role: str, n: int) -> dict:
            return {
                "name": f"Bench {role}",
                "phone": f"+91990000{n:04d}",
                "password": "bench password",  # benchmark accounts  # nosec B105
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
    far = b'{"lat": 13.2, "lon": 77.4}'
    return {
        "GET /stations": ("GET", "/stations", {}, b""),
        "POST /driver/location": ("POST", "/driver/location", d, far),
        "GET /rider/requests/{id}": ("GET", f"/rider/requests/{req['id']}", r, b""),
    }


def report(
    name: str,
    rates: list[float],
    rounds_latencies: list[list[float]],
    errors: int,
    baseline: list[float] | None,
) -> None:
    """Prints one line: the median rate, latencies (of all rounds together, and the median of
    the rounds' p99: one slow round of a shared machine moves the first, not the second), and
    the median of the per-round ratios to the baseline runs that bracket each round."""
    rate = statistics.median(rates)
    rounds = "/".join(f"{r:.0f}" for r in rates)
    if baseline is None:
        ratio = "baseline"
    else:
        ratios = [r / ((baseline[i] + baseline[i + 1]) / 2) for i, r in enumerate(rates)]
        ratio = f"{statistics.median(ratios):6.1%} of baseline (rounds " + "/".join(
            f"{q:.0%}" for q in ratios
        )
        ratio += ")"
    latencies = sorted(x for one in rounds_latencies for x in one)
    p99s = [percentile(sorted(one), 99) for one in rounds_latencies]
    print(
        f"{name:26} {rate:6.0f} req/s  p50 {percentile(latencies, 50):5.1f} ms  "
        f"p99 {percentile(latencies, 99):5.1f} ms (rounds' median {statistics.median(p99s):5.1f})"
        f"  errors {errors}  ({ratio}; req/s {rounds}; p99 "
        + "/".join(f"{q:.0f}" for q in p99s)
        + ")"
    )


async def idle_streams(args: argparse.Namespace, url: str, stations: Call, auth: dict) -> None:
    """An ordinary request without and with `args.streams` idle SSE streams open, round after
    round; prints one line."""
    quiet: list[tuple[float, float]] = []  # (req/s, p50 ms) per round
    busy: list[tuple[float, float]] = []
    opened = 0
    for _ in range(args.sse_rounds):
        rate, lat, _ = await load(url, args.clients, args.seconds, stations)
        quiet.append((rate, statistics.median(lat)))
        limits = httpx.Limits(max_connections=args.streams + 10)
        timeout = httpx.Timeout(30, read=None)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as sse:
            streams = []
            for _ in range(args.streams):
                cm = sse.stream("GET", f"{url}/notifications/stream", headers=auth)
                streams.append((cm, await cm.__aenter__()))
            opened = sum(1 for _, resp in streams if resp.status_code == 200)
            await asyncio.sleep(5)  # idle: every stream's replay and set-up is over
            rate, lat, _ = await load(url, args.clients, args.seconds, stations)
            busy.append((rate, statistics.median(lat)))
            for cm, _ in streams:
                await cm.__aexit__(None, None, None)
        # The gateway notices a closed stream at its next keep-alive comment (15 s).
        await asyncio.sleep(16)
    p50_quiet = statistics.median(p for _, p in quiet)
    p50_busy = statistics.median(p for _, p in busy)
    print(
        f"{opened} idle SSE streams open: GET /stations p50 {p50_quiet:.1f} -> "
        f"{p50_busy:.1f} ms ({p50_busy / p50_quiet - 1:+.0%}), "
        f"{statistics.median(rate for rate, _ in quiet):.0f} -> "
        f"{statistics.median(rate for rate, _ in busy):.0f} req/s with {args.clients} clients "
        f"(medians of {args.sse_rounds} rounds; p50 without/with: "
        + ", ".join(f"{q:.1f}/{b:.1f}" for (_, q), (_, b) in zip(quiet, busy, strict=True))
        + ")"
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
            "LOG_LEVEL": "WARNING",
        }
        gateway = start_gateway(cluster, production)
        env = dict(gateway.env, HTTP_PORT=str(free_port()))
        baseline = GatewayProcess(
            int(env["HTTP_PORT"]),
            env,
            tmp / "trivial.log",
            app="scripts.bench_gateway:trivial_app()",
        )
        baseline.start()
        print(
            f"machine: {args.machine}; {args.clients} concurrent clients, "
            f"{args.rounds} rounds of {args.seconds} s each"
        )

        trivial = "trivial Flask endpoint"
        cases: dict[str, tuple[str, Call]] = {
            trivial: (f"http://127.0.0.1:{baseline.port}", ("GET", "/api/v1/ping", {}, b"")),
            **{name: (gateway.url, call) for name, call in (await ride_calls(gateway.url)).items()},
        }
        r = cases["GET /rider/requests/{id}"][1][2]
        results = {name: ([], [], 0) for name in cases}
        for last in [False] * args.rounds + [True]:
            for name, (url, call) in cases.items():
                rate, lat, err = await load(url, args.clients, args.seconds, call)
                rates, latencies, errors = results[name]
                results[name] = ([*rates, rate], [*latencies, lat], errors + err)
                if last:
                    break  # the baseline run that closes the last round
        base_runs = results.pop(trivial)
        report(trivial, *base_runs, None)
        for name, (rates, latencies, errors) in results.items():
            report(name, rates, latencies, errors, base_runs[0])

        if args.sse_rounds > 0:
            await idle_streams(args, gateway.url, cases["GET /stations"][1], r)
    finally:
        for proc in (gateway, baseline):
            if proc is not None and proc.proc is not None:
                proc.stop()
        cluster.stop_all()
        mongo.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--sse-rounds", type=int, default=3, help="rounds with/without streams")
    parser.add_argument("--streams", type=int, default=500)
    parser.add_argument("--machine", default=f"{__import__('os').cpu_count()} cores")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
