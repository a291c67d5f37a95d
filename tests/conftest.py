from __future__ import annotations

import fcntl
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from pymongo import MongoClient

from lastmile import detached
from tests.containers import docker as containers
from tests.harness import Cluster, EmbeddedMongo, port_slice

# Whole runs (lastmile/detached.py) take their port blocks from this process's slice too.
detached.PORT_RANGE = port_slice()


@pytest.fixture(scope="module", autouse=True)
def heavy_modules_one_at_a_time(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """Modules marked `heavy` (load on the whole system, many processes or containers) never
    run at the same time in parallel test processes: two at once on 2 cores would be testing
    the machine, not LastMile. Their tests carry long timeouts: pytest-timeout counts the
    setup of a test's fixtures, which includes waiting here (and for the image build)."""
    if not request.node.get_closest_marker("heavy") or "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    shared = tmp_path_factory.getbasetemp().parent  # the workers' common folder
    with (shared / "heavy-modules.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def embedded_mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedMongo]:
    server = EmbeddedMongo(tmp_path_factory.mktemp("mongo"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def db_name() -> str:
    """A database of its own for each test, so tests never see each other's data."""
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mongo_db(embedded_mongo: EmbeddedMongo, db_name: str) -> Iterator:
    """A blocking handle on the test's database, for checking what services stored."""
    with MongoClient(embedded_mongo.uri, tz_aware=True) as client:
        yield client[db_name]


@pytest.fixture(scope="module")
def module_cluster(
    embedded_mongo: EmbeddedMongo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Services shared by the tests of one module (each test makes users of its own); for
    suites of many small HTTP checks. Stopped with SIGTERM at the end; each must exit 0."""
    c = Cluster(
        mongo_uri=embedded_mongo.uri,
        db_name=f"m_{uuid.uuid4().hex[:12]}",
        log_dir=tmp_path_factory.mktemp("module"),
    )
    try:
        yield c
    finally:
        codes = c.stop_all()
    assert all(code == 0 for code in codes.values()), codes


@pytest.fixture
async def cluster(
    embedded_mongo: EmbeddedMongo, db_name: str, tmp_path: Path
) -> AsyncIterator[Cluster]:
    """Start services with `cluster.start("user", ...)`; all are stopped with SIGTERM at the
    end of the test, and each must exit 0."""
    c = Cluster(mongo_uri=embedded_mongo.uri, db_name=db_name, log_dir=tmp_path)
    try:
        yield c
    finally:
        await c.close_channels()
        codes = c.stop_all()
    bad = {name: code for name, code in codes.items() if code != 0}
    assert not bad, f"services did not exit 0 on SIGTERM: {bad}\n" + "\n".join(
        c.running[n].log() for n in bad
    )


# --- container tests: last in the run, their images built in the background meanwhile -----


def _is_container_test(item: pytest.Item) -> bool:
    return containers.HERE in item.path.parents


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_is_container_test)  # stable: every other test keeps its order


def pytest_configure(config: pytest.Config) -> None:
    # The main process only (a pytest-xdist worker has workerinput); workers inherit the env.
    if hasattr(config, "workerinput") or containers.IMAGES_ENV in os.environ:
        return
    if containers.in_scope(config) and containers.unavailable_reason() is None:
        images = config.stash[containers.IMAGES_KEY] = containers.Images()
        images.start()
        os.environ[containers.IMAGES_ENV] = str(images.folder)


def pytest_unconfigure(config: pytest.Config) -> None:
    images = config.stash.get(containers.IMAGES_KEY, None)
    if images is not None:
        images.close()
        os.environ.pop(containers.IMAGES_ENV, None)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Figures tests measured (`record_property("figure", text)`), printed whichever test
    process ran them."""
    figures = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", "") == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "figure"
    ]
    if figures:
        terminalreporter.section("figures")
        for line in figures:
            terminalreporter.write_line(line)
