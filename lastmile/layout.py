"""What a local run consists of: every process, its command, ports and environment.

Ports follow the base port: service i of `SERVICES` listens on `base_port + i`, and matching
replica k on `matching port + 10*k`. Every client is given all five possible matching
addresses (`ipv4:` target, round_robin), so scaling needs no reconfiguration: replicas that
are not running are simply skipped, exactly as a headless Service's endpoints come and go.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

from common.peers import STUB_CLASSES
from common.settings import DEFAULT_PORTS
from lastmile.state import RunKeys

ROOT = Path(__file__).resolve().parent.parent
SERVICES: tuple[str, ...] = tuple(STUB_CLASSES)
MAX_MATCHING_REPLICAS = 5
REPLICA_PORT_STEP = 10
SCALABLE = "matching"
KEY_VARIABLES = ("JWT_", "STREAM_TICKET_SECRET")


@dataclass(frozen=True)
class RunConfig:
    """The settings of one local run (all from `lastmile up` options)."""

    home: Path
    base_port: int = DEFAULT_PORTS["user"]
    metrics_base_port: int = 9101
    http_port: int = 8080
    http_host: str = "127.0.0.1"
    mongo_port: int = 27017
    mongodb_uri: str = ""  # set: use this database and start none
    db_name: str = "lastmile"
    matching_replicas: int = 2
    simulate: bool = False
    simulate_args: tuple[str, ...] = ()
    observe: bool = False  # also run Prometheus, scraping every process
    prometheus_port: int = 9090
    keys: RunKeys | None = field(default=None, repr=False)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def traces(self) -> Path:
        return traces_of(self.home)

    @property
    def embedded_db(self) -> bool:
        return not self.mongodb_uri

    @property
    def database_uri(self) -> str:
        return self.mongodb_uri or f"mongodb://127.0.0.1:{self.mongo_port}/?directConnection=true"

    @property
    def gateway_url(self) -> str:
        return f"http://{self.http_host}:{self.http_port}"

    def port_of(self, service: str, replica: int = 0) -> int:
        return self.base_port + SERVICES.index(service) + REPLICA_PORT_STEP * replica

    def metrics_port_of(self, service: str, replica: int = 0) -> int:
        return self.metrics_base_port + SERVICES.index(service) + REPLICA_PORT_STEP * replica

    def address_of(self, service: str) -> str:
        if service == SCALABLE:
            replicas = range(MAX_MATCHING_REPLICAS)
            return "ipv4:" + ",".join(f"127.0.0.1:{self.port_of(service, k)}" for k in replicas)
        return f"127.0.0.1:{self.port_of(service)}"


@dataclass(frozen=True)
class ProcessSpec:
    """One process of the run. `health` says how to probe it: grpc, http or mongo."""

    name: str
    argv: tuple[str, ...]
    env: dict[str, str]
    ports: dict[str, int]  # what each port is for -> port
    health: str
    service: str = ""
    replica: int = 0

    @property
    def main_port(self) -> int:
        return next(iter(self.ports.values()))


def traces_of(home: Path) -> Path:
    """Where a run's processes write their spans."""
    return home / "traces"


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def base_env(config: RunConfig) -> dict[str, str]:
    """The environment every LastMile process of the run shares."""
    # Keys are handed to the processes that need them, below; none is inherited.
    env = {k: v for k, v in os.environ.items() if not k.startswith(KEY_VARIABLES)}
    env.update(
        MONGODB_URI=config.database_uri,
        MONGODB_DB=config.db_name,
        PYTHONUNBUFFERED="1",
        GRPC_HOST="127.0.0.1",
    )
    env.setdefault("TRACES_DIR", str(config.traces))
    env.update({f"{s.upper()}_ADDR": config.address_of(s) for s in SERVICES})
    if config.keys:
        env["JWT_PUBLIC_KEYS_FILE"] = str(config.keys.public_keys)
    return env


# Every client of a local run is 127.0.0.1 (the browser, `lastmile simulate`, the load
# generator), so its per-address limits are lifted unless the environment sets them; the
# per-phone log-in limit stays.
LOCAL_ADDRESS_LIMITS = {
    "SIGNUP_LIMIT_PER_ADDRESS": "100000/hour",
    "LOGIN_LIMIT_PER_ADDRESS": "100000/hour",
}


def user_env(config: RunConfig) -> dict[str, str]:
    """The user service alone signs tokens."""
    env = {"JWT_PRIVATE_KEY_FILE": str(config.keys.signing_key)} if config.keys else {}
    env |= {k: os.environ.get(k, v) for k, v in LOCAL_ADDRESS_LIMITS.items()}
    return env


def database_spec(config: RunConfig) -> ProcessSpec:
    argv = (
        sys.executable,
        "-m",
        "lastmile.database",
        "--host",
        "127.0.0.1",
        "--port",
        str(config.mongo_port),
        "--storage-path",
        str(config.data),
        "--log-level",
        "WARNING",
        # Every acknowledged write is on disk before the answer: a crash loses nothing
        # (measured: half the insert rate, 762 against 1,573 per second).
        "--sync-on-commit",
    )
    return ProcessSpec("database", argv, dict(os.environ), {"mongo": config.mongo_port}, "mongo")


def service_spec(config: RunConfig, service: str, replica: int = 0) -> ProcessSpec:
    port, metrics = config.port_of(service, replica), config.metrics_port_of(service, replica)
    env = base_env(config) | {"GRPC_PORT": str(port), "METRICS_PORT": str(metrics)}
    if service == "user":
        env |= user_env(config)
    name = service if service != SCALABLE else f"{service}-{replica + 1}"
    argv = (sys.executable, "-m", f"services.{service}.server")
    ports = {"gRPC": port, "metrics": metrics}
    return ProcessSpec(name, argv, env, ports, "grpc", service, replica)


def gateway_spec(config: RunConfig) -> ProcessSpec:
    env = base_env(config) | {"HTTP_HOST": config.http_host, "HTTP_PORT": str(config.http_port)}
    if config.keys:
        env["STREAM_TICKET_SECRET_FILE"] = str(config.keys.ticket_secret)
    argv = (_bin("gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "gateway.app:main()")
    return ProcessSpec("gateway", argv, env, {"HTTP": config.http_port}, "http")


def simulator_spec(config: RunConfig) -> ProcessSpec:
    argv = (
        _bin("lastmile"),
        "simulate",
        "--gateway",
        config.gateway_url,
        "--quiet",
        *config.simulate_args,
    )
    return ProcessSpec("simulator", argv, dict(os.environ), {}, "none")


def prometheus_spec(config: RunConfig) -> ProcessSpec:
    """Debian's Prometheus on loopback, its data under the run's home (lastmile/observe.py
    writes its configuration and keeps its targets)."""
    folder = config.home / "prometheus"
    argv = (
        shutil.which("prometheus") or "/usr/bin/prometheus",
        f"--config.file={folder / 'prometheus.yml'}",
        f"--storage.tsdb.path={folder / 'data'}",
        f"--web.listen-address=127.0.0.1:{config.prometheus_port}",
        "--log.level=warn",
    )
    return ProcessSpec(
        "prometheus", argv, dict(os.environ), {"HTTP": config.prometheus_port}, "prometheus"
    )


def plan(config: RunConfig) -> list[list[ProcessSpec]]:
    """The processes in start order, in tiers: each tier starts once the one before is healthy
    (every service may start at once: calls to a peer that is not up yet wait for it)."""
    tiers: list[list[ProcessSpec]] = []
    if config.embedded_db:
        tiers.append([database_spec(config)])
    services = [service_spec(config, s) for s in SERVICES if s != SCALABLE]
    services += [service_spec(config, SCALABLE, k) for k in range(config.matching_replicas)]
    tiers.append(services)
    tiers.append([gateway_spec(config)])
    if config.observe:
        tiers.append([prometheus_spec(config)])
    if config.simulate:
        tiers.append([simulator_spec(config)])
    return tiers
