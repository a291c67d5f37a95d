"""What a ride costs: starts the services and the gateway on loopback, runs N rides over the REST
API and prints, per step of the ride, the gRPC calls the services received and the MongoDB
commands they sent (by collection), from the services' own metrics, and the CPU each process
(services, gateway workers, the embedded database) used over the ride's steps, from /proc.

A ride: the rider asks for a ride, the driver offers a route, the driver's client pings twice
on the way to MG Road (the second ping enters the trigger zone and matches), the rider reads
the request, the driver reads the route, picks the rider up, and completes the trip. Sign-ups
are left out (they are not a ride's), and so are the background sweeps: they are set to run
once an hour, and an idle interval as long as a ride is measured and printed beside.

Usage: python scripts/count_ride_calls.py [--rides 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common.geo import destination_point
from tests.e2e_http import bearer, in_minutes, signup
from tests.harness import Cluster, EmbeddedMongo, start_gateway
from tests.ride import ALL, MG_ROAD

STEPS = ("request", "route", "ping", "ping (match)", "read request", "read route", "pick-up",
         "complete")  # fmt: skip
# The background work of the services, made rare so what is counted is the ride's.
QUIET = {"LOG_LEVEL": "WARNING", "EXPIRY_SWEEP_S": "3600"}


def _labels(line: str) -> dict[str, str]:
    inside = line[line.index("{") + 1 : line.index("}")]
    return {k: v.strip('"') for k, v in (p.split("=", 1) for p in inside.split(","))}


def counts(metrics_port: int) -> Counter[str]:
    """Calls received per `grpc Service.Method` and commands sent per `db collection`, from
    one process's /metrics."""
    url = f"http://127.0.0.1:{metrics_port}/metrics"
    text = urllib.request.urlopen(url, timeout=5).read()  # http on loopback  # nosec B310
    out: Counter[str] = Counter()
    for line in text.decode().splitlines():
        if line.startswith("grpc_server_started_total{"):
            labels = _labels(line)
            if labels["grpc_service"] != "grpc.health.v1.Health":
                key = f"grpc {labels['grpc_service'].rsplit('.', 1)[-1]}.{labels['grpc_method']}"
                out[key] += int(float(line.rsplit(" ", 1)[1]))
        elif line.startswith("lastmile_mongodb_commands_total{"):
            labels = _labels(line)
            out[f"db {labels['collection']}"] += int(float(line.rsplit(" ", 1)[1]))
    return out


TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User and system CPU seconds a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_S


def children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    return out


class Meter:
    """Counts of every service and the CPU every process used, taken between the steps of
    the rides."""

    def __init__(self, cluster: Cluster, processes: dict[str, list[int]]) -> None:
        self.cluster = cluster
        self.processes = processes  # what CPU is read of: name -> pids
        self.by_step: dict[str, Counter[str]] = {s: Counter() for s in STEPS}
        self.cpu: Counter[str] = Counter()  # CPU seconds over the steps, by process
        self.idle_cpu: Counter[str] = Counter()
        self._last, self._last_cpu = self._now(), self._cpu_now()

    def _now(self) -> Counter[str]:
        return sum((counts(p.metrics_port) for p in self.cluster.running.values()), Counter())

    def _cpu_now(self) -> Counter[str]:
        return Counter({n: sum(cpu_s(p) for p in pids) for n, pids in self.processes.items()})

    def step(self, name: str, action: Callable[[], object]) -> object:
        result = action()
        now, cpu = self._now(), self._cpu_now()
        self.by_step[name] += now - self._last
        self.cpu.update({n: cpu[n] - self._last_cpu[n] for n in cpu})
        self._last, self._last_cpu = now, cpu
        return result

    def idle(self, seconds: float) -> Counter[str]:
        """What the processes do with no ride, over `seconds`: calls and commands, and (in
        `idle_cpu`) CPU seconds, read as often as a ride's steps read them (the reading costs
        CPU too)."""
        cpu_before = self._cpu_now()
        quiet: Counter[str] = Counter()
        for _ in STEPS:
            time.sleep(seconds / len(STEPS))
            now = self._now()
            quiet += now - self._last
            self._last = now
        cpu = self._cpu_now()
        self.idle_cpu = Counter({n: cpu[n] - cpu_before[n] for n in cpu})
        self._last_cpu = cpu
        return quiet


def ride(http: httpx.Client, meter: Meter) -> None:
    driver = signup(http, "driver", "Ravi", vehicle={"plate": "KA01AB1234", "model": "Swift"})
    rider = signup(http, "rider", "Asha")
    d, r = bearer(driver["token"]), bearer(rider["token"])
    meter.idle(0)  # the sign-ups are not the ride's

    def ok(answer: httpx.Response) -> httpx.Response:
        assert answer.status_code < 300, answer.text
        return answer

    request = {"stationId": "mg-road", "destinationAreaId": "domlur", "arrivalTime": in_minutes(2)}
    route = {"stationIds": ["mg-road", "trinity"], "destinationAreaId": "domlur", "seats": 2}
    asked = meter.step("request", lambda: ok(http.post("/rider/requests", headers=r, json=request)))
    meter.step("route", lambda: ok(http.post("/driver/routes", headers=d, json=route)))

    def ping(metres: float) -> list:
        lat, lon = destination_point(*MG_ROAD, 180, metres)
        answer = ok(http.post("/driver/location", headers=d, json={"lat": lat, "lon": lon}))
        return answer.json()["triggered"]

    assert meter.step("ping", lambda: ping(1500)) == []
    (trigger,) = meter.step("ping (match)", lambda: ping(999))
    trip = trigger["tripId"]
    mine = meter.step(
        "read request", lambda: ok(http.get(f"/rider/requests/{asked.json()['id']}", headers=r))
    ).json()
    assert mine["status"] == "MATCHED"
    meter.step("read route", lambda: ok(http.get("/driver/routes/current", headers=d)))
    told = {"riders": [{"riderId": rider["user"]["id"], "pin": mine["pin"]}]}
    meter.step("pick-up", lambda: ok(http.post(f"/trips/{trip}/pickup", headers=d, json=told)))
    meter.step("complete", lambda: ok(http.post(f"/trips/{trip}/complete", headers=d)))


def report(meter: Meter, rides: int, idle: Counter[str], idle_s: float) -> None:
    total: Counter[str] = sum(meter.by_step.values(), Counter())

    def kind(c: Counter[str], prefix: str) -> float:
        return sum(n for k, n in c.items() if k.startswith(prefix)) / rides

    print(f"{rides} rides; per ride, by step: gRPC calls received, database commands sent")
    for name in STEPS:
        c = meter.by_step[name]
        print(f"  {name:14} {kind(c, 'grpc '):5.1f} calls  {kind(c, 'db '):5.1f} db   " + ", ".join(
            f"{k.split(' ', 1)[1]} {n / rides:.1f}" for k, n in sorted(c.items()) if n
        ))  # fmt: skip
    print(f"  {'per ride':14} {kind(total, 'grpc '):5.1f} calls  {kind(total, 'db '):5.1f} db")
    for prefix, title in (("db ", "database commands by collection"), ("grpc ", "calls by method")):
        items = sorted(((n, k) for k, n in total.items() if k.startswith(prefix)), reverse=True)
        print(f"  {title}: " + ", ".join(f"{k[len(prefix) :]} {n / rides:.2f}" for n, k in items))
    # The ride's own CPU: what the steps used less what the same processes use idle over a
    # ride's time (timers, health checks, the reading of their metrics).
    cpu_ms = {n: 1000 * (v / rides - meter.idle_cpu[n]) for n, v in meter.cpu.items()}
    print(
        f"  CPU per ride {sum(cpu_ms.values()):.0f} ms (idle over a ride's time taken off: "
        f"{1000 * sum(meter.idle_cpu.values()):.0f} ms): "
        + ", ".join(f"{n} {v:.1f}" for n, v in sorted(cpu_ms.items(), key=lambda kv: -kv[1]))
    )
    print(
        f"  idle {idle_s:.0f} s (background work, not counted above): "
        f"{sum(n for k, n in idle.items() if k.startswith('grpc '))} calls, "
        f"{sum(n for k, n in idle.items() if k.startswith('db '))} db"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rides", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        mongo = EmbeddedMongo(Path(tmp))
        mongo.start()
        cluster = Cluster(mongo_uri=mongo.uri, db_name="calls", log_dir=Path(tmp))
        try:
            cluster.start(*ALL, env=QUIET)
            gateway = start_gateway(cluster, QUIET)
            try:
                processes = {p.name: [p.proc.pid] for p in cluster.running.values() if p.proc}
                assert gateway.proc is not None and mongo.proc is not None
                processes["gateway"] = [gateway.proc.pid, *children(gateway.proc.pid)]
                processes["database (embedded)"] = [mongo.proc.pid]
                meter = Meter(cluster, processes)
                started = time.monotonic()
                with httpx.Client(base_url=gateway.url, timeout=30) as http:
                    for _ in range(args.rides):
                        ride(http, meter)
                per_ride = (time.monotonic() - started) / args.rides
                idle = meter.idle(per_ride)
            finally:
                gateway.stop()
        finally:
            cluster.stop_all()
            mongo.stop()
    report(meter, args.rides, idle, per_ride)


if __name__ == "__main__":
    main()
