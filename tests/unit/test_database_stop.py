"""The local run's database stops off the signal's frame and within a bound: a stop that hangs
dumps every thread's stack and exits 1 instead of outliving the run."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from tests.harness import ROOT

HANGING_STOP = """
import signal, sys, time
from lastmile import database
database.STOP_S = 1.0
def hang(signum, frame):
    time.sleep(3600)  # a stop that never ends
signal.signal = database._install_bounded
signal.signal(signal.SIGTERM, hang)
print("ready", flush=True)
time.sleep(3600)
"""


def test_a_stop_that_hangs_is_cut_off_with_the_stacks_in_the_log() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", HANGING_STOP],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=30)
    took = time.monotonic() - started
    stderr = proc.stderr.read() if proc.stderr else ""
    assert code == 1, stderr
    assert "Timeout" in stderr and "in hang" in stderr, stderr
    assert took < 20, took


WAITING_MAIN = """
import signal, sys, threading
from lastmile import database
stopped = threading.Event()
def stop(signum, frame):
    stopped.set()  # what SecantusDB's handler does first, through server.stop()
    sys.exit(0)
signal.signal = database._install_bounded
signal.signal(signal.SIGTERM, stop)
print("ready", flush=True)
stopped.wait()  # the main thread, as in server.wait()
print("stopped", flush=True)
"""


def test_the_stop_runs_beside_the_waiting_main_thread_and_the_process_exits_0() -> None:
    for _ in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WAITING_MAIN], cwd=ROOT, stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert proc.stdout.read().strip() == "stopped"


def test_other_handlers_are_left_as_they_are() -> None:
    from lastmile import database

    previous = signal.getsignal(signal.SIGUSR2)
    try:
        database._install_bounded(signal.SIGUSR2, signal.SIG_IGN)
        assert signal.getsignal(signal.SIGUSR2) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGUSR2, previous)
