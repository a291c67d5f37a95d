"""Open-loop load: calls start at a fixed arrival rate whatever the server does, and each
latency is measured from the moment the call was *meant* to start, so a stalled server
cannot hide its stall by slowing the sender (no coordinated omission)."""

from __future__ import annotations

import asyncio
import math
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


class Failed(Exception):
    """A call that failed in a way the client could not retry away; `code` names it (an HTTP
    status or a gRPC status name)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code} {detail}".strip())
        self.code = code


@dataclass
class Outcome:
    """What a call reports besides its latency: the retries it needed."""

    retries: int = 0


async def bounded(
    limit: int, calls: Iterable[Callable[[], Awaitable[Any]]], return_exceptions: bool = False
) -> list[Any]:
    """Runs the calls (functions returning awaitables), at most `limit` at a time, and answers
    their results in order. A gRPC stub call starts when made, so each is made only once a
    slot is free."""
    gate = asyncio.Semaphore(limit)

    async def one(call: Callable[[], Awaitable[Any]]) -> Any:
        async with gate:
            return await call()

    return await asyncio.gather(*(one(c) for c in calls), return_exceptions=return_exceptions)


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of already sorted values (0 when there are none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Recorder:
    latencies_s: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    retries: int = 0
    sent: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def ok(self, latency_s: float, outcome: Outcome | None) -> None:
        self.latencies_s.append(latency_s)
        self.retries += outcome.retries if outcome else 0

    def failed(self, code: str) -> None:
        self.errors[code] += 1

    @property
    def done(self) -> int:
        return len(self.latencies_s) + sum(self.errors.values())

    @property
    def elapsed_s(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def summary(self) -> dict[str, object]:
        ordered = sorted(self.latencies_s)
        elapsed = max(self.elapsed_s, 1e-9)
        return {
            "sent": self.sent,
            "ok": len(ordered),
            "failed": sum(self.errors.values()),
            "errors": dict(self.errors),
            "retries": self.retries,
            "elapsed_s": round(elapsed, 3),
            "throughput_per_s": round(len(ordered) / elapsed, 1),
            "latency_ms": {
                name: round(percentile(ordered, p) * 1000, 2)
                for name, p in (("p50", 50), ("p90", 90), ("p99", 99), ("max", 100))
            },
        }


async def open_loop(
    rate_per_s: float,
    duration_s: float,
    call: Callable[[int], Awaitable[Outcome | None]],
    recorder: Recorder,
    max_in_flight: int = 20_000,
) -> Recorder:
    """Starts call(i) at start + i/rate for every i in the duration and waits for them all.
    Past `max_in_flight` outstanding calls the rest are counted as failed ("overload"), never
    queued, so the schedule stays honest."""
    loop = asyncio.get_running_loop()
    total = int(rate_per_s * duration_s)
    start = loop.time()
    recorder.started = time.monotonic()
    in_flight: set[asyncio.Task[None]] = set()

    async def one(i: int, intended: float) -> None:
        try:
            outcome = await call(i)
        except Failed as exc:
            recorder.failed(exc.code)
            return
        except Exception as exc:
            recorder.failed(type(exc).__name__)
            return
        recorder.ok(loop.time() - intended, outcome)

    for i in range(total):
        intended = start + i / rate_per_s
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        recorder.sent += 1
        if len(in_flight) >= max_in_flight:
            recorder.failed("overload")
            continue
        task = asyncio.create_task(one(i, intended))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight)
    recorder.finished = time.monotonic()
    return recorder
