"""Coalescing of a gateway worker's concurrent backend calls into batched RPCs.

A unary gRPC call costs the gateway about 0.2 ms of CPU and the service as much again, and a
worker's hundreds of concurrent requests make the same few calls all the time (drivers'
positions, riders' request lookups). A Coalescer keeps one batch in flight at a time. A call
that finds nothing in flight is sent at once, by its own caller, so a lone call waits for
nothing. Calls that arrive meanwhile queue up; when the batch comes back, its sender hands
everything queued by then, as the next batch, to the oldest queued caller, which sends it.
Under load one RPC carries tens of calls, and nobody exists only to send. When no batch has
come back for `stall_s` (e.g. a position that fired a trigger waits for matching), another
batch may leave beside the slow one, up to `max_senders`, so one slow call does not hold up
the others. Callers are threads or greenlets (the gateway runs gevent, which patches
`threading`).

Each caller keeps its own deadline: a batch is sent with the earliest deadline among its
calls, calls whose deadline passed in the queue (or that have less than `min_budget_s` left,
too little for any answer) fail without being sent, and a queued caller never waits past its
deadline.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import grpc
from prometheus_client import Histogram

from common.errors import ItemError
from gateway.deferred_metrics import deferred

log = logging.getLogger("lastmile.gateway")

Item = TypeVar("Item")
Answer = TypeVar("Answer")
# Sends a batch within a timeout; answers one answer or ItemError per item, in order.
Send = Callable[[list[Item], float], Sequence["Answer | ItemError"]]

BATCH_SIZE = Histogram(
    "gateway_batch_size",
    "Calls carried by one batched backend RPC.",
    ["method"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128),
)
# How long a caller whose call is on the wire waits past its deadline for the batch's answer
# (the RPC itself has that deadline, so this only covers a sender that ignores it).
SENT_GRACE_S = 1.0


class _State(enum.Enum):
    QUEUED = 1
    HEIR = 2  # handed the next batch to send; its own call is the batch's first
    SENT = 3
    GONE = 4  # gave up in the queue


class _Pending(Generic[Item, Answer]):
    """One call. Its caller waits on `wake`, a lock held from the start and released when the
    call is settled, or, once, when the call is made heir of a batch (a bare lock costs less
    than an Event)."""

    __slots__ = ("answer", "batch", "deadline", "error", "item", "state", "wake")

    def __init__(self, item: Item, deadline: float) -> None:
        self.item, self.deadline = item, deadline
        self.state = _State.QUEUED
        self.batch: list[_Pending[Item, Answer]] = []
        self.wake = threading.Lock()
        self.wake.acquire()
        self.answer: Answer | None = None
        self.error: BaseException | None = None

    def settle(self, answer: Answer | None = None, error: BaseException | None = None) -> None:
        self.answer, self.error = answer, error
        self.wake.release()

    def outcome(self) -> Answer:
        if self.error is not None:
            raise self.error
        return self.answer  # type: ignore[return-value]


class Coalescer(Generic[Item, Answer]):
    """Calls of one backend method from many threads, sent in at most `senders` concurrent
    batches of at most `max_batch` calls."""

    def __init__(
        self,
        method: str,
        send: Send,
        timeout_s: float,
        *,
        senders: int = 1,
        max_senders: int = 4,
        stall_s: float = 0.02,
        max_batch: int = 64,
        min_budget_s: float = 0.05,
    ) -> None:
        self.method, self.send, self.timeout_s = method, send, timeout_s
        self.min_budget_s = min_budget_s
        self.senders, self.max_senders, self.stall_s = senders, max(senders, max_senders), stall_s
        self.max_batch = max_batch
        self._lock = threading.Lock()
        self._queue: deque[_Pending[Item, Answer]] = deque()
        self._in_flight = 0  # slots taken: batches being sent, or handed to an heir
        self._progress = time.monotonic()  # when a batch last left or came back
        self._batches = BATCH_SIZE.labels(method)

    def call(self, item: Item) -> Answer:
        """The answer for `item`; raises the ItemError (an RpcError) a unary call would raise."""
        now = time.monotonic()
        pending: _Pending[Item, Answer] = _Pending(item, now + self.timeout_s)
        batch = None
        with self._lock:
            self._queue.append(pending)
            if self._in_flight < self.senders or (
                self._in_flight < self.max_senders and now - self._progress > self.stall_s
            ):
                self._in_flight += 1
                batch = self._take()
        if batch:
            self._lead(batch)
        return self._wait(pending)

    def _take(self) -> list[_Pending[Item, Answer]]:
        """The next batch from the head of the queue (called holding the lock)."""
        batch = [self._queue.popleft() for _ in range(min(len(self._queue), self.max_batch))]
        self._progress = time.monotonic()
        for pending in batch:
            pending.state = _State.SENT  # committed to this batch; its sender settles it
        return batch

    def _wait(self, pending: _Pending[Item, Answer]) -> Answer:
        while True:
            if pending.wake.acquire(timeout=max(0.0, pending.deadline - time.monotonic())):
                if pending.state is _State.HEIR:
                    self._lead(pending.batch)
                    continue
                return pending.outcome()
            with self._lock:
                state = pending.state
                if state is _State.QUEUED:
                    self._queue.remove(pending)
                    pending.state = _State.GONE
                elif state is _State.HEIR:
                    pending.wake.acquire()  # released when it was made heir, under this lock
            if state is _State.QUEUED:
                raise _late(self.method)
            if state is _State.HEIR:
                self._lead(pending.batch)  # sends what it was handed (its own call fails late)
                continue
            if pending.wake.acquire(timeout=SENT_GRACE_S):  # SENT: the answer is on its way
                return pending.outcome()
            raise ItemError(grpc.StatusCode.DEADLINE_EXCEEDED, f"{self.method}: no answer in time")

    def _lead(self, batch: list[_Pending[Item, Answer]]) -> None:
        """Sends `batch` on one of the slots, then hands the slot on with the next batch."""
        try:
            now = time.monotonic()
            live = []
            batch[0].state = _State.SENT  # an heir's own call, which leads its batch
            for pending in batch:
                if pending.deadline - now >= self.min_budget_s:
                    live.append(pending)
                else:
                    pending.settle(error=_late(self.method))
            if live:
                self._send(live, min(p.deadline for p in live) - now)
        finally:
            with self._lock:
                following = self._take()
                if following:
                    heir = following[0]
                    heir.batch, heir.state = following, _State.HEIR
                    heir.wake.release()
                else:
                    self._in_flight -= 1

    def _send(self, batch: list[_Pending[Item, Answer]], timeout: float) -> None:
        deferred.add(self._batches.observe, len(batch))
        try:
            answers = self.send([p.item for p in batch], timeout)
        except grpc.RpcError as exc:
            for pending in batch:
                pending.settle(error=ItemError.like(exc))
            return
        except Exception:
            log.exception("batched call %s failed", self.method)
            for pending in batch:
                pending.settle(error=ItemError(grpc.StatusCode.INTERNAL, "internal error"))
            return
        if len(answers) != len(batch):
            log.error("%s answered %d of %d calls", self.method, len(answers), len(batch))
            answers = [ItemError(grpc.StatusCode.INTERNAL, "internal error") for _ in batch]
        for pending, answer in zip(batch, answers, strict=True):
            if isinstance(answer, ItemError):
                pending.settle(error=answer)
            else:
                pending.settle(answer=answer)


def _late(method: str) -> ItemError:
    return ItemError(grpc.StatusCode.DEADLINE_EXCEEDED, f"{method}: deadline passed in the queue")
