"""One supervised child process: start, restart with back-off, graceful stop."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from lastmile.layout import ProcessSpec

# Restart delays double from 1 s to 30 s, and reset once a process has run for 60 s: the shape
# of Kubernetes' CrashLoopBackOff, with shorter steps for a laptop.
FIRST_BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
STABLE_AFTER_S = 60.0


def backoff_after(failures: int) -> float:
    """Delay before restart number `failures` (1-based)."""
    return min(MAX_BACKOFF_S, FIRST_BACKOFF_S * 2 ** max(0, failures - 1))


@dataclass
class Child:
    spec: ProcessSpec
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    failures: int = 0  # consecutive, for the back-off
    started_at: float = 0.0
    restart_at: float | None = None
    last_exit: int | None = None
    health: str = "unknown"
    stopping: bool = False

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc and self.proc.poll() is None else None

    @property
    def state(self) -> str:
        if self.proc is not None and self.proc.poll() is None:
            return "stopping" if self.stopping else "running"
        if self.restart_at is not None:
            return "backoff"
        return "stopped"

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                # Through the guard: if the supervisor itself is killed, the kernel sends the
                # child SIGTERM, so no process of a run outlives it.
                (sys.executable, "-m", "lastmile.guard", str(os.getpid()), *self.spec.argv),
                env=self.spec.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Own session: Ctrl-C reaches the supervisor only, which stops the children in
                # order.
                start_new_session=True,
            )
        self.started_at = time.monotonic()
        self.restart_at = None
        self.health = "starting"

    def poll(self, now: float) -> str | None:
        """Notices an exit and schedules the restart; runs a due restart. Returns an event."""
        if self.stopping:
            return None
        if self.proc is not None and self.restart_at is None:
            code = self.proc.poll()
            if code is None:
                if now - self.started_at > STABLE_AFTER_S:
                    self.failures = 0
                return None
            self.last_exit = code
            self.failures += 1
            delay = backoff_after(self.failures)
            self.restart_at = now + delay
            self.health = "down"
            return f"{self.name} exited with {code}; restarting in {delay:.0f} s"
        if self.restart_at is not None and now >= self.restart_at:
            self.restarts += 1
            self.start()
            return f"{self.name} restarted (restart {self.restarts}, pid {self.pid})"
        return None

    def terminate(self) -> None:
        """Asks the process to stop (SIGTERM); `wait` collects it."""
        self.stopping = True
        self.restart_at = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()

    def wait(self, timeout: float) -> int | None:
        """Waits for the exit; SIGKILL after `timeout`. Returns the exit code (None if never
        started)."""
        if self.proc is None:
            return None
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.last_exit = code
        self.health = "stopped"
        return code
