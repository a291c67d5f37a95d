"""The files a run keeps in its home folder, through which `status`, `scale` and `down` talk to
the supervisor: a locked pid file, a status snapshot, the wanted replica count and the
generated keys."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from common.tokens import write_key_pair

LOCAL_KEY_ID = "local"


@dataclass(frozen=True)
class RunKeys:
    """Where a local run keeps its keys: `private/` is given to the user service only,
    `gateway/` to the gateway only, `public/` to every process that checks tokens."""

    folder: Path

    @property
    def signing_key(self) -> Path:
        return self.folder / "private" / f"{LOCAL_KEY_ID}.pem"

    @property
    def public_keys(self) -> Path:
        return self.folder / "public" / "jwks.json"

    @property
    def ticket_secret(self) -> Path:
        return self.folder / "gateway" / "ticket-secret"


class AlreadyRunning(Exception):
    def __init__(self, pid: int | None) -> None:
        super().__init__(f"LastMile is already running here (supervisor pid {pid})")
        self.pid = pid


class Home:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.pid_file = path / "supervisor.pid"
        self.status_file = path / "status.json"
        self.scale_file = path / "scale.json"
        self._lock: IO[str] | None = None

    def claim(self) -> None:
        """Takes the run's lock (held until the process exits); AlreadyRunning if another
        supervisor holds it."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = open(self.pid_file, "a+")  # noqa: SIM115 - held open for the lock's lifetime
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise AlreadyRunning(self.running_pid()) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock = handle

    def release(self) -> None:
        if self._lock is not None:
            self._lock.seek(0)
            self._lock.truncate()
            self._lock.close()
            self._lock = None

    def running_pid(self) -> int | None:
        """The pid of the supervisor that holds the lock, or None when none runs."""
        if not self.pid_file.exists():
            return None
        with open(self.pid_file) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                text = handle.read().strip()
                return int(text) if text.isdigit() else None
            fcntl.flock(handle, fcntl.LOCK_UN)
            return None

    def keys(self) -> RunKeys:
        """The run's keys, made once and kept (private files mode 0600) so tokens survive a
        restart: the user service's signing key, its public half, the gateway's ticket key."""
        keys = RunKeys(self.path / "keys")
        if not keys.signing_key.exists():
            write_key_pair(keys.signing_key, keys.public_keys, LOCAL_KEY_ID)
        if not keys.ticket_secret.exists():
            keys.ticket_secret.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(keys.ticket_secret, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48))
        return keys

    def write_status(self, status: dict[str, Any]) -> None:
        tmp = self.status_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(status, indent=1))
        tmp.replace(self.status_file)

    def read_status(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.status_file.read_text())
        except (OSError, ValueError):
            return None

    def want_replicas(self, service: str, count: int) -> None:
        wanted = self.wanted_replicas()
        wanted[service] = count
        self.scale_file.write_text(json.dumps(wanted))

    def wanted_replicas(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(self.scale_file.read_text()).items()}
        except (OSError, ValueError, AttributeError):
            return {}
