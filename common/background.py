"""Periodic background jobs of a service process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("lastmile.background")


async def every(interval_s: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Runs `job` every `interval_s` seconds until cancelled; a failure is logged, not fatal."""
    task = asyncio.current_task()
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            # A client library may turn the cancellation of a call in flight into an error
            # of its own (or swallow it): the task is still being cancelled, so it stops.
            if task is not None and task.cancelling():
                raise asyncio.CancelledError from None
            log.exception("%s failed; will retry", name)
        if task is not None and task.cancelling():
            raise asyncio.CancelledError
        await asyncio.sleep(interval_s)
