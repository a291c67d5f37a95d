"""One system and one browser for all the browser tests (each test makes users of its own)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.harness import Cluster, EmbeddedMongo, GatewayProcess, start_gateway
from tests.ride import ALL
from tests.ui.browser import DIST, LAUNCH_ARGS, chromium_path

# No tile server here: the map must still show stations, lines, routes and cars.
GATEWAY_ENV = {"TILE_URL": ""}


@pytest.fixture(scope="package")
def ui_cluster(
    embedded_mongo: EmbeddedMongo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    c = Cluster(
        mongo_uri=embedded_mongo.uri,
        db_name=f"ui_{uuid.uuid4().hex[:12]}",
        log_dir=tmp_path_factory.mktemp("ui"),
    )
    try:
        c.start(*ALL)
        yield c
    finally:
        codes = c.stop_all()
    assert all(code == 0 for code in codes.values()), codes


@pytest.fixture(scope="package")
def gateway(ui_cluster: Cluster) -> Iterator[GatewayProcess]:
    assert (DIST / "index.html").exists(), "frontend not built: `make test` builds it"
    gw = start_gateway(ui_cluster, GATEWAY_ENV)
    yield gw
    assert gw.stop() == 0


@pytest.fixture(scope="package")
def base(gateway: GatewayProcess) -> str:
    return f"http://127.0.0.1:{gateway.port}"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium_path()), headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()
