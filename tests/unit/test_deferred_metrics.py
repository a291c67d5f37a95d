"""Metric updates queued by request threads reach the metrics: at once on flush, and within
the flush interval without one."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from gateway.deferred_metrics import DeferredMetrics


def test_updates_from_many_threads_all_arrive() -> None:
    totals = {"n": 0.0}
    lock = threading.Lock()

    def inc(value: float) -> None:
        with lock:
            totals["n"] += value

    metrics = DeferredMetrics(interval_s=60)
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: metrics.add(inc, 1), range(5000)))
    metrics.flush()
    assert totals["n"] == 5000


def test_the_flusher_applies_updates_without_being_asked() -> None:
    seen: list[float] = []
    metrics = DeferredMetrics(interval_s=0.05)
    metrics.add(seen.append, 2.5)
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == [2.5]
