"""Front-door benchmark: the gateway and the user service under the attacks of a laptop.
Prints figures; asserts nothing.

1. Slow bodies. `--slow` connections (3,000), spread over 30 loopback addresses, each
   announcing a 60 KB body and sending a byte every 2 s; when the gateway cuts one off (408),
   it reconnects, so the attacker holds them all the time. Meanwhile a client from 127.0.0.1
   asks `GET /stations` 20 times a second. Baseline: the same client with no attacker, in the
   same run. Printed: connections held (sampled), 408s, the client's p50/p99 and errors.
2. Sign-up flood. `--flood` clients (16) sign up as fast as they can, each from its own
   address (no per-address limit stops them), while an existing user logs in once a second.
   Baseline: the same log-ins with no flood. Printed: sign-ups/s, refusals and their p50, log-ins
   that succeeded and their p50, hashes abandoned by callers who had gone.

    python scripts/bench_front_door.py [--slow 3000] [--seconds 20] [--flood 16]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lastmile.loadgen.openloop import percentile  # noqa: E402
from tests.harness import Cluster, EmbeddedMongo, start_gateway  # noqa: E402

SERVICES = ("station", "user", "notification", "driver", "rider", "trip", "matching", "location")
PASSWORD = "a good long password"  # benchmark accounts only  # nosec B105


class SlowAttacker:
    """Holds `count` slow-body connections, reconnecting each one the gateway closes."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.open = 0
        self.cut_off = 0  # answered 408
        self.refused = 0  # answered 503 (over a cap)
        self.stop = asyncio.Event()

    async def one(self, source: str) -> None:
        while not self.stop.is_set():
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(source, 0)
                )
            except OSError:
                await asyncio.sleep(0.5)
                continue
            self.open += 1
            try:
                writer.write(
                    b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"
                )
                await writer.drain()
                while not self.stop.is_set():
                    try:
                        answer = await asyncio.wait_for(reader.read(64), 2.0)
                    except TimeoutError:
                        writer.write(b" ")
                        await writer.drain()
                        continue
                    if answer.startswith(b"HTTP/1.1 408"):
                        self.cut_off += 1
                    elif answer.startswith(b"HTTP/1.1 503"):
                        self.refused += 1
                    break
            except OSError:
                pass
            finally:
                self.open -= 1
                writer.close()

    async def run(self) -> None:
        sources = [f"127.0.1.{n + 1}" for n in range(30)]
        await asyncio.gather(*(self.one(sources[i % 30]) for i in range(self.count)))


async def stations_latency(url: str, seconds: float, rate: float = 20) -> tuple[list[float], int]:
    """GET /stations at `rate`/s from 127.0.0.1, each with a 5 s timeout: latencies, errors."""
    latencies: list[float] = []
    errors = 0
    async with httpx.AsyncClient(base_url=url, timeout=5) as client:

        async def once() -> None:
            nonlocal errors
            started = time.perf_counter()
            try:
                answer = await client.get("/stations")
                if answer.status_code != 200:
                    errors += 1
                    return
            except httpx.HTTPError:
                errors += 1
                return
            latencies.append(time.perf_counter() - started)

        tasks = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            tasks.append(asyncio.create_task(once()))
            await asyncio.sleep(1 / rate)
        await asyncio.gather(*tasks)
    return latencies, errors


def ms(values: list[float], q: float) -> str:
    return f"{percentile(sorted(values), q) * 1000:.0f} ms" if values else "n/a"


async def slow_bodies(url: str, port: int, count: int, seconds: float) -> None:
    quiet, quiet_errors = await stations_latency(url, seconds / 2)
    attacker = SlowAttacker(port, count)
    attack = asyncio.create_task(attacker.run())
    await asyncio.sleep(3)  # let it open its connections
    held: list[int] = []

    async def sample() -> None:
        while not attacker.stop.is_set():
            held.append(attacker.open)
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    busy, busy_errors = await stations_latency(url, seconds)
    attacker.stop.set()
    await asyncio.gather(attack, sampler)
    print(
        f"slow bodies: {count} attacker connections wanted, held {min(held)}..{max(held)} "
        f"(median {statistics.median(held):.0f}) over {seconds:.0f} s; cut off with 408: "
        f"{attacker.cut_off}, refused 503: {attacker.refused}"
    )
    print(
        f"  GET /stations from another client: p50 {ms(quiet, 0.5)} -> {ms(busy, 0.5)}, "
        f"p99 {ms(quiet, 0.99)} -> {ms(busy, 0.99)} "
        f"(ratio p99 {percentile(sorted(busy), 0.99) / percentile(sorted(quiet), 0.99):.1f}x), "
        f"errors {quiet_errors} -> {busy_errors} of {len(quiet) + quiet_errors} / "
        f"{len(busy) + busy_errors}"
    )


def flood(url: str, clients: int, seconds: float, users_metric) -> None:
    with httpx.Client(base_url=url, timeout=15) as c:
        phone = "+9199" + str(time.time_ns())[-8:]
        body = {"name": "Existing", "phone": phone, "password": PASSWORD, "role": "rider"}
        assert c.post("/auth/signup", json=body).status_code == 201

    def log_ins(count: int) -> list[tuple[int, float]]:
        out = []
        with httpx.Client(base_url=url, timeout=15) as c:
            for _ in range(count):
                started = time.perf_counter()
                code = c.post("/auth/login", json={"phone": phone, "password": PASSWORD})
                out.append((code.status_code, time.perf_counter() - started))
                time.sleep(1)
        return out

    quiet = log_ins(5)
    stop = threading.Event()
    answers: list[tuple[int, float]] = []
    counter = iter(range(10**9))

    def flooder(n: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.2.{n + 1}")
        with httpx.Client(base_url=url, timeout=15, transport=transport) as c:
            while not stop.is_set():
                number = "+9188" + f"{next(counter):08d}"
                started = time.perf_counter()
                code = c.post(
                    "/auth/signup",
                    json={"name": "F", "phone": number, "password": PASSWORD, "role": "rider"},
                ).status_code
                answers.append((code, time.perf_counter() - started))

    threads = [threading.Thread(target=flooder, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    time.sleep(2)
    busy = log_ins(int(seconds))
    stop.set()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    made = [d for code, d in answers if code == 201]
    refused = [d for code, d in answers if code in (429, 503)]
    late = [d for code, d in answers if code == 503]
    ok_quiet = [d for code, d in quiet if code == 200]
    ok_busy = [d for code, d in busy if code == 200]
    print(
        f"sign-up flood: {clients} clients for {took:.0f} s: {len(made) / took:.1f} sign-ups/s, "
        f"{len(refused)} refused (p50 {ms(refused, 0.5)}; {len(late)} of them 503 after the "
        f"deadline), hashes abandoned {users_metric('abandoned'):.0f} of "
        f"{users_metric('answered') + users_metric('abandoned'):.0f}"
    )
    print(
        f"  an existing user's log-ins: {len(ok_busy)} of {len(busy)} succeeded during the flood "
        f"(p50 {ms(ok_quiet, 0.5)} -> {ms(ok_busy, 0.5)}; without the flood "
        f"{len(ok_quiet)} of {len(quiet)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slow", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--flood", type=int, default=16)
    args = parser.parse_args()
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 65536), hard))
    tmp = Path(tempfile.mkdtemp(prefix="lastmile-doorbench-"))
    mongo = EmbeddedMongo(tmp)
    mongo.start()
    cluster = Cluster(mongo.uri, "doorbench", tmp)
    try:
        cluster.start(*SERVICES, env={"LOG_LEVEL": "WARNING"})
        gateway = start_gateway(cluster, {"GATEWAY_WORKERS": "2", "LOG_LEVEL": "WARNING"})
        try:
            asyncio.run(slow_bodies(gateway.url, gateway.port, args.slow, args.seconds))
            user = cluster.running["user"]

            def hashes(outcome: str) -> float:
                return user.metric("lastmile_password_hashes_total", outcome=outcome)

            flood(gateway.url, args.flood, args.seconds, hashes)
        finally:
            gateway.stop()
    finally:
        cluster.stop_all()
        mongo.stop()


if __name__ == "__main__":
    main()
