"""`make bench`: runs the benchmarks one after the other (never together: they would
share the two cores) and writes what they printed to docs/benchmarks.md, with the machine
and the date. Each benchmark carries its own baseline, measured in the same run."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "benchmarks.md"
BENCHES = [
    ("Ride flow (gRPC): position ingestion and trigger -> MATCHED latency", "bench_flow.py",
     "baseline: the same position stream into a server that only counts (no service work)"),
    ("Capacity: zone entries per second stepped up until trigger -> MATCHED p99 passes 500 ms",
     "bench_flow.py --steps 5,10,20,40,80",
     "baseline: the first step, 5 entries a second"),
    ("Gateway: proxied endpoints against a trivial Flask endpoint, and idle streams",
     "bench_gateway.py",
     "baseline: a trivial endpoint on the same gunicorn settings, run before and after each "
     "round; a ratio is the median of the rounds' ratios"),
    ("Matching throughput with 1..5 replicas (local supervisor)", "bench_matching.py",
     "baseline: 1 replica"),
    ("Front door: 3,000 slow-body connections, and a sign-up flood", "bench_front_door.py",
     "baseline: the same /stations requests and log-ins with no attacker, in the same run"),
    ("Live rides: 500 drivers' positions pushed to 1,000 riders' streams", "bench_live.py",
     "baseline: the same positions with no stream open, in the same run"),
    ("Tracing overhead: off, 10%, 10% sampled only, 100%", "bench_tracing.py",
     "baseline: the stack with tracing off, in the same round of the same run"),
    ("A commuter morning, simulated: the rule against the optimum", "bench_morning.py",
     "baseline: the maximum-flow optimum of the same mornings"),
    ("A commuter morning through the real system, at 60x, every trigger duplicated",
     "replay_morning.py",
     "baseline: the simulation of the same rule, and the optimum, on the same morning"),
    ("The same morning through the real system with en-route matching within 1 km",
     "replay_morning.py --enroute-m 1000",
     "baseline: the equal-destination optimum of the same morning"),
    ("What a ride costs: gRPC calls, database commands and CPU per step", "count_ride_calls.py",
     "counted from the services' metrics and /proc over 20 rides; background sweeps made "
     "rare"),
]  # fmt: skip


def machine() -> str:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB"
    system = f"{platform.system()} {platform.release()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores ({model or platform.processor()}){memory}, {system}"


def main() -> int:
    sections = []
    for title, command, baseline in BENCHES:
        print(f"== {title}", flush=True)
        script, *args = command.split()
        run = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / script), *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        print(run.stdout, flush=True)
        if run.returncode != 0:
            print(run.stderr[-3000:], file=sys.stderr)
            return run.returncode
        sections.append(
            f"## {title}\n\n`scripts/{command}` ({baseline}).\n\n```\n{run.stdout.strip()}\n```\n"
        )
    OUT.write_text(
        "# Benchmarks\n\n"
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}, by `make bench`"
        " (the runs one after another; load generators on the same machine).\n\n"
        + "\n".join(sections)
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
