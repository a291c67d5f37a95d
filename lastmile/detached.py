"""A whole local run started in the background (`lastmile up` on a free block of ports in a
given home), for tests and benchmarks to drive through the `lastmile` command."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from lastmile.layout import SERVICES
from lastmile.probes import PortInUse, check_free

LASTMILE = str(Path(sys.executable).with_name("lastmile"))
# A developer's own settings must not leak into the run under test.
ENV = {
    k: v
    for k, v in os.environ.items()
    if k not in ("MONGODB_URI", "SIM") and not k.startswith(("JWT_", "STREAM_TICKET_SECRET"))
}
SPAN = 100  # every port of a run lies within base .. base + SPAN
# Where runs' port blocks are picked; parallel test processes each set a range of their own.
PORT_RANGE = (12_000, 30_000)


def _free_range(rng: random.Random) -> int:
    for _ in range(200):
        base = rng.randrange(PORT_RANGE[0], PORT_RANGE[1] - SPAN, SPAN)
        try:
            for port in range(base, base + SPAN):
                check_free("test", port)
        except PortInUse:
            continue
        return base
    raise RuntimeError("no free port range")


@dataclass
class Run:
    home: Path
    args: list[str]
    http_port: int
    mongo_port: int = 0
    base_port: int = 0
    env: dict[str, str] = field(default_factory=lambda: dict(ENV))
    proc: subprocess.Popen[bytes] | None = None

    @property
    def prometheus_port(self) -> int:
        return self.base_port + 98

    def port_of(self, service: str) -> int:
        return self.base_port + SERVICES.index(service)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}/api/v1"

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [LASTMILE, *args, "--home", str(self.home)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=ENV,
        )

    def up(self) -> None:
        self.proc = subprocess.Popen(
            [LASTMILE, "up", "--home", str(self.home), *self.args],
            stdout=open(self.home.parent / "up.out", "ab"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            env=self.env,
        )
        self.wait_ready(60)

    def wait_ready(self, timeout: float) -> float:
        """Seconds until /readyz answers 200 and the supervisor has started every process (the
        gateway is ready before the tiers after it, Prometheus with --observe, are up)."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            assert self.proc is not None and self.proc.poll() is None, self.output()
            try:
                ready = httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready and self._phase() == "running":
                return time.monotonic() - started
            time.sleep(0.2)
        raise AssertionError(f"not ready in {timeout} s:\n{self.output()}")

    def _phase(self) -> str:
        answer = self.cli("status", "--json")
        try:
            return json.loads(answer.stdout).get("phase", "") if answer.returncode == 0 else ""
        except json.JSONDecodeError:
            return ""

    def status(self) -> dict:
        answer = self.cli("status", "--json")
        assert answer.returncode == 0, answer.stdout + answer.stderr
        return json.loads(answer.stdout)

    def pid_of(self, name: str) -> int:
        (pid,) = [p["pid"] for p in self.status()["processes"] if p["name"] == name]
        return pid

    def output(self) -> str:
        return (self.home.parent / "up.out").read_text(errors="replace")[-4000:]


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); it is gone as far as running goes.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def start_run(home: Path, *extra: str, env: dict[str, str] | None = None) -> Run:
    """`lastmile up` on a free block of ports, waiting until /readyz answers; `env` is added
    to the run's environment (fault injection, say)."""
    base = _free_range(random.Random())
    args = [
        "--base-port", str(base),
        "--metrics-base-port", str(base + 50),
        "--http-port", str(base + 96),
        "--mongo-port", str(base + 97),
        "--prometheus-port", str(base + 98),
        *extra,
    ]  # fmt: skip
    run = Run(
        home, args, base + 96, mongo_port=base + 97, base_port=base, env={**ENV, **(env or {})}
    )
    run.up()
    return run
