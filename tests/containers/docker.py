"""The container tests' Docker: the machine's daemon, or one of LastMile's own started by
scripts/dockerd.sh (no bridge network, host networking only), and the images built on it in
the background while the rest of the suite runs (scripts/build_images.sh)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.harness import ROOT

# Every container a test makes carries this label, so the clean-up finds all of them.
LABEL = "lastmile.test=1"
BUILD_TIMEOUT_S = 1500
HERE = Path(__file__).parent
IMAGES_KEY = pytest.StashKey["Images"]()
# Where the session's main process tells its test processes about the build.
IMAGES_ENV = "LASTMILE_TEST_IMAGES"


def _version() -> str:
    import tomllib

    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


VERSION = _version()


def unavailable_reason() -> str | None:
    """Why no container test can run here, or None when one can (a daemon answers, or
    scripts/dockerd.sh can install and start one)."""
    if shutil.which("docker") and shutil.which("dockerd"):
        return None
    if shutil.which("docker") and _environment_daemon_answers():
        return None
    if os.geteuid() == 0 and shutil.which("apt-get"):
        return None
    return "no Docker: neither a daemon that answers nor root to install Debian's docker.io"


def _environment_daemon_answers() -> bool:
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@dataclass
class Docker:
    """The `docker` command against one daemon."""

    host: str
    env: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.env = {**os.environ, "DOCKER_HOST": self.host}

    def run(self, *args: str, timeout: float = 120, check: bool = True) -> str:
        done = subprocess.run(
            ["docker", *args], env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if check and done.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout.strip()

    def inspect(self, name: str) -> dict[str, Any]:
        return json.loads(self.run("inspect", name))[0]

    def logs(self, name: str) -> str:
        done = subprocess.run(
            ["docker", "logs", name], env=self.env, capture_output=True, text=True, timeout=60
        )
        return done.stdout + done.stderr

    def labelled(self, kind: str = "ps", label: str = LABEL) -> list[str]:
        if kind == "ps":
            return self.run("ps", "-aq", "--filter", f"label={label}").split()
        return self.run(kind, "ls", "-q", "--filter", f"label={label}").split()

    def remove_labelled(self, label: str = LABEL) -> None:
        if ids := self.labelled(label=label):
            self.run("rm", "-f", "-v", *ids, timeout=120)


class Images:
    """The daemon (if none answers) and the image build, started in the background by the
    session's main process as soon as it knows container tests may run, so the build overlaps
    the rest of the suite; any test process (a pytest-xdist worker too) waits for it through
    the files in `folder`: docker-host, then seconds and rc when the build is over."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="lastmile-docker-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        d = self.folder
        script = (
            f'started=$SECONDS; host=$(scripts/dockerd.sh start "{d}/daemon") '
            f'&& echo "$host" > "{d}/docker-host" && DOCKER_HOST=$host scripts/build_images.sh; '
            f'rc=$?; echo $((SECONDS - started)) > "{d}/seconds"; echo $rc > "{d}/rc"'
        )
        with (d / "build.log").open("w") as out:
            # At the lowest CPU priority (the daemon and its containers inherit it): the build
            # uses what the tests leave, and timing-sensitive tests are not starved by it.
            self.proc = subprocess.Popen(
                ["nice", "-n", "19", "bash", "-c", script],
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait(self) -> Docker:
        deadline = time.monotonic() + BUILD_TIMEOUT_S
        while not (self.folder / "rc").exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"image build over {BUILD_TIMEOUT_S} s: {self.tail()}")
            time.sleep(1)
        code = (self.folder / "rc").read_text().strip()
        if code != "0":
            raise AssertionError(f"image build failed ({code}):\n{self.tail()}")
        self._daemon_at_normal_priority()
        return Docker((self.folder / "docker-host").read_text().strip())

    def _daemon_at_normal_priority(self) -> None:
        """The containers under test run at the tests' own priority (root only may raise it)."""
        pid_file = self.folder / "daemon" / "dockerd.pid"
        if os.geteuid() != 0 or not pid_file.exists():
            return
        for pid in _descendants(int(pid_file.read_text())):
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, pid, 0)

    @property
    def seconds(self) -> int:
        return int((self.folder / "seconds").read_text())

    def tail(self, lines: int = 60) -> str:
        log = self.folder / "build.log"
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])

    def close(self) -> None:
        """Stops the build if it still runs, every test container, and the daemon if it is
        ours (its images and containers deleted with it)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, 9)
            self.proc.wait()
        host = self.folder / "docker-host"
        if host.exists():
            with contextlib.suppress(AssertionError, subprocess.TimeoutExpired):
                Docker(host.read_text().strip()).remove_labelled()
        subprocess.run(["scripts/dockerd.sh", "purge", str(self.folder / "daemon")], cwd=ROOT)
        shutil.rmtree(self.folder, ignore_errors=True)


def _descendants(root: int) -> list[int]:
    """`root` and every process below it."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def in_scope(config: pytest.Config) -> bool:
    """Whether the paths the session was given include the container tests (a -k or -m may
    still deselect them: the build is then wasted, and stopped at the end)."""
    if any(Path(p).resolve() == HERE for p in config.getoption("ignore") or []):
        return False
    paths = config.args or [str(config.rootpath / p) for p in config.getini("testpaths")]
    for arg in paths:
        path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if path == HERE or path in HERE.parents or HERE in path.parents:
            return True
    return False
