"""Metric updates queued by request threads and applied by one thread per worker.

Under gunicorn the gateway's metrics live in prometheus_client's multiprocess files, so /metrics
sums every worker. There every update takes a lock shared by the whole process and writes to a
memory-mapped file: 32 request threads updating at once spent ~30 us per request waiting on that
lock. Here a request thread only appends to a deque (atomic, no lock); a flusher thread applies
the updates every `interval_s`, and /metrics flushes its own worker's queue before answering.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections import deque
from collections.abc import Callable

FLUSH_INTERVAL_S = 0.5


class DeferredMetrics:
    def __init__(self, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.interval_s = interval_s
        self._updates: deque[tuple[Callable[[float], None], float]] = deque()
        self._flush_lock = threading.Lock()
        self._flushing = False
        os.register_at_fork(after_in_child=self._after_fork)

    def add(self, update: Callable[[float], None], value: float) -> None:
        """Queues `update(value)`, e.g. a counter child's inc or a histogram child's observe."""
        self._updates.append((update, value))
        if not self._flushing:
            self._start_flusher()

    def _after_fork(self) -> None:
        # The child has no flusher thread, and its parent's queue is not its own.
        self._updates.clear()
        self._flush_lock = threading.Lock()
        self._flushing = False

    def flush(self) -> None:
        with self._flush_lock:
            while self._updates:
                try:
                    update, value = self._updates.popleft()
                except IndexError:
                    return
                update(value)

    def _start_flusher(self) -> None:
        with self._flush_lock:
            if self._flushing:
                return
            self._flushing = True
        threading.Thread(target=self._flush_forever, name="metrics-flush", daemon=True).start()
        atexit.register(self.flush)

    def _flush_forever(self) -> None:
        while True:
            time.sleep(self.interval_s)
            self.flush()


deferred = DeferredMetrics()
