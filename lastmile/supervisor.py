"""The local supervisor behind `lastmile up`: starts a run's processes tier by tier, restarts
any that die (with back-off), follows `lastmile scale`, publishes a status file, and on
Ctrl-C or SIGTERM stops everything in order and reports how each process ended."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from lastmile import observe
from lastmile.children import Child
from lastmile.layout import (
    MAX_MATCHING_REPLICAS,
    SCALABLE,
    ProcessSpec,
    RunConfig,
    plan,
    service_spec,
)
from lastmile.probes import PortInUse, Prober, check_ports
from lastmile.state import Home

STARTUP_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 30.0
TICK_S = 0.2
PROBE_EVERY_S = 1.0
CONFIG_ERROR = 2  # a LastMile process exits 2 on bad settings: restarting cannot help

# Stop order: traffic sources first, then the gateway, then the services that call others,
# then the rest, the database last.
_STOP_ORDER = ("simulator", "gateway", "location", SCALABLE)


class StartupFailed(Exception):
    pass


def _stop_rank(child: Child) -> int:
    name = child.spec.service or child.name
    if name in _STOP_ORDER:
        return _STOP_ORDER.index(name)
    return len(_STOP_ORDER) + (1 if name == "database" else 0)


class Supervisor:
    def __init__(self, config: RunConfig, home: Home, say: Callable[[str], None]) -> None:
        self.config = config
        self.home = home
        self._say = say
        self.children: list[Child] = []
        self.phase = "starting"
        self.started = datetime.now(UTC)
        self._stop_requested = False
        self._prober = Prober()
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="probe")
        self._last_probe = 0.0
        self._scale_refused: int | None = None

    def say(self, text: str) -> None:
        self._say(f"{datetime.now().strftime('%H:%M:%S')} {text}")

    # --- lifecycle --------------------------------------------------------------------------

    def run(self) -> int:
        """Runs until asked to stop; returns the exit status of `lastmile up`."""
        self.home.claim()
        self._install_signals()
        try:
            tiers = plan(self.config)
            check_ports([spec for tier in tiers for spec in tier])
            if self.config.observe:
                observe.write_config(self.config)
            self.home.want_replicas(SCALABLE, self.config.matching_replicas)
            for tier in tiers:
                self._start_tier(tier)
                if self._stop_requested:
                    return 0
            self.phase = "running"
            self._publish()
            self.say(f"LastMile is up: {self.config.gateway_url}/ (API under /api/v1)")
            self.say("stop with Ctrl-C or `lastmile down`; see `lastmile status`")
            while not self._stop_requested:
                self._tick()
            return 0
        except (StartupFailed, PortInUse) as exc:
            self.say(f"error: {exc}")
            return 1
        finally:
            self._stop_all()
            self._prober.close()
            self._pool.shutdown(wait=False, cancel_futures=True)
            self.home.release()

    def _install_signals(self) -> None:
        def request_stop(signum: int, _frame: object) -> None:
            if not self._stop_requested:
                self.say(f"{signal.Signals(signum).name} received: stopping")
            self._stop_requested = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)

    def _spawn(self, spec: ProcessSpec) -> Child:
        child = Child(spec, self.config.logs / f"{spec.name}.log")
        child.start()
        self.children.append(child)
        self.say(f"started {spec.name} (pid {child.pid}{self._ports_text(spec)})")
        return child

    @staticmethod
    def _ports_text(spec: ProcessSpec) -> str:
        return "".join(f", {what} {port}" for what, port in spec.ports.items())

    def _start_tier(self, tier: list[ProcessSpec]) -> None:
        started = [self._spawn(spec) for spec in tier]
        waiting = [c for c in started if c.spec.health != "none"]
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while waiting and not self._stop_requested:
            if time.monotonic() > deadline:
                names = ", ".join(c.name for c in waiting)
                raise StartupFailed(f"{names} did not become healthy; see {self.config.logs}")
            for child in waiting:
                code = child.proc.poll() if child.proc else None
                if code == CONFIG_ERROR:
                    raise StartupFailed(f"{child.name} refused its configuration:\n{_tail(child)}")
            self._tick()
            waiting = [c for c in waiting if c.health != "serving"]

    def _tick(self) -> None:
        now = time.monotonic()
        for child in list(self.children):
            event = child.poll(now)
            if event:
                self.say(event)
            if child.stopping and child.proc is not None and child.proc.poll() is not None:
                self.children.remove(child)
                self.say(f"{child.name} stopped (exit {child.proc.returncode})")
        if now - self._last_probe >= PROBE_EVERY_S:
            self._last_probe = now
            self._probe()
            if self.phase == "running":
                self._follow_scale()
            self._publish()
        time.sleep(TICK_S)

    def _probe(self) -> None:
        live = [c for c in self.children if c.state == "running"]
        for child, health in zip(
            live, self._pool.map(lambda c: self._prober.probe(c.spec), live), strict=True
        ):
            child.health = health

    # --- scaling ----------------------------------------------------------------------------

    def replicas(self) -> list[Child]:
        return sorted(
            (c for c in self.children if c.spec.service == SCALABLE and not c.stopping),
            key=lambda c: c.spec.replica,
        )

    def _follow_scale(self) -> None:
        wanted = self.home.wanted_replicas().get(SCALABLE)
        if wanted is None:
            return
        wanted = max(1, min(MAX_MATCHING_REPLICAS, wanted))
        current = self.replicas()
        if len(current) < wanted and wanted != self._scale_refused:
            taken = {c.spec.replica for c in current}
            for replica in [k for k in range(MAX_MATCHING_REPLICAS) if k not in taken]:
                if len(self.replicas()) >= wanted:
                    break
                spec = service_spec(self.config, SCALABLE, replica)
                try:
                    check_ports([spec])
                except PortInUse as exc:
                    self.say(f"cannot add {spec.name}: {exc}")
                    self._scale_refused = wanted  # said once, not every second
                    continue
                self._spawn(spec)
        for child in current[wanted:]:
            self.say(f"scaling down: stopping {child.name}")
            child.terminate()

    # --- status -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "supervisorPid": os.getpid(),
            "phase": self.phase,
            "startedAt": self.started.isoformat(),
            "url": self.config.gateway_url,
            "home": str(self.config.home),
            "processes": [
                {
                    "name": c.name,
                    "pid": c.pid,
                    "ports": c.spec.ports,
                    "state": c.state,
                    "health": c.health,
                    "restarts": c.restarts,
                    "lastExit": c.last_exit,
                    "uptimeS": round(now - c.started_at, 1) if c.pid else 0,
                    "log": str(c.log_path),
                }
                for c in self.children
            ],
        }

    def _publish(self) -> None:
        status = self.status()
        self.home.write_status(status)
        if self.config.observe:
            observe.write_targets(self.config, status["processes"])

    # --- stopping ---------------------------------------------------------------------------

    def _stop_all(self) -> None:
        self.phase = "stopping"
        ranks = sorted({_stop_rank(c) for c in self.children})
        ended: list[Child] = []
        for rank in ranks:
            group = [c for c in self.children if _stop_rank(c) == rank]
            for child in group:
                child.terminate()
            for child in group:
                code = child.wait(STOP_TIMEOUT_S)
                if code is not None:
                    self.say(f"{child.name} exited with {code}")
            ended += group
        self.phase = "stopped"
        status = self.status()
        status["processes"] = [
            {"name": c.name, "pid": None, "state": "stopped", "lastExit": c.last_exit}
            for c in ended
        ]
        self.home.write_status(status)
        self.children = []


def _tail(child: Child, lines: int = 15) -> str:
    try:
        text = child.log_path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])
