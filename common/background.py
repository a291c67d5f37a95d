"""Periodic background jobs of a service process."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("lastmile.background")


async def every(interval_s: float, job: Callable[[], Awaitable[object]], name: str) -> None:
    """Runs `job` every `interval_s` seconds until cancelled; a failure is logged, not fatal."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; will retry", name)
        await asyncio.sleep(interval_s)
