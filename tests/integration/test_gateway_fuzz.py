"""Property-based fuzzing of the published OpenAPI document against the running gateway:
no 500s, and every answer matches the documented schema."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e_http import signup
from tests.harness import Cluster, GatewayProcess, start_gateway
from tests.ride import ALL

pytestmark = pytest.mark.integration
CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


@pytest.fixture(scope="module")
def gw(module_cluster: Cluster) -> Iterator[GatewayProcess]:
    module_cluster.start(*ALL)
    gateway = start_gateway(module_cluster)
    yield gateway
    assert gateway.stop() == 0


@pytest.mark.parametrize("role", ["rider", "driver"])
def test_fuzzing_the_openapi_document_finds_no_server_errors(gw: GatewayProcess, role: str) -> None:
    with httpx.Client(base_url=gw.url) as http:
        token = signup(http, role)["token"]
    st = Path(sys.executable).with_name("st")
    run = subprocess.run(
        [
            str(st),
            "run",
            f"{gw.url}/openapi.json",
            "--url",
            gw.url.removesuffix("/api/v1"),
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            CHECKS,
            "--exclude-path",
            "/api/v1/notifications/stream",  # a stream never ends by itself
            "--max-examples",
            "15",
            "--generation-deterministic",
            "--request-timeout",
            "10",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
