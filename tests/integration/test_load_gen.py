"""scripts/load_gen.py's own figures, checked against a fake HTTP server whose delay is known."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import ROOT, free_port

pytestmark = pytest.mark.integration

DELAY_S = 0.05


class FakeServer:
    """HTTP/1.1 with keep-alive; answers `200 {}` after DELAY_S. `serial` handles one request
    at a time (a server that stalls under load); `fail_every` answers 500 to every n-th."""

    def __init__(self, serial: bool = False, fail_every: int = 0) -> None:
        self.port = free_port()
        self.serial = serial
        self.fail_every = fail_every
        self.handled = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                if self.serial:
                    async with self.lock:
                        await asyncio.sleep(DELAY_S)
                else:
                    await asyncio.sleep(DELAY_S)
                self.handled += 1
                status = (
                    "500 Oops"
                    if self.fail_every and self.handled % self.fail_every == 0
                    else "200 OK"
                )
                writer.write(
                    f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
                    "Content-Length: 2\r\n\r\n{}".encode()
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def __enter__(self) -> FakeServer:
        async def start() -> None:
            self.lock = asyncio.Lock()
            self.server = await asyncio.start_server(self._client, "127.0.0.1", self.port)

        self.thread.start()
        asyncio.run_coroutine_threadsafe(start(), self.loop).result(5)
        return self

    def __exit__(self, *_: object) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def load_gen(tmp: Path, url: str, rate: float, duration: float, *extra: str) -> tuple[int, dict]:
    out = tmp / "figures.json"
    run = subprocess.run(
        [
            sys.executable, str(ROOT / "scripts" / "load_gen.py"), "get", "--url", url,
            "--rate", str(rate), "--duration", str(duration), "--json", str(out), "--quiet",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert out.exists(), run.stdout + run.stderr
    return run.returncode, json.loads(out.read_text())


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with FakeServer() as s:
        yield s


def test_figures_match_a_server_of_known_delay(server: FakeServer, tmp_path: Path) -> None:
    code, figures = load_gen(tmp_path, f"http://127.0.0.1:{server.port}/", 50, 4)
    assert code == 0
    assert figures["sent"] == figures["ok"] == 200 and figures["failed"] == 0
    assert server.handled == 200
    latency = figures["latency_ms"]
    # Never below the server's delay; on a busy 2-core machine, some scheduling on top.
    assert DELAY_S * 1000 <= latency["p50"] < DELAY_S * 1000 + 40, latency
    assert latency["p50"] <= latency["p90"] <= latency["p99"] <= latency["max"]
    assert 40 <= figures["throughput_per_s"] <= 55, figures


def test_a_stalled_server_cannot_hide_its_queue(tmp_path: Path) -> None:
    # One request at a time at 50 ms: 20/s of capacity, offered 40/s for 3 s. An open loop
    # keeps sending, and latency counts from each request's intended start, so the queue the
    # server builds shows: the last requests wait about 3 s.
    with FakeServer(serial=True) as slow:
        code, figures = load_gen(tmp_path, f"http://127.0.0.1:{slow.port}/", 40, 3)
    assert code == 0 and figures["ok"] == 120
    assert figures["latency_ms"]["p99"] > 2000, figures["latency_ms"]
    assert figures["latency_ms"]["p50"] > 1000, figures["latency_ms"]


def test_errors_are_counted_by_status_and_fail_the_run(tmp_path: Path) -> None:
    with FakeServer(fail_every=4) as flaky:
        code, figures = load_gen(
            tmp_path, f"http://127.0.0.1:{flaky.port}/", 40, 2, "--max-error-rate", "0.1"
        )
    assert code == 1
    assert figures["errors"] == {"500": 20} and figures["ok"] == 60
