"""Open-loop load generator: `python scripts/load_gen.py MODE [options]`.

Modes: `get` (one URL), `api` (REST mix through the gateway), `match` (MatchNow on the
matching service over gRPC), `flow` (whole rides through the gateway, with trigger ->
MATCHED latency). Calls start at a fixed rate whatever the server does, and latency counts
from each call's intended start. Prints a live line, then a table (and `--json FILE`); exits
1 when the share of failed calls exceeds `--max-error-rate`."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.live import Live

from lastmile.loadgen.openloop import Recorder, open_loop
from lastmile.loadgen.report import figures, live_line, print_table, write_json
from lastmile.loadgen.scenarios import (
    ApiScenario,
    FlowScenario,
    GetScenario,
    MatchScenario,
    Scenario,
)


def build(mode: str, opts: dict) -> Scenario:
    if mode == "get":
        return GetScenario(opts["url"] or f"{opts['gateway']}/api/v1/healthz")
    if mode == "api":
        return ApiScenario(
            opts["gateway"], drivers=opts["users"], riders=opts["users"], seed=opts["seed"]
        )
    if mode == "match":
        return MatchScenario(
            opts["gateway"], opts["target"], routes=opts["users"], seed=opts["seed"]
        )
    return FlowScenario(opts["gateway"], users=opts["users"], seed=opts["seed"])


async def run(mode: str, rate: float, duration: float, opts: dict, console: Console) -> dict:
    scenario = build(mode, opts)
    try:
        console.print(f"setting up {mode} …")
        await scenario.setup()
        recorder = Recorder()
        load = asyncio.create_task(open_loop(rate, duration, scenario.call, recorder))
        with Live(console=console, refresh_per_second=2, transient=opts["quiet"]) as live:
            while not load.done():
                live.update(live_line(recorder, recorder.sent - recorder.done))
                await asyncio.wait({load}, timeout=0.5)
            live.update(live_line(recorder, 0))
        await load
        return figures(mode, rate, recorder, scenario.stats)
    finally:
        await scenario.close()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("mode", type=click.Choice(["get", "api", "match", "flow"]))
@click.option(
    "--gateway", default="http://127.0.0.1:8080", show_default=True, help="Gateway base URL."
)
@click.option(
    "--target",
    default="127.0.0.1:50056",
    show_default=True,
    help="match: the matching service (host:port, or a gRPC target such as ipv4:a,b).",
)
@click.option("--url", default="", help="get: the URL (default: the gateway's /api/v1/healthz).")
@click.option(
    "--rate",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Calls (rides) per second.",
)
@click.option(
    "--duration",
    default=30.0,
    show_default=True,
    type=click.FloatRange(0.1),
    help="Seconds of load.",
)
@click.option(
    "--users",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Drivers/riders (routes for match) prepared before the load.",
)
@click.option("--seed", default=None, type=int)
@click.option(
    "--max-error-rate",
    default=0.01,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Exit 1 when failed/sent exceeds this.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the figures here.",
)
@click.option("--quiet", is_flag=True, help="No live line (the table still prints).")
def main(
    mode: str, rate: float, duration: float, max_error_rate: float, json_path: Path | None, **opts
) -> None:
    """Open-loop load against a local run or a port-forwarded cluster."""
    console = Console()
    result = asyncio.run(run(mode, rate, duration, opts, console))
    print_table(result, console)
    if json_path:
        write_json(result, json_path)
    share = result["failed"] / max(result["sent"], 1)
    if share > max_error_rate:
        console.print(f"failed {share:.1%} of calls (allowed {max_error_rate:.1%})")
        sys.exit(1)


if __name__ == "__main__":
    main()
