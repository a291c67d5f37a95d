"""Admission control for password hashing, the one CPU-heavy thing the user service does.

argon2id takes ~0.1 s of a core per password. At most `capacity` hashes run at a time, on
threads of their own, and `login_reserve` more for log-ins only; the rest queue, log-ins ahead
of sign-ups. So a flood of sign-ups cannot lock existing users out: a log-in neither waits
for a sign-up's hash to finish nor queues behind one. A call is refused at once
(RESOURCE_EXHAUSTED with a retry-after) when the queue is full, or when the work ahead of it
means it would finish after its deadline: hashing for a caller who has already given up is
CPU thrown away."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from prometheus_client import Counter

from common import deadlines
from common.errors import ResourceExhausted

T = TypeVar("T")
BUSY = "the service is busy; try again shortly"
# Hashes slow down when the machine is busy, and a call may have spent part of its deadline
# on the way here (the deadline a server sees starts when the call reaches it): a call is only
# started when its remaining deadline is this many times the estimate.
MARGIN = 2.0
# An estimate no finished hash has confirmed for this long is put to the test again: the next
# call with nothing ahead of it runs, however slow the estimate says it would be. Otherwise
# an estimate made at a busy moment refuses every call, and with none run it never recovers.
STALE_AFTER_S = 5.0
HASHES = Counter(
    "lastmile_password_hashes_total",
    "Password hashes done, by whether their caller was still there for the answer.",
    ["outcome"],
)
REFUSED = Counter(
    "lastmile_password_hash_refusals_total", "Calls refused at once: the hashing queue was full."
)


class Priority(enum.IntEnum):
    LOGIN = 0
    SIGN_UP = 1


class HashGate:
    def __init__(
        self, capacity: int, max_waiting: int, estimate_s: float = 0.15, login_reserve: int = 1
    ) -> None:
        self.capacity, self.max_waiting = capacity, max_waiting
        self._slots = {Priority.LOGIN: capacity + login_reserve, Priority.SIGN_UP: capacity}
        self._pool = ThreadPoolExecutor(capacity + login_reserve, thread_name_prefix="argon2")
        self._running = 0
        self._waiting: dict[Priority, deque[asyncio.Future[None]]] = {p: deque() for p in Priority}
        self.estimate_s = estimate_s  # moving average of one hash's duration
        self._measured_at = time.monotonic()
        self.refused = 0

    def _ahead(self, priority: Priority) -> int:
        return self._running + sum(len(self._waiting[p]) for p in Priority if p <= priority)

    def expected_s(self, priority: Priority) -> float:
        """When a call of `priority` arriving now would be done, at the current pace."""
        return math.ceil((self._ahead(priority) + 1) / self._slots[priority]) * self.estimate_s

    def _refuse(self, expected_s: float) -> ResourceExhausted:
        self.refused += 1
        REFUSED.inc()
        return ResourceExhausted(BUSY, math.ceil(expected_s))

    async def run(self, priority: Priority, work: Callable[..., T], *args: object) -> T:
        expected = self.expected_s(priority)
        left = deadlines.remaining()
        # A queue full of sign-ups does not turn log-ins away: they go ahead of it.
        waiting = sum(len(self._waiting[p]) for p in Priority if p <= priority)
        probe = self._ahead(priority) == 0 and time.monotonic() - self._measured_at > STALE_AFTER_S
        late = left is not None and expected * MARGIN > left
        if waiting >= self.max_waiting or (late and not probe):
            raise self._refuse(expected)
        # Waiting longer than this would leave too little time to hash: such a call gives up
        # in the queue and says so (429), rather than being cut off by its deadline (503).
        patience = None if left is None else left - self.estimate_s * MARGIN
        try:
            await self._slot(priority, patience)
        except TimeoutError:
            raise self._refuse(self.expected_s(priority)) from None
        left = deadlines.remaining()
        if not probe and left is not None and left < self.estimate_s * MARGIN:
            self._release()
            raise self._refuse(self.estimate_s)
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        job = self._pool.submit(work, *args)
        # The slot is freed when the thread is done, even if this call was cancelled meanwhile:
        # the core stays busy until then.
        job.add_done_callback(
            lambda _: loop.call_soon_threadsafe(self._finished, time.perf_counter() - started)
        )
        try:
            answer = await asyncio.wrap_future(job)
        except asyncio.CancelledError:
            HASHES.labels("abandoned").inc()
            raise
        HASHES.labels("answered").inc()
        return answer

    async def _slot(self, priority: Priority, patience: float | None) -> None:
        ahead = any(self._waiting[p] for p in Priority if p <= priority)
        if self._running < self._slots[priority] and not ahead:
            self._running += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting[priority].append(turn)
        try:
            # _release hands the slot over by setting the result: _running already counts it.
            await asyncio.wait_for(asyncio.shield(turn), patience)
        except (asyncio.CancelledError, TimeoutError):
            if turn.done() and not turn.cancelled():
                self._release()  # handed the slot just now: hand it on
            else:
                turn.cancel()
                with contextlib.suppress(ValueError):  # _release may have dropped it already
                    self._waiting[priority].remove(turn)
            raise

    def _finished(self, took_s: float) -> None:
        self.estimate_s = 0.8 * self.estimate_s + 0.2 * took_s
        self._measured_at = time.monotonic()
        self._release()

    def _release(self) -> None:
        self._running -= 1
        for priority in Priority:
            queue = self._waiting[priority]
            while queue and self._running < self._slots[priority]:
                turn = queue.popleft()
                if not turn.done():
                    self._running += 1
                    turn.set_result(None)
                    return

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
