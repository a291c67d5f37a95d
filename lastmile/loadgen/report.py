"""The load generator's live line and final table (rich), and the same figures as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lastmile.loadgen.openloop import Recorder, percentile
from lastmile.loadgen.scenarios import Stats


def live_line(recorder: Recorder, in_flight: int) -> str:
    ordered = sorted(recorder.latencies_s[-2000:])
    return (
        f"{recorder.elapsed_s:6.1f} s | sent {recorder.sent} | ok {len(recorder.latencies_s)} | "
        f"failed {sum(recorder.errors.values())} | retries {recorder.retries} | "
        f"in flight {in_flight} | p50 {percentile(ordered, 50) * 1000:.0f} ms | "
        f"p99 {percentile(ordered, 99) * 1000:.0f} ms"
    )


def figures(mode: str, rate: float, recorder: Recorder, stats: Stats) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": mode, "rate_per_s": rate, **recorder.summary()}
    if stats.match_latencies_s:
        ordered = sorted(stats.match_latencies_s)
        out["trigger_to_matched_ms"] = {
            name: round(percentile(ordered, p) * 1000, 2)
            for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
        }
    if stats.notes:
        out["notes"] = dict(stats.notes)
    return out


def print_table(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"load_gen {result['mode']} at {result['rate_per_s']}/s")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rows = [
        ("sent", result["sent"]),
        ("ok", result["ok"]),
        ("failed", result["failed"]),
        ("client retries", result["retries"]),
        ("throughput (ok/s)", result["throughput_per_s"]),
        *((f"latency {k} (ms)", v) for k, v in result["latency_ms"].items()),
        *(
            (f"trigger→MATCHED {k} (ms)", v)
            for k, v in result.get("trigger_to_matched_ms", {}).items()
        ),
        *((f"errors {code}", n) for code, n in sorted(result["errors"].items())),
        *((k, v) for k, v in result.get("notes", {}).items()),
    ]
    for name, value in rows:
        table.add_row(name, str(value))
    console.print(table)


def write_json(result: dict[str, Any], path: Path) -> None:
    path.write_text(json.dumps(result, indent=1) + "\n")
