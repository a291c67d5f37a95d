"""The images as Kubernetes runs them: every service image and the gateway image under the
pod's security settings (read-only root, uid 10001, no capabilities, no new privileges, a
tmpfs /tmp), on the host's network against the embedded database on loopback."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest

from common.healthcheck import grpc_health
from lastmile.layout import SERVICES
from tests.containers.docker import LABEL, VERSION, Docker
from tests.e2e_http import signup
from tests.harness import EmbeddedMongo, free_port, wait_until

# Long: a test's time includes its fixtures' setup, here the wait for the image build.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

# The pod's securityContext (k8s/generated/*.yaml), as `docker run` flags.
POD_SECURITY = (
    "--read-only", "--user", "10001:10001", "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges", "--tmpfs", "/tmp:size=64m",
)  # fmt: skip
GRACE_S = 30  # terminationGracePeriodSeconds
# Today's sizes (service 322 MB, gateway 322 MB, devdb 285 MB) plus a margin: a layer that
# doubles an image (a toolchain, a cache, the node_modules) fails here.
SIZE_BUDGET_MB = {"service": 380, "gateway": 380, "devdb": 340}
SECRETS = "/run/secrets/lastmile"


@dataclass
class Container:
    name: str
    port: int
    docker: Docker

    def health(self) -> str:
        return self.docker.inspect(self.name)["State"].get("Health", {}).get("Status", "")

    def errors(self) -> list[str]:
        """Log lines at ERROR or worse, and anything that looks like a crash."""
        bad = []
        for line in self.docker.logs(self.name).splitlines():
            try:
                level = json.loads(line).get("level", "")
            except (ValueError, AttributeError):
                level = ""
            if level in ("ERROR", "CRITICAL") or "Traceback" in line or "[ERROR]" in line:
                bad.append(line)
        return bad


class Fleet:
    """The eight services and the gateway, each in a container of its own."""

    def __init__(self, docker: Docker, mongo: EmbeddedMongo, keys: Path) -> None:
        self.docker = docker
        self.ports = {s: free_port() for s in SERVICES}
        self.run_id = uuid.uuid4().hex[:8]
        self.common = {
            "MONGODB_URI": mongo.uri,
            "MONGODB_DB": f"c_{self.run_id}",
            "GRPC_HOST": "127.0.0.1",
            "JWT_PUBLIC_KEYS_FILE": f"{SECRETS}/public/jwks.json",
            **{f"{s.upper()}_ADDR": f"127.0.0.1:{p}" for s, p in self.ports.items()},
        }
        self.keys = keys
        self.services: dict[str, Container] = {}
        self.gateway: Container | None = None

    def _run(self, name: str, image: str, env: dict[str, str], mounts: list[str]) -> str:
        args = ["run", "-d", "--name", name, "--label", LABEL, "--network", "host"]
        args += POD_SECURITY
        for key, value in {**self.common, **env}.items():
            args += ["-e", f"{key}={value}"]
        for mount in mounts:
            args += ["-v", f"{self.keys / mount}:{SECRETS}/{mount}:ro"]
        return self.docker.run(*args, f"lastmile/{image}:{VERSION}")

    def start(self) -> None:
        for service, port in self.ports.items():
            name = f"lm-{service}-{self.run_id}"
            env = {"SERVICE": service, "GRPC_PORT": str(port), "METRICS_PORT": str(free_port())}
            mounts = ["public"]
            if service == "user":
                env["JWT_PRIVATE_KEY_FILE"] = f"{SECRETS}/private/local.pem"
                mounts.append("private")
            self._run(name, "service", env, mounts)
            self.services[service] = Container(name, port, self.docker)
        port = free_port()
        env = {
            "HTTP_HOST": "127.0.0.1",
            "HTTP_PORT": str(port),
            "STREAM_TICKET_SECRET_FILE": f"{SECRETS}/gateway/ticket-secret",
        }
        self._run(f"lm-gateway-{self.run_id}", "gateway", env, ["public", "gateway"])
        self.gateway = Container(f"lm-gateway-{self.run_id}", port, self.docker)

    def all(self) -> list[Container]:
        return [*self.services.values(), *([self.gateway] if self.gateway else [])]


@pytest.fixture(scope="module")
def fleet(docker: Docker, embedded_mongo: EmbeddedMongo, keys: Path) -> Iterator[Fleet]:
    f = Fleet(docker, embedded_mongo, keys)
    try:
        f.start()
        yield f
    finally:
        for c in f.all():
            docker.run("rm", "-f", "-v", c.name, check=False)


def test_every_service_image_answers_health_serving(fleet: Fleet) -> None:
    for c in fleet.services.values():

        def serving(port: int = c.port) -> bool:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                return grpc_health(channel, timeout_s=1) == "serving"

        wait_until(serving, lambda c=c: f"{c.name} SERVING\n{fleet.docker.logs(c.name)}", 60, 0.3)
    # The images' own HEALTHCHECK (what compose waits on) says so too.
    for c in fleet.services.values():
        wait_until(lambda c=c: c.health() == "healthy", f"{c.name} healthy by its HEALTHCHECK", 60)


def test_the_gateway_image_serves_the_ui_the_api_and_a_sign_up(fleet: Fleet) -> None:
    assert fleet.gateway
    url = f"http://127.0.0.1:{fleet.gateway.port}"

    def up() -> bool:
        try:
            return httpx.get(f"{url}/api/v1/readyz", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(up, lambda: f"gateway ready\n{fleet.docker.logs(fleet.gateway.name)}", 60, 0.3)
    with httpx.Client(base_url=f"{url}/api/v1", timeout=10) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz").json()
        assert set(ready["services"].values()) == {"ok"}, ready
        rider = signup(http, "rider", "Asha")
        me = http.get("/me", headers={"Authorization": f"Bearer {rider['token']}"})
        assert me.status_code == 200 and me.json()["name"] == "Asha", me.text
    page = httpx.get(f"{url}/", timeout=5)
    assert page.status_code == 200 and '<div id="root">' in page.text, page.text[:300]
    wait_until(lambda: fleet.gateway.health() == "healthy", "gateway healthy by HEALTHCHECK", 60)


def test_no_container_logged_an_error(fleet: Fleet) -> None:
    assert {c.name: bad for c in fleet.all() if (bad := c.errors())} == {}


def test_every_container_exits_0_on_sigterm_within_the_grace_period(fleet: Fleet) -> None:
    names = [c.name for c in fleet.all()]
    started = time.monotonic()
    # All at once, as a node drain does; `docker stop` sends SIGKILL after the grace (exit 137).
    fleet.docker.run("stop", "-t", str(GRACE_S), *names, timeout=GRACE_S + 30)
    took = time.monotonic() - started
    codes = {n: fleet.docker.inspect(n)["State"]["ExitCode"] for n in names}
    logs = {n: fleet.docker.logs(n)[-2000:] for n in names if codes[n] != 0}
    assert codes == dict.fromkeys(names, 0), (codes, logs)
    assert took < GRACE_S, took
    assert {c.name: bad for c in fleet.all() if (bad := c.errors())} == {}


def _image_mb(docker: Docker, image: str) -> float:
    return docker.inspect(f"lastmile/{image}:{VERSION}")["Size"] / 1e6


def test_image_sizes_stay_within_their_budget(
    docker: Docker, build_seconds: float, record_property
) -> None:
    sizes = {image: _image_mb(docker, image) for image in SIZE_BUDGET_MB}
    figures = ", ".join(f"{image} {mb:.0f} MB" for image, mb in sizes.items())
    record_property("figure", f"images {figures} (built in {build_seconds:.0f} s)")
    over = {i: round(mb) for i, mb in sizes.items() if mb > SIZE_BUDGET_MB[i]}
    assert not over, f"over budget {SIZE_BUDGET_MB}: {over}"


# What an image must not hold: a compiler, the embedded database, test code, package tools.
INSPECT = r"""
for tool in gcc cc g++ c++ make pip pip3; do command -v "$tool" && echo "tool: $tool"; done
python - <<'EOF'
import importlib.util, pathlib
for module in ("secantus", "secantusdb", "pytest", "hypothesis", "tests", "grpc_tools"):
    if importlib.util.find_spec(module):
        print("module:", module)
for root in ("/opt/venv", "/app"):
    for path in pathlib.Path(root).rglob("conftest.py"):
        print("test file:", path)
EOF
"""


@pytest.mark.parametrize("image", ["service", "gateway"])
def test_no_compiler_database_or_test_code_inside(docker: Docker, image: str) -> None:
    found = docker.run(
        "run", "--rm", "--network", "host", "--label", LABEL, "--entrypoint", "sh",
        f"lastmile/{image}:{VERSION}", "-c", INSPECT,
    )  # fmt: skip
    assert found == "", found
