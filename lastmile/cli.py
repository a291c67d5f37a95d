"""`lastmile up | down | status | scale | trace | simulate | operator create`."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from lastmile import traces
from lastmile.layout import MAX_MATCHING_REPLICAS, SCALABLE, RunConfig, traces_of
from lastmile.state import AlreadyRunning, Home

NOT_RUNNING = 3

_home_option = click.option(
    "--home",
    envvar="LASTMILE_HOME",
    default=".lastmile",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the run: database files, logs, status. [env LASTMILE_HOME]",
)


@click.group()
def main() -> None:
    """Run LastMile locally, and drive it with simulated riders and drivers."""


@main.command()
@_home_option
@click.option(
    "--base-port",
    envvar="LASTMILE_BASE_PORT",
    default=50051,
    show_default=True,
    type=click.IntRange(1024, 65000),
    help="gRPC port of the user service; the "
    "others follow (station +1 ... notification +7, matching replica k +10k).",
)
@click.option(
    "--metrics-base-port",
    envvar="LASTMILE_METRICS_BASE_PORT",
    default=9101,
    show_default=True,
    type=click.IntRange(1024, 65000),
    help="Prometheus port of the user service; the others follow likewise.",
)
@click.option(
    "--http-port",
    envvar="HTTP_PORT",
    default=8080,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the gateway (UI and API).",
)
@click.option(
    "--mongo-port",
    envvar="LASTMILE_MONGO_PORT",
    default=27017,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port of the embedded database.",
)
@click.option(
    "--mongodb-uri",
    envvar="MONGODB_URI",
    default="",
    help="Use this MongoDB and start no embedded database. [env MONGODB_URI]",
)
@click.option("--db-name", envvar="MONGODB_DB", default="lastmile", show_default=True)
@click.option(
    "--matching-replicas",
    envvar="MATCHING_REPLICAS",
    default=2,
    show_default=True,
    type=click.IntRange(1, MAX_MATCHING_REPLICAS),
)
@click.option(
    "--simulate/--no-simulate",
    envvar="SIM",
    default=False,
    help="Also run the traffic simulator against the gateway. [env SIM=1]",
)
@click.option(
    "--observe/--no-observe",
    envvar="OBSERVE",
    default=False,
    help="Also run Prometheus (Debian's package), scraping every process, with LastMile's "
    "alert rules. [env OBSERVE=1]",
)
@click.option(
    "--prometheus-port",
    envvar="LASTMILE_PROMETHEUS_PORT",
    default=9090,
    show_default=True,
    type=click.IntRange(1024, 65535),
    help="Port of Prometheus, with --observe.",
)
def up(
    home: Path,
    base_port: int,
    metrics_base_port: int,
    http_port: int,
    mongo_port: int,
    mongodb_uri: str,
    db_name: str,
    matching_replicas: int,
    simulate: bool,
    observe: bool,
    prometheus_port: int,
) -> None:
    """Start the database, the eight services, the gateway (and the simulator) in the
    foreground; Ctrl-C stops them all."""
    from lastmile.supervisor import Supervisor

    if observe and shutil.which("prometheus") is None:
        raise click.ClickException("prometheus is missing: `make prometheus` installs it")
    run_home = Home(home.resolve())
    try:
        keys = run_home.keys()
    except OSError as exc:
        raise click.ClickException(f"cannot use {home}: {exc}") from None
    config = RunConfig(
        home=run_home.path,
        base_port=base_port,
        metrics_base_port=metrics_base_port,
        http_port=http_port,
        mongo_port=mongo_port,
        mongodb_uri=mongodb_uri,
        db_name=db_name,
        matching_replicas=matching_replicas,
        simulate=simulate,
        observe=observe,
        prometheus_port=prometheus_port,
        keys=keys,
    )
    try:
        code = Supervisor(config, run_home, lambda text: click.echo(text)).run()
    except AlreadyRunning as exc:
        raise click.ClickException(
            f"{exc}; see `lastmile status`, or stop it with `lastmile down`"
        ) from None
    sys.exit(code)


@main.command()
@_home_option
@click.option("--timeout", default=90.0, show_default=True, help="Seconds to wait.")
def down(home: Path, timeout: float) -> None:
    """Stop a running LastMile (every process, in order) and report how each ended."""
    run_home = Home(home.resolve())
    pid = run_home.running_pid()
    if pid is None:
        click.echo("LastMile is not running here.")
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while run_home.running_pid() is not None:
        if time.monotonic() > deadline:
            raise click.ClickException(f"supervisor {pid} still running after {timeout:.0f} s")
        time.sleep(0.2)
    status = run_home.read_status() or {}
    for process in status.get("processes", []):
        click.echo(f"{process['name']:<14} exit {process.get('lastExit')}")
    click.echo("LastMile stopped.")


@main.command()
@_home_option
@click.option("--json", "as_json", is_flag=True, help="Print the raw status document.")
def status(home: Path, as_json: bool) -> None:
    """Each process: pid, ports, state, health, restarts. Exit 3 when not running."""
    run_home = Home(home.resolve())
    snapshot = run_home.read_status()
    if run_home.running_pid() is None or snapshot is None:
        click.echo("LastMile is not running here.")
        sys.exit(NOT_RUNNING)
    if as_json:
        import json

        click.echo(json.dumps(snapshot, indent=1))
        return
    table = Table(title=f"LastMile {snapshot['phase']} at {snapshot['url']}")
    for column in ("process", "pid", "port", "state", "health", "restarts", "last exit", "up"):
        table.add_column(column, no_wrap=True)
    for p in snapshot["processes"]:
        port = next(iter((p.get("ports") or {"": "-"}).values()))
        last_exit = "-" if p["lastExit"] is None else str(p["lastExit"])
        table.add_row(
            p["name"], str(p["pid"] or "-"), str(port), p["state"], p["health"],
            str(p["restarts"]), last_exit, f"{p['uptimeS']:.0f} s",
        )  # fmt: skip
    Console(width=max(100, Console().width)).print(table)


@main.command()
@_home_option
@click.argument("service")
@click.argument("replicas", type=click.IntRange(1, MAX_MATCHING_REPLICAS))
@click.option("--timeout", default=60.0, show_default=True)
def scale(home: Path, service: str, replicas: int, timeout: float) -> None:
    """Run REPLICAS processes of SERVICE (only matching scales, 1 to 5)."""
    if service != SCALABLE:
        raise click.BadParameter(
            f"only {SCALABLE} scales; the others own state", param_hint="SERVICE"
        )
    run_home = Home(home.resolve())
    if run_home.running_pid() is None:
        click.echo("LastMile is not running here.")
        sys.exit(NOT_RUNNING)
    run_home.want_replicas(service, replicas)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        processes = (run_home.read_status() or {}).get("processes", [])
        serving = [
            p
            for p in processes
            if p["name"].startswith(f"{service}-")
            and p["health"] == "serving"
            and p["state"] == "running"
        ]
        if (
            len(serving) == replicas
            and len([p for p in processes if p["name"].startswith(f"{service}-")]) == replicas
        ):
            click.echo(f"{service}: {replicas} replicas serving")
            return
        time.sleep(0.3)
    raise click.ClickException(f"{service} did not reach {replicas} serving replicas in time")


@main.command()
@_home_option
@click.argument("trace_id", required=False)
@click.option("--last-slow", is_flag=True, help="The latest trace whose request was slow.")
@click.option(
    "--slower-than",
    default=500.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Milliseconds that make a request slow, for --last-slow.",
)
def trace(home: Path, trace_id: str | None, last_slow: bool, slower_than: float) -> None:
    """Print one trace of the run as a tree with its timings: the trace id the gateway
    answered in `traceresponse` (00-<trace id>-<span id>-<flags>), or the latest slow one."""
    folder = traces_of(home.resolve())
    if not folder.is_dir():
        raise click.ClickException(f"no traces under {folder} (a run writes them there)")
    if trace_id and trace_id.count("-") == 3:
        trace_id = trace_id.split("-")[1]  # a whole traceresponse / traceparent value
    if last_slow == bool(trace_id):
        raise click.UsageError("give a trace id or --last-slow (one of them)")
    if last_slow:
        trace_id = traces.last_slow(traces.read_spans(folder), slower_than)
        if trace_id is None:
            raise click.ClickException(f"no request took {slower_than:g} ms or more")
    lines = traces.draw(traces.read_spans(folder, trace_id))
    if not lines:
        raise click.ClickException(f"no spans of trace {trace_id} under {folder}")
    click.echo("\n".join(lines))


@main.command()
@click.option(
    "--gateway", default="http://127.0.0.1:8080", show_default=True, help="Base URL of the gateway."
)
@click.option("--drivers", default=6, show_default=True, type=click.IntRange(1, 500))
@click.option(
    "--riders-per-minute", default=30.0, show_default=True, type=click.FloatRange(0.1, 10_000)
)
@click.option(
    "--duration",
    default=0.0,
    show_default=True,
    type=click.FloatRange(0),
    help="Seconds to run; 0 runs until Ctrl-C.",
)
@click.option("--speed-kmh", default=30.0, show_default=True, type=click.FloatRange(5, 120))
@click.option(
    "--speedup",
    default=10.0,
    show_default=True,
    type=click.FloatRange(1, 100),
    help="Simulated seconds per real second (cars cover speed x speedup).",
)
@click.option("--seed", default=None, type=int, help="Random seed, for a repeatable run.")
@click.option(
    "--max-errors",
    default=0,
    show_default=True,
    type=click.IntRange(0),
    help="Exit 1 when more requests than this fail.",
)
@click.option("--quiet", is_flag=True, help="A log line every 10 s instead of a live line.")
def simulate(
    gateway: str,
    drivers: int,
    riders_per_minute: float,
    duration: float,
    speed_kmh: float,
    speedup: float,
    seed: int | None,
    max_errors: int,
    quiet: bool,
) -> None:
    """Drivers drive routes through the stations and riders arrive at them, all through the
    public REST API; prints requests, matches, trips completed and errors."""
    from lastmile.simulate import SimConfig, run_simulation

    config = SimConfig(
        gateway=gateway.rstrip("/"),
        drivers=drivers,
        riders_per_minute=riders_per_minute,
        duration_s=duration,
        speed_mps=speed_kmh / 3.6,
        speedup=speedup,
        seed=seed,
        quiet=quiet,
    )
    counts = run_simulation(config)
    if counts.errors > max_errors:
        click.echo(f"{counts.errors} requests failed (allowed {max_errors})", err=True)
        sys.exit(1)


def _read(path: Path | None) -> str:
    """A mounted Secret's text, or "" without a path."""
    return path.read_text().strip() if path else ""


@main.group()
def operator() -> None:
    """Operator accounts (they cannot be made through the public API)."""


@operator.command("create")
@click.option("--name", required=True, help="The operator's name.")
@click.option("--phone", required=True, help="The operator's phone number (log-in).")
@click.option(
    "--password",
    envvar="OPERATOR_PASSWORD",
    help="Asked for when not given. [env OPERATOR_PASSWORD]",
)
@click.option(
    "--password-file",
    envvar="OPERATOR_PASSWORD_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the password from this file (a mounted Secret). [env OPERATOR_PASSWORD_FILE]",
)
@click.option(
    "--mongodb-uri",
    envvar="MONGODB_URI",
    default="mongodb://127.0.0.1:27017/?directConnection=true",
    show_default=True,
    help="The user service's database (a local run's by default). [env MONGODB_URI]",
)
@click.option(
    "--mongodb-uri-file",
    envvar="MONGODB_URI_FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the connection string from this file (a mounted Secret). [env MONGODB_URI_FILE]",
)
@click.option("--db-name", envvar="MONGODB_DB", default="lastmile", show_default=True)
@click.option("--region", envvar="PHONE_REGION", default="IN", show_default=True)
def create_operator_command(
    name: str,
    phone: str,
    password: str | None,
    password_file: Path | None,
    mongodb_uri: str,
    mongodb_uri_file: Path | None,
    db_name: str,
    region: str,
) -> None:
    """Create an operator account, who may log in to the operations view."""
    import asyncio

    password = _read(password_file) or password
    mongodb_uri = _read(mongodb_uri_file) or mongodb_uri
    if not password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)

    from common.errors import DomainError
    from services.user.operators import create_operator

    try:
        doc = asyncio.run(create_operator(mongodb_uri, db_name, name, phone, password, region))
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(f"operator {doc['_id']} created: {doc['name']}, {doc['phone']}")


@main.group()
def keys() -> None:
    """Token signing keys."""


@keys.command("roll")
@click.option("--private-file", required=True, type=click.Path(path_type=Path))
@click.option("--kid-file", required=True, type=click.Path(path_type=Path))
@click.option("--jwks", "jwks_file", required=True, type=click.Path(path_type=Path))
def roll_keys(private_file: Path, kid_file: Path, jwks_file: Path) -> None:
    """Make a new signing key (its kid written to --kid-file) and add its public half to the
    JWK Set beside the previous key, which keeps verifying the tokens it signed."""
    from datetime import UTC, datetime

    from common.tokens import write_key_pair

    kid = datetime.now(UTC).strftime("k%Y%m%d%H%M%S")
    write_key_pair(private_file, jwks_file, kid)
    kid_file.write_text(kid)
    click.echo(f"new signing key {kid}; {jwks_file} holds the previous one too")


@keys.command("local")
@click.option(
    "--home",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The keys go into its keys/: private/ (the user service's), public/, gateway/.",
)
@click.option(
    "--owner",
    type=int,
    default=None,
    help="Give the files to this uid (and gid), so containers running as it read them (root only).",
)
def local_keys(home: Path, owner: int | None) -> None:
    """The keys of a machine-local system (compose.yaml), made once and kept, as `lastmile up`
    keeps its own: the signing key, its public half, the gateway's stream-ticket key."""
    made = Home(home).keys()
    if owner is not None:
        for path in [made.folder, *made.folder.rglob("*")]:
            os.chown(path, owner, owner)
    click.echo(f"keys in {made.folder}")
