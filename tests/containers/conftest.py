from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.containers.docker import IMAGES_ENV, Docker, Images, unavailable_reason


@pytest.fixture(scope="session")
def images() -> Iterator[Images]:
    """The session's build (tests/conftest.py starts it), or one of this process's own."""
    if reason := unavailable_reason():
        pytest.skip(reason)
    if folder := os.environ.get(IMAGES_ENV):
        yield Images(Path(folder))
        return
    own = Images()
    own.start()
    try:
        yield own
    finally:
        own.close()


@pytest.fixture(scope="session")
def docker(images: Images) -> Docker:
    """The daemon, with lastmile/service, lastmile/gateway and lastmile/devdb built on it."""
    return images.wait()


@pytest.fixture(scope="session")
def build_seconds(images: Images, docker: Docker) -> float:
    return images.seconds


def make_keys(home: Path) -> Path:
    """Keys as `make compose-up` makes them, readable by the images' uid 10001."""
    owner = ["--owner", "10001"] if os.geteuid() == 0 else []
    lastmile = str(Path(sys.executable).with_name("lastmile"))
    subprocess.run(
        [lastmile, "keys", "local", "--home", str(home), *owner],
        check=True,
        capture_output=True,
    )
    keys = home / "keys"
    if not owner:  # no chown without root: readable by everyone instead
        for path in [keys, *keys.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return keys


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    yield make_keys(tmp_path_factory.mktemp("keys"))
