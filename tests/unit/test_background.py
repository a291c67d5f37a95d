"""Periodic jobs stop when cancelled, even when the job turns the cancellation into an error
of its own or swallows it (as a database client may for a call in flight)."""

from __future__ import annotations

import asyncio

import pytest

from common.background import every


@pytest.mark.parametrize("mode", ["error", "swallowed"])
async def test_a_job_that_hides_its_cancellation_still_stops(mode: str) -> None:
    started = asyncio.Event()

    async def job() -> None:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            if mode == "error":
                raise RuntimeError("connection closed") from None
            # swallowed: returns as if the call had finished

    task = asyncio.create_task(every(0.01, job, "test job"))
    await started.wait()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=2)
    assert task in done and task.cancelled()


async def test_a_failing_job_is_retried() -> None:
    calls = 0

    async def job() -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("the database is away")

    task = asyncio.create_task(every(0.01, job, "test job"))
    await asyncio.sleep(0.1)
    task.cancel()
    await asyncio.wait([task], timeout=2)
    assert calls >= 3
