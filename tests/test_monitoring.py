"""The alert and recording rules pass promtool's checks and unit tests; the Grafana dashboard is
current, parses, and reads only recording rules that exist (what the processes export is
checked against a real run in tests/integration/test_observability.py)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

from scripts import gen_dashboard
from tests.promql import family, metric_names, promtool, unparsable

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "monitoring" / "prometheus" / "rules.yml"
RULE_TESTS = ROOT / "monitoring" / "prometheus" / "rules_test.yml"


def recorded_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["record"] for g in groups for r in g["rules"] if "record" in r}


def alert_names() -> set[str]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return {r["alert"] for g in groups for r in g["rules"] if "alert" in r}


def test_the_rules_pass_promtools_checks() -> None:
    check = subprocess.run(
        [promtool(), "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60
    )
    assert check.returncode == 0, check.stdout + check.stderr


def test_every_alert_has_unit_tests_and_they_pass() -> None:
    tested = {
        case["alertname"]
        for test in yaml.safe_load(RULE_TESTS.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
        if case.get("exp_alerts")  # shown firing, not only silent
    }
    assert tested == alert_names()
    run = subprocess.run(
        [promtool(), "test", "rules", RULE_TESTS.name],
        cwd=RULE_TESTS.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_dashboard_is_current_and_its_queries_parse() -> None:
    assert gen_dashboard.main(["--check"]) == 0, "run `make dashboard`"
    board = json.loads(gen_dashboard.OUT.read_text())
    queries = gen_dashboard.queries(board)
    assert len(queries) >= 15
    assert unparsable(queries) == ""
    # A recording rule the dashboard reads must exist in rules.yml.
    used = {n for q in queries for n in metric_names(q)}
    assert {n for n in used if ":" in n} <= recorded_names()


def test_metric_names_are_read_out_of_expressions() -> None:
    expr = (
        "histogram_quantile(0.99, sum by (job, le) (rate(grpc_server_handling_seconds_bucket"
        '{job!="gateway",le=~"0.1|+Inf"}[5m]))) / on (job) group_left up offset 5m > bool 1e3'
    )
    assert metric_names(expr) == {"grpc_server_handling_seconds_bucket", "up"}
    assert family("lastmile_trip_seats_used_sum") == "lastmile_trip_seats_used"
    assert metric_names("60 * station:lastmile_riders_matched:rate5m") == {
        "station:lastmile_riders_matched:rate5m"
    }
