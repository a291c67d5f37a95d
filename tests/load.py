"""The load generator (scripts/load_gen.py) in the background, for the tests that break
things under load."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from lastmile.detached import ENV
from tests.harness import ROOT
from tests.invariants import check_ride_invariants


class Load:
    """scripts/load_gen.py running in the background against a gateway on loopback."""

    def __init__(
        self, http_port: int, out: Path, mode: str, rate: float, duration: float, *extra: str
    ) -> None:
        self.out = out
        self.proc = subprocess.Popen(
            [
                sys.executable, str(ROOT / "scripts" / "load_gen.py"), mode,
                "--gateway", f"http://127.0.0.1:{http_port}",
                "--rate", str(rate), "--duration", str(duration), "--users", "12",
                "--json", str(out), "--quiet", "--max-error-rate", "1", *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=ENV,
        )  # fmt: skip
        self.started = time.monotonic()

    def at(self, seconds: float) -> None:
        """Sleeps until `seconds` after the load started."""
        time.sleep(max(0.0, self.started + seconds - time.monotonic()))

    def result(self, timeout: float = 180) -> dict:
        output, _ = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, output
        figures = json.loads(self.out.read_text())
        figures["_output"] = output
        return figures


def assert_rides_went_on(figures: dict, db: Any) -> None:
    """Every failure the load generator saw is reported with its cause, most rides completed
    despite the crashes, and the stored data holds the ride invariants."""
    assert figures["failed"] == sum(figures["errors"].values()), figures
    assert figures["notes"]["rides completed"] == figures["ok"]
    assert figures["ok"] >= 0.8 * figures["sent"], figures
    assert set(figures["errors"]) <= {"no-match", "503", "409", "no-answer"}, figures["errors"]
    counts = check_ride_invariants(db)
    assert counts["DROPPED_OFF"] >= figures["ok"], (counts, figures)
