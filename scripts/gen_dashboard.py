"""Writes the Grafana dashboard `monitoring/grafana/lastmile.json` (`make dashboard`): golden
signals per service (traffic, errors, latency, saturation) and the ride's measures. Panels are
listed here, once; `--check` fails when the file is stale. Every query is checked against the
metrics the processes really export (tests/integration/test_observability.py)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass

from scripts.generated import ROOT, write_or_check

OUT = ROOT / "monitoring" / "grafana" / "lastmile.json"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[tuple[str, str], ...]  # (PromQL, legend)
    unit: str = "short"
    kind: str = "timeseries"
    description: str = ""


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "The ride",
        (
            Panel(
                "Trigger to MATCHED, p99",
                (("lastmile:trigger_to_match_seconds:p99_5m", "p99"),),
                "s",
                description="Objective: 99% of triggers matched within 250 ms.",
            ),
            Panel(
                "Triggers matched within 250 ms",
                (("lastmile:trigger_to_match_within_250ms:ratio_rate5m", "within 250 ms"),),
                "percentunit",
            ),
            Panel(
                "Request to MATCHED, p95 over the last hour",
                (("lastmile:request_to_match_seconds:p95_1h", "p95"),),
                "s",
            ),
            Panel(
                "Riders matched per minute, by station",
                (("60 * station:lastmile_riders_matched:rate5m", "{{station}}"),),
            ),
            Panel(
                "Requests expired unmatched per hour, by reason",
                (("3600 * reason:lastmile_requests_expired:rate1h", "{{reason}}"),),
            ),
            Panel(
                "Riders per completed trip",
                (
                    (
                        "sum(rate(lastmile_trip_seats_used_sum[15m]))"
                        " / sum(rate(lastmile_trip_seats_used_count[15m]))",
                        "mean",
                    ),
                ),
            ),
            Panel(
                "Positions ingested per second",
                (
                    (
                        "sum by (outcome) (rate(lastmile_positions_ingested_total[5m]))",
                        "{{outcome}}",
                    ),
                ),
            ),
            Panel("Live streams open", (("sum(gateway_open_streams)", "streams"),)),
        ),
    ),
    (
        "Golden signals per service",
        (
            Panel("Calls per second", (("job:grpc_server_handled:rate5m", "{{job}}"),), "reqps"),
            Panel(
                "Calls failed (server's fault)",
                (("job:grpc_server_failed:ratio_rate5m", "{{job}}"),),
                "percentunit",
            ),
            Panel(
                "Call latency, p99",
                (("job:grpc_server_handling_seconds:p99_5m", "{{job}}"),),
                "s",
            ),
            Panel(
                "CPU per process (1 = a core)",
                (("job:process_cpu_seconds:rate5m", "{{instance}} {{job}}"),),
            ),
            Panel(
                "Calls in flight, busiest process", (("job:grpc_server_in_flight:max", "{{job}}"),)
            ),
            Panel("Processes up", (("sum by (job) (up)", "{{job}}"),)),
        ),
    ),
    (
        "Gateway and database",
        (
            Panel("REST requests per second", (("gateway:requests:rate5m", "requests"),), "reqps"),
            Panel(
                "REST answers 5xx",
                (("gateway:requests_5xx:ratio_rate5m", "5xx"),),
                "percentunit",
            ),
            Panel("REST latency, p99", (("gateway:request_seconds:p99_5m", "p99"),), "s"),
            Panel(
                "MongoDB commands per second, by collection",
                (
                    (
                        "sum by (collection) "
                        '(rate(lastmile_mongodb_commands_total{collection!=""}[5m]))',
                        "{{collection}}",
                    ),
                ),
                "ops",
            ),
            Panel(
                "MongoDB command latency, p99",
                (("job:lastmile_mongodb_command_seconds:p99_5m", "{{job}}"),),
                "s",
            ),
        ),
    ),
)


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict:
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 8, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(panel.queries)
        ],
    }


def dashboard() -> dict:
    panels: list[dict] = []
    y = 0
    for title, row in ROWS:
        panels.append(
            {
                "id": len(panels) + 1,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        y += 1
        for i, panel in enumerate(row):
            panels.append(_panel(panel, len(panels) + 1, (i % 3) * 8, y + (i // 3) * 8))
        y += ((len(row) + 2) // 3) * 8
    return {
        "uid": "lastmile",
        "title": "LastMile",
        "tags": ["lastmile"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "type": "datasource",
                    "query": "prometheus",
                    "label": "Prometheus",
                }
            ]
        },
        "panels": panels,
    }


def queries(board: dict) -> list[str]:
    """Every PromQL expression of a dashboard."""
    return [t["expr"] for p in board["panels"] for t in p.get("targets", [])]


def rendered() -> str:
    return json.dumps(dashboard(), indent=2) + "\n"


def main(argv: list[str]) -> int:
    return write_or_check(OUT, rendered(), "dashboard", argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
