"""Attempt limits (log-ins per phone and per client address, sign-ups per client address),
counted in the database so that every replica sees the same counts.

A limit is a fixed window: `10/minute` allows ten attempts per key in each calendar minute.
Each (key, window) is one counter document, incremented atomically and deleted by a TTL index
once its window is over."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from limits import parse

from common.errors import ResourceExhausted

# (counter id, when the counter may be forgotten) -> the count after this attempt
Count = Callable[[str, datetime], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Rate:
    amount: int
    window_s: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`10/minute`, `20/hour`, `5 per 30 seconds` (the `limits` library's notation)."""
        item = parse(text)
        return cls(item.amount, item.get_expiry())


def window_of(rate: Rate, now: datetime) -> tuple[int, datetime]:
    """The window holding `now`: its number and its end."""
    number = math.floor(now.timestamp() / rate.window_s)
    return number, datetime.fromtimestamp((number + 1) * rate.window_s, UTC)


class Limiter:
    """Counts an attempt against each named key; refuses past the rate."""

    def __init__(self, count: Count, rates: dict[str, Rate]) -> None:
        self._count, self._rates = count, rates

    async def attempt(self, kind: str, key: str, now: datetime | None = None) -> None:
        """Counts one attempt of `kind` by `key`; ResourceExhausted (with the seconds until
        the window ends) once the window's attempts exceed the rate."""
        rate = self._rates[kind]
        now = now or datetime.now(UTC)
        number, ends = window_of(rate, now)
        count = await self._count(f"{kind}:{key}:{number}", ends)
        if count > rate.amount:
            raise ResourceExhausted(
                "too many attempts; wait and try again",
                math.ceil((ends - now).total_seconds()),
            )
