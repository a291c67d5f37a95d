"""Real processes for tests: the embedded MongoDB-compatible server and LastMile services,
each on free loopback ports, plus stubs to talk to them."""

from __future__ import annotations

import atexit
import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import jwt
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pymongo import MongoClient

from common.channels import aio_channel
from common.peers import STUB_CLASSES as STUBS
from common.tokens import load_private_key, write_key_pair

ROOT = Path(__file__).resolve().parent.parent
SERVICES = tuple(STUBS)
TEST_TICKET_SECRET = "ticket-key-for-lastmile-tests-only-0123456789"
TEST_KEY_ID = "test-key"
# The run's token keys: the private one is given to the user service only.
_KEYS = Path(tempfile.mkdtemp(prefix="lastmile-test-keys-"))
atexit.register(shutil.rmtree, _KEYS, True)
SIGNING_KEY_FILE, PUBLIC_KEYS = _KEYS / "private" / f"{TEST_KEY_ID}.pem", _KEYS / "jwks.json"
write_key_pair(SIGNING_KEY_FILE, PUBLIC_KEYS, TEST_KEY_ID)


def forge_token(claims: dict[str, Any], kid: str = TEST_KEY_ID, key: Any = None) -> str:
    """A token signed with the test signing key (or `key`), as a compromised or careless
    signer would make it."""
    signing = key or load_private_key(SIGNING_KEY_FILE)
    return jwt.encode(claims, signing, algorithm="EdDSA", headers={"kid": kid})


# Limits high enough for a suite whose every client is 127.0.0.1; tests of the limits set
# their own.
GENEROUS_LIMITS = {
    "LOGIN_LIMIT_PER_PHONE": "1000/minute",
    "LOGIN_LIMIT_PER_ADDRESS": "100000/minute",
    "SIGNUP_LIMIT_PER_ADDRESS": "100000/minute",
}


_EPHEMERAL = (
    tuple(int(n) for n in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    if Path("/proc/sys/net/ipv4/ip_local_port_range").exists()
    else (32768, 60999)
)
_taken: set[int] = set()


def port_slice() -> tuple[int, int]:
    """The loopback ports this test process may pick from: below the kernel's ephemeral range,
    split between parallel test workers (pytest-xdist) so two never pick the same one."""
    low, high = 10_000, min(_EPHEMERAL[0], 32_768) - 1
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    size = (high - low) // count
    start = low + int(worker) * size
    return start, start + size - 1


def free_port() -> int:
    """A free loopback port below the kernel's ephemeral range, so that no outgoing connection
    of ours can be holding it by the time a service binds it; never the same twice per run."""
    rng = random.Random()
    low, high = port_slice()
    for _ in range(1000):
        port = rng.randint(low, high)
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        return port
    raise RuntimeError("no free port found")


_log_numbers = itertools.count(1)


def _int_or_zero(text: str) -> int:
    return int(text) if text.isdigit() else 0


def terminate(proc: subprocess.Popen[bytes], timeout: float = 30, signalled: bool = False) -> int:
    """SIGTERM (unless `signalled` already: a second one could land after the process has
    put its handler away, and kill it), then wait; returns the exit code (kills and returns
    -9 on a hang)."""
    if proc.poll() is None:
        if not signalled:
            proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)  # services write their stacks to the log
            time.sleep(1)
            proc.kill()
            proc.wait()
            return -9
    return proc.returncode


def wait_until(
    check: Callable[[], object],
    what: Callable[[], object] | str = "",
    within: float = 10.0,
    pause: float = 0.05,
) -> None:
    """Polls `check` until it is true; after `within` seconds fails saying `what` (called
    then, when it is a function, so it tells the state at the timeout)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out after {within:.0f} s: {what() if callable(what) else what}"
            )
        time.sleep(pause)


def _tail(path: Path, lines: int = 100) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class EmbeddedMongo:
    """secantusd-py as a separate process; `:memory:` storage unless a folder is given."""

    def __init__(self, log_dir: Path, storage: str = ":memory:") -> None:
        self.port = free_port()
        self.storage = storage
        self.log_path = log_dir / f"secantus-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 30) -> None:
        exe = Path(sys.executable).with_name("secantusd-py")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(exe),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--storage-path",
                    self.storage,
                    "--log-level",
                    "WARNING",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"embedded database exited:\n{_tail(self.log_path)}")
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=300) as client:
                    client.admin.command("ping")
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError(f"embedded database did not answer:\n{_tail(self.log_path)}")

    def stop(self) -> None:
        if self.proc:
            terminate(self.proc, 15)


@dataclass
class ServiceProcess:
    name: str
    port: int
    metrics_port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", f"services.{self.name}.server"],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return _tail(self.log_path)

    def metric(self, name: str, **labels: str) -> float:
        """The sum of a Prometheus metric's samples with these labels, read from /metrics."""
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        text = urllib.request.urlopen(url, timeout=5).read().decode()
        total = 0.0
        for line in text.splitlines():
            if line.startswith((name + "{", name + " ")) and all(
                f'{k}="{v}"' in line for k, v in labels.items()
            ):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def health(self, service: str = "", timeout: float = 1.0) -> int:
        """The health status code of `service` ("" = the server as a whole)."""
        with grpc.insecure_channel(self.address) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            return stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout
            ).status

    def wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}:\n{self.log()}")
            try:
                if self.health() == health_pb2.HealthCheckResponse.SERVING:
                    return
            except grpc.RpcError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} did not become healthy:\n{self.log()}")

    def signal(self, sig: int = signal.SIGTERM) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return terminate(self.proc, timeout)


@dataclass
class Cluster:
    """Ports for all eight services are chosen up front, so every process knows its peers."""

    mongo_uri: str
    db_name: str
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: {s: free_port() for s in SERVICES})
    running: dict[str, ServiceProcess] = field(default_factory=dict)
    _channels: dict[str, grpc.aio.Channel] = field(default_factory=dict)

    def env_for(self, name: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("GRPC_", "FAULT_", "JWT_", "STREAM_TICKET_"))
        }
        if name == "user":
            env.update(JWT_PRIVATE_KEY_FILE=str(SIGNING_KEY_FILE), **GENEROUS_LIMITS)
        env.update(
            GRPC_HOST="127.0.0.1",
            GRPC_PORT=str(self.ports.get(name, 0)),
            METRICS_PORT=str(free_port()),
            MONGODB_URI=self.mongo_uri,
            MONGODB_DB=self.db_name,
            JWT_PUBLIC_KEYS_FILE=str(PUBLIC_KEYS),
            LOG_LEVEL="INFO",
            DRAIN_GRACE_S="10",
            PYTHONUNBUFFERED="1",
        )
        env.update({f"{s.upper()}_ADDR": f"127.0.0.1:{p}" for s, p in self.ports.items()})
        env.update(overrides or {})
        return env

    def spawn(self, name: str, env: dict[str, str] | None = None) -> ServiceProcess:
        """Starts a service process without waiting for it."""
        full_env = self.env_for(name, env)
        proc = ServiceProcess(
            name=name,
            port=_int_or_zero(full_env["GRPC_PORT"]),
            metrics_port=_int_or_zero(full_env["METRICS_PORT"]),
            env=full_env,
            log_path=self.log_dir / f"{name}-{next(_log_numbers)}.log",
        )
        proc.start()
        return proc

    def start(self, *names: str, env: dict[str, str] | None = None) -> list[ServiceProcess]:
        """Starts the named services (in parallel) and waits until each reports SERVING."""
        procs = [self.spawn(n, env) for n in names]
        self.running.update({p.name: p for p in procs})
        for p in procs:
            p.wait_healthy()
        return procs

    def start_replicas(
        self, name: str, count: int, env: dict[str, str] | None = None
    ) -> list[ServiceProcess]:
        """Starts `count` processes of one service, each on a port of its own."""
        procs = [
            self.spawn(name, {"GRPC_PORT": str(free_port()), **(env or {})}) for _ in range(count)
        ]
        # Named after those already running, so a second call never hides (and so never
        # stops) the replicas of the first.
        first = sum(1 for key in self.running if key.startswith(f"{name}#"))
        for i, p in enumerate(procs, start=first):
            self.running[f"{name}#{i}"] = p
        for p in procs:
            p.wait_healthy()
        return procs

    def kill(self, proc: ServiceProcess) -> None:
        """kill -9; the process is no longer expected to exit 0 at teardown."""
        assert proc.proc is not None
        proc.proc.kill()
        proc.proc.wait()
        for key, p in list(self.running.items()):
            if p is proc:
                del self.running[key]

    def stub_at(
        self, name: str, address: str, wait_for_ready: bool = True, timeout_s: float = 30
    ) -> Any:
        """A stub of one particular process (e.g. one replica), its calls' deadline `timeout_s`."""
        key = f"{name}@{address}/{wait_for_ready}/{timeout_s}"
        if key not in self._channels:
            self._channels[key] = aio_channel(address, timeout_s, wait_for_ready)
        return STUBS[name](self._channels[key])

    def stub(self, name: str) -> Any:
        """An asyncio stub of a running service; its channel is closed at teardown."""
        if name not in self._channels:
            self._channels[name] = aio_channel(f"127.0.0.1:{self.ports[name]}", timeout_s=10)
        return STUBS[name](self._channels[name])

    async def close_channels(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()

    def stop_all(self) -> dict[str, int]:
        """SIGTERM to each, callers before the services they call (the reverse of the order
        they were started in, as a deployment drains), all signalled before any is waited
        for: they drain side by side, as pods do."""
        stopping = [(n, p) for n, p in reversed(self.running.items()) if p.proc is not None]
        for _, p in stopping:
            if p.proc is not None and p.proc.poll() is None:
                p.signal(signal.SIGTERM)
        return {name: terminate(p.proc, signalled=True) for name, p in stopping if p.proc}


@dataclass
class GatewayProcess:
    """The gateway under gunicorn, as production runs it."""

    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None
    # The WSGI application gunicorn serves (a benchmark's baseline serves another).
    app: str = "gateway.app:main()"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v1"

    def start(self, timeout: float = 30) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(gunicorn), "-c", str(ROOT / "gunicorn.conf.py"), self.app],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited:\n{_tail(self.log_path)}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gateway did not start:\n{_tail(self.log_path)}")

    def stop(self, timeout: float = 30) -> int:
        assert self.proc is not None
        return terminate(self.proc, timeout)


def start_gateway(cluster: Cluster, env: dict[str, str] | None = None) -> GatewayProcess:
    full = cluster.env_for("gateway")
    full.update(
        HTTP_HOST="127.0.0.1",
        HTTP_PORT=str(free_port()),
        GATEWAY_WORKERS="1",
        STREAM_TICKET_SECRET=TEST_TICKET_SECRET,
        DRAIN_GRACE_S="3",
    )
    full.update(env or {})
    gateway = GatewayProcess(int(full["HTTP_PORT"]), full, cluster.log_dir / "gateway.log")
    gateway.start()
    return gateway
