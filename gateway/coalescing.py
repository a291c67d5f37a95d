"""Coalescing of a gateway worker's concurrent backend calls into batched RPCs.

A unary gRPC call costs the gateway about 0.2 ms of CPU and the service as much again, and a
worker's hundreds of threads make the same few calls all the time (drivers' positions, riders'
request lookups). A Coalescer queues those calls; a few sender threads each take everything
queued when they are free and send it as one batched RPC ("natural batching"). A lone call
leaves at once, without waiting for a timer; under load one RPC carries tens of calls.

Each caller keeps its own deadline: a batch is sent with the earliest deadline among its
calls, calls whose deadline passed in the queue fail without being sent, and a caller never
waits longer than its deadline whatever the senders do.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import grpc
from prometheus_client import Histogram

from common.errors import ItemError

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


class _Pending(Generic[Item, Answer]):
    """One queued call. Its caller waits on a lock held until the call is settled (a bare lock
    costs less than an Event, and a call is settled exactly once)."""

    __slots__ = ("_settled", "answer", "deadline", "error", "item")

    def __init__(self, item: Item, deadline: float) -> None:
        self.item, self.deadline = item, deadline
        self._settled = threading.Lock()
        self._settled.acquire()
        self.answer: Answer | None = None
        self.error: BaseException | None = None

    def settle(self, answer: Answer | None = None, error: BaseException | None = None) -> None:
        self.answer, self.error = answer, error
        self._settled.release()

    def wait(self, timeout: float) -> bool:
        return self._settled.acquire(timeout=timeout)


class Coalescer(Generic[Item, Answer]):
    """Calls of one backend method from many threads, sent in batches by `senders` threads."""

    def __init__(
        self,
        method: str,
        send: Send,
        timeout_s: float,
        *,
        senders: int = 2,
        max_batch: int = 64,
    ) -> None:
        self.method, self.send, self.timeout_s = method, send, timeout_s
        self.senders, self.max_batch = senders, max_batch
        self._queue: deque[_Pending[Item, Answer]] = deque()
        self._ready = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._batches = BATCH_SIZE.labels(method)

    def call(self, item: Item) -> Answer:
        """The answer for `item`; raises the ItemError (an RpcError) a unary call would raise."""
        pending: _Pending[Item, Answer] = _Pending(item, time.monotonic() + self.timeout_s)
        with self._ready:
            if not self._threads:
                self._start_senders()
            self._queue.append(pending)
            self._ready.notify()
        if not pending.wait(self.timeout_s):
            raise ItemError(grpc.StatusCode.DEADLINE_EXCEEDED, f"{self.method}: no answer in time")
        if pending.error is not None:
            raise pending.error
        return pending.answer  # type: ignore[return-value]

    def _start_senders(self) -> None:
        for n in range(self.senders):
            thread = threading.Thread(
                target=self._send_forever, name=f"{self.method}-sender-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def _take(self) -> list[_Pending[Item, Answer]]:
        with self._ready:
            while not self._queue:
                self._ready.wait()
            count = min(len(self._queue), self.max_batch)
            return [self._queue.popleft() for _ in range(count)]

    def _send_forever(self) -> None:
        while True:
            batch = self._take()
            now = time.monotonic()
            live = []
            for pending in batch:
                if pending.deadline > now:
                    live.append(pending)
                else:
                    pending.settle(error=_late(self.method))
            if live:
                self._send(live, min(p.deadline for p in live) - now)

    def _send(self, batch: list[_Pending[Item, Answer]], timeout: float) -> None:
        self._batches.observe(len(batch))
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
