"""Login rate limits, per phone and per client address, in the worker's memory.

Checked only by the login view (a middleware check on every request cost a fifth of the
gateway's throughput), with the well-kept `limits` library's moving window."""

from __future__ import annotations

import math
import time

from flask import current_app, request
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from gateway.errors import ApiError

_window = MovingWindowRateLimiter(MemoryStorage())


class TooManyAttempts(ApiError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(429, "RESOURCE_EXHAUSTED", "too many attempts; wait and try again")
        self.retry_after = retry_after


def check_login(phone: str) -> None:
    """Counts one login attempt; raises TooManyAttempts (429) past the configured rate."""
    limit = parse(current_app.config["SETTINGS"].login_rate_limit)
    for key in (f"phone:{phone}", f"addr:{request.remote_addr}"):
        if not _window.hit(limit, "login", key):
            reset = _window.get_window_stats(limit, "login", key).reset_time
            raise TooManyAttempts(max(1, math.ceil(reset - time.time())))
