"""The whole system from its images, as compose.yaml runs it: a ride through REST, then steady
load while a matching replica and the notification service are killed and brought back by
their restart policy; every ride completes and the stored data holds its invariants. Torn
down, nothing of it is left."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pymongo import MongoClient

from tests.containers.docker import VERSION, Docker
from tests.e2e_http import whole_ride
from tests.harness import ROOT, free_port
from tests.load import Load, assert_rides_went_on

# Long: a test's time includes its fixtures' setup, here the wait for the image build.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

COMPOSE_FILE = ROOT / "compose.yaml"
# Every port compose.yaml takes from the environment.
PORT_VARIABLES = sorted(set(re.findall(r"\$\{(LASTMILE_\w+_PORT):-", COMPOSE_FILE.read_text())))


class Compose:
    """`docker-compose` on compose.yaml, as a project of its own on free loopback ports."""

    def __init__(self, docker: Docker, keys: Path) -> None:
        self.docker = docker
        self.project = f"lmtest{uuid.uuid4().hex[:8]}"
        self.ports = {name: free_port() for name in PORT_VARIABLES}
        self.env = {
            **docker.env,
            **{k: str(v) for k, v in self.ports.items()},
            "LASTMILE_KEYS": str(keys),
            "LASTMILE_MONGODB_URI": self.database_uri,
            "LASTMILE_VERSION": VERSION,
        }

    def __call__(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            ["docker-compose", "-p", self.project, "-f", str(COMPOSE_FILE), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert done.returncode == 0, f"docker-compose {' '.join(args)}: {done.stderr[-3000:]}"
        return done.stdout

    def container(self, service: str) -> str:
        return f"{self.project}_{service}_1"

    def state(self, service: str) -> dict:
        found = self.docker.inspect(self.container(service))
        return found["State"] | {"RestartCount": found["RestartCount"]}

    @property
    def database_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.ports['LASTMILE_DB_PORT']}/?directConnection=true"

    @property
    def http_port(self) -> int:
        return self.ports["LASTMILE_HTTP_PORT"]

    def leftovers(self) -> dict[str, list[str]]:
        label = f"com.docker.compose.project={self.project}"
        found = {kind: self.docker.labelled(kind, label) for kind in ("ps", "volume", "network")}
        return {kind: ids for kind, ids in found.items() if ids}


def crash(compose: Compose, service: str) -> None:
    """SIGKILL to the container's process from outside, as an OOM kill or a crash ends it
    (`docker kill` counts as a stop by hand, which Docker's restart policy leaves alone)."""
    before = compose.state(service)
    os.kill(before["Pid"], signal.SIGKILL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = compose.state(service)
        healthy = now.get("Health", {}).get("Status") == "healthy"
        if now["RestartCount"] > before["RestartCount"] and now["Running"] and healthy:
            return
        time.sleep(0.5)
    raise AssertionError(f"{service} was not restarted and healthy within 60 s: {now}")


@pytest.fixture(scope="module")
def compose(docker: Docker, keys: Path) -> Iterator[Compose]:
    if not shutil.which("docker-compose"):
        pytest.fail("docker-compose is missing (Debian's docker-compose; make test installs it)")
    c = Compose(docker, keys)
    try:
        c("up", "-d", timeout=600)
        yield c
    finally:
        c("down", "--volumes", "--remove-orphans", "--timeout", "30")


def test_compose_serves_a_whole_ride_over_rest(compose: Compose) -> None:
    url = f"http://127.0.0.1:{compose.http_port}/api/v1"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, compose("logs", "--tail", "40")
        time.sleep(0.5)
    with httpx.Client(base_url=url, timeout=15) as http:
        whole_ride(http)


def test_rides_complete_while_a_matching_replica_and_notification_die(
    compose: Compose, tmp_path: Path, record_property
) -> None:
    load = Load(compose.http_port, tmp_path / "flow.json", "flow", 1.0, 30)
    load.at(8)
    crash(compose, "matching-1")
    load.at(16)
    crash(compose, "notification")
    figures = load.result()
    record_property(
        "figure",
        f"{figures['ok']}/{figures['sent']} rides completed, errors {figures['errors']}, "
        f"client retries {figures['retries']}, latency {figures['latency_ms']}",
    )
    with MongoClient(compose.database_uri) as client:
        assert_rides_went_on(figures, client["lastmile"])


def test_down_leaves_no_container_volume_or_network(compose: Compose) -> None:
    assert compose.leftovers()["ps"] and compose.leftovers()["volume"]
    compose("down", "--volumes", "--remove-orphans", "--timeout", "30")
    assert compose.leftovers() == {}
