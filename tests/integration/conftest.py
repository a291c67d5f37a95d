"""Fixtures of the integration suites that talk to the whole system through the gateway."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.harness import Cluster, GatewayProcess, start_gateway
from tests.ride import ALL


@pytest.fixture
def gw(cluster: Cluster) -> Iterator[GatewayProcess]:
    """All eight services and the gateway in front of them, for one test."""
    cluster.start(*ALL)
    gateway = start_gateway(cluster)
    yield gateway
    assert gateway.stop() == 0


@pytest.fixture
def http(gw: GatewayProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.url, timeout=15) as client:
        yield client
