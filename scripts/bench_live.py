"""Live-ride benchmark: drivers' positions pushed to their riders' browser streams, through the
real gateway and services on the embedded database. Prints figures; asserts nothing.

    python scripts/bench_live.py [--drivers 500] [--riders-per-driver 2] [--seconds 20]

Every driver has a trip with two riders on it (matched for real: requests, a route, a trigger).
The drivers then report a position a second each, spread evenly over the second, through
POST /driver/location; each rider holds the gateway's event stream open, as a browser does.

1. Baseline: the same positions for `--seconds` with no stream open (ingestion, the live feed's
   reads of who rides, nothing to deliver). CPU of every server process, in cores.
2. Live: the same again with every rider's stream open. Latency from the moment a driver's
   client stamps a position (`at`) to the moment its rider's stream yields it, and the CPU;
   the figure is the ratio of the two CPU readings, both measured in this run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.lastmile.v1 import (  # noqa: E402
    common_pb2,
    driver_pb2,
    location_pb2,
    rider_pb2,
    station_pb2,
)
from common.convert import to_timestamp  # noqa: E402
from common.geo import destination_point  # noqa: E402
from lastmile.loadgen.openloop import percentile  # noqa: E402
from tests.harness import (  # noqa: E402
    Cluster,
    EmbeddedMongo,
    GatewayProcess,
    forge_token,
    start_gateway,
)

SERVICES = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")
TICK = os.sysconf("SC_CLK_TCK")


def token(user_id: str, role: str) -> str:
    now = int(time.time())
    claims = {"sub": user_id, "role": role, "iss": "lastmile", "iat": now, "exp": now + 3600}
    return forge_token({**claims, "jti": f"bench-{user_id}"})


# --- CPU of the server processes -----------------------------------------------------------


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for child in children:
            found += _tree(int(child))
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
    return total


def breakdown(before: dict[str, float], after: dict[str, float], seconds: float) -> str:
    """The busiest processes, in cores."""
    used = sorted(((after[n] - before[n]) / seconds, n) for n in before)
    return ", ".join(f"{n} {c:.2f}" for c, n in reversed(used) if c >= 0.02)


# --- a minimal HTTP client ---------------------------------------------------------------


class Connection:
    """HTTP/1.1 keep-alive over asyncio streams: the load must cost less than what it loads."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def post(self, path: str, auth: str, body: bytes) -> int:
        self.writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                await self.reader.readexactly(int(line.split(b":")[1]))
        return int(head.split(b" ", 2)[1])


class Stream:
    """One rider's event stream; records the latency of every `position` event."""

    def __init__(self, port: int, auth: str, latencies: list[float]) -> None:
        self.port, self.auth, self.latencies = port, auth, latencies
        self.connected = asyncio.Event()
        self.recording = False
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(
            (
                "GET /api/v1/notifications/stream HTTP/1.1\r\nHost: bench\r\n"
                f"Authorization: Bearer {self.auth}\r\nAccept: text/event-stream\r\n\r\n"
            ).encode()
        )
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")
        position = False
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if b"connected" in line:
                    self.connected.set()
                elif line.startswith(b"event: position"):
                    position = True
                elif position and b"data: " in line:
                    position = False
                    if self.recording:
                        at = json.loads(line.split(b"data: ", 1)[1])["at"]
                        self.latencies.append(time.time() - datetime.fromisoformat(at).timestamp())
        finally:
            writer.close()


# --- the run -------------------------------------------------------------------------------


async def set_up(cluster: Cluster, drivers: int, per_driver: int) -> list[tuple[str, object]]:
    """Drivers each matched with `per_driver` riders; answers (driver id, station)."""
    stations = (
        await cluster.stub("station").ListStations(station_pb2.ListStationsRequest())
    ).stations
    chains: dict[str, list[int]] = {}
    for i in range(drivers):
        chains.setdefault(stations[i % len(stations)].id, []).append(i)
    by_id = {s.id: s for s in stations}
    plans: list[tuple[str, object]] = []
    matched = 0

    async def chain(station_id: str, numbers: list[int]) -> None:
        nonlocal matched
        s = by_id[station_id]
        area = s.areas[0].id
        for i in numbers:
            driver_id = f"bench-driver-{i}"
            await cluster.stub("driver").CreateRoute(
                driver_pb2.CreateRouteRequest(
                    driver_id=driver_id,
                    station_ids=[s.id],
                    destination_area_id=area,
                    seats=per_driver,
                )
            )
            for k in range(per_driver):
                await cluster.stub("rider").CreateRequest(
                    rider_pb2.CreateRideRequestRequest(
                        rider_id=f"bench-rider-{i}-{k}",
                        station_id=s.id,
                        destination_area_id=area,
                        arrival_time=to_timestamp(datetime.now(UTC) + timedelta(minutes=1)),
                    )
                )
            for metres in (1500, 900):
                lat, lon = destination_point(s.location.lat, s.location.lon, 180, metres)
                answer = await cluster.stub("location").UpdatePosition(
                    location_pb2.PositionUpdate(
                        driver_id=driver_id,
                        position=common_pb2.LatLon(lat=lat, lon=lon),
                        speed_mps=10,
                    )
                )
            matched += sum(len(t.rider_ids) for t in answer.triggered)
            plans.append((driver_id, s))

    await asyncio.gather(*(chain(sid, numbers) for sid, numbers in chains.items()))
    if matched != drivers * per_driver:
        raise SystemExit(f"only {matched} of {drivers * per_driver} riders matched")
    return plans


async def drive(port: int, plans: list[tuple[str, object]], seconds: float, conns: int) -> int:
    """Every driver posts a position a second (evenly spread) for `seconds`; answers how many
    were accepted."""
    tokens = {d: token(d, "driver") for d, _ in plans}
    groups = [plans[i::conns] for i in range(conns)]
    accepted = 0
    start = time.monotonic() + 0.5

    async def one(first: int, group: list[tuple[str, object]]) -> None:
        nonlocal accepted
        conn = await Connection.open(port)
        tick = 0
        while time.monotonic() < start + seconds:
            for j, (driver_id, s) in enumerate(group):
                # Driver number first + j * conns reports at that fraction of each second.
                slot = start + tick + (first + j * conns) / len(plans)
                if (wait := slot - time.monotonic()) > 0:
                    await asyncio.sleep(wait)
                bearing = (tick * 2 + j) % 360
                lat, lon = destination_point(s.location.lat, s.location.lon, bearing, 800)
                body = json.dumps(
                    {
                        "lat": lat,
                        "lon": lon,
                        "speedMps": 10,
                        "at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                    }
                ).encode()
                if await conn.post("/api/v1/driver/location", tokens[driver_id], body) == 202:
                    accepted += 1
            tick += 1
        conn.writer.close()

    await asyncio.gather(*(one(i, g) for i, g in enumerate(groups)))
    return accepted


async def run(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lastmile-bench-live-"))
    mongo = EmbeddedMongo(tmp)
    mongo.start()
    cluster = Cluster(mongo.uri, "bench", tmp)
    gateway: GatewayProcess | None = None
    try:
        cluster.start(*SERVICES, env={"LOG_LEVEL": "WARNING"})
        gateway = start_gateway(
            cluster, {"LOG_LEVEL": "WARNING", "GATEWAY_WORKERS": str(args.workers)}
        )
        print(f"machine: {os.cpu_count()} cores; gateway workers: {args.workers}")
        t0 = time.perf_counter()
        plans = await set_up(cluster, args.drivers, args.riders_per_driver)
        riders = args.drivers * args.riders_per_driver
        print(
            f"setup: {args.drivers} drivers, each with a trip of {args.riders_per_driver} "
            f"matched riders, in {time.perf_counter() - t0:.0f} s"
        )
        assert gateway.proc is not None and mongo.proc is not None
        groups = {n: [p.proc.pid] for n, p in cluster.running.items() if p.proc is not None}
        groups["gateway"] = _tree(gateway.proc.pid)
        groups["database"] = [mongo.proc.pid]
        pids = [pid for group in groups.values() for pid in group]

        def by_process() -> dict[str, float]:
            return {n: cpu_seconds(g) for n, g in groups.items()}

        # 1. Baseline: positions, nobody listening.
        parts = by_process()
        before = cpu_seconds(pids)
        t = time.perf_counter()
        sent = await drive(gateway.port, plans, args.seconds, args.connections)
        idle_cores = (cpu_seconds(pids) - before) / (time.perf_counter() - t)
        took = time.perf_counter() - t
        print(
            f"baseline, no stream open: {sent / args.seconds:,.0f} positions/s accepted, "
            f"servers {idle_cores:.2f} cores ({breakdown(parts, by_process(), took)})"
        )

        # 2. Live: every rider's stream open.
        latencies: list[float] = []
        streams = [
            Stream(gateway.port, token(f"bench-rider-{i}-{k}", "rider"), latencies)
            for i in range(args.drivers)
            for k in range(args.riders_per_driver)
        ]
        await asyncio.wait_for(asyncio.gather(*(s.connected.wait() for s in streams)), 60)
        await asyncio.sleep(3)  # notification replicas learn who listens
        for s in streams:
            s.recording = True
        parts = by_process()
        before = cpu_seconds(pids)
        mine = sum(os.times()[:2])
        t = time.perf_counter()
        sent = await drive(gateway.port, plans, args.seconds, args.connections)
        elapsed = time.perf_counter() - t
        await asyncio.sleep(1.5)  # the last positions land
        took = time.perf_counter() - t
        live_cores = (cpu_seconds(pids) - before) / took
        live_parts = breakdown(parts, by_process(), took)
        client_cores = (sum(os.times()[:2]) - mine) / took
        for s in streams:
            s.recording = False
            s.task.cancel()
        got = sorted(v * 1000 for v in latencies)
        expected = sent * args.riders_per_driver
        print(
            f"live, {riders} streams open: {sent / elapsed:,.0f} positions/s accepted, "
            f"{len(got) / elapsed:,.0f} position events/s delivered "
            f"({len(got) / max(expected, 1):.1%} of {expected:,} owed)"
        )
        if got:
            print(
                f"position -> rider's stream: p50 {percentile(got, 50):.0f} ms, "
                f"p90 {percentile(got, 90):.0f} ms, p99 {percentile(got, 99):.0f} ms, "
                f"max {got[-1]:.0f} ms"
            )
        print(
            f"servers {live_cores:.2f} cores ({live_parts}); this load generator "
            f"{client_cores:.2f} cores on the same machine"
        )
        print(
            f"pushing to {riders} riders costs "
            f"{live_cores - idle_cores:+.2f} cores, {live_cores / idle_cores:.2f}x the baseline"
        )
    finally:
        await cluster.close_channels()
        if gateway is not None:
            gateway.stop()
        cluster.stop_all()
        mongo.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--drivers", type=int, default=500)
    parser.add_argument("--riders-per-driver", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
