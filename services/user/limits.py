"""Attempt limits (log-ins per phone and per client address, sign-ups per client address),
counted in the database so that every replica sees the same counts.

A limit is a sliding window: `10/minute` allows about ten attempts per key in any sixty
seconds, not ten in each calendar minute (which let twenty through across a minute's turn,
and let a caller's attempts fall either side of it by chance). It is the usual two-counter
estimate: the attempts in this window plus the previous window's, weighted by how much of
the previous window the last `window_s` seconds still cover. Each (key, window) is one counter
document, incremented atomically and deleted by a TTL index once it can no longer be read."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from limits import parse

from common.errors import ResourceExhausted

# (counter id, when the counter may be forgotten) -> the count after this attempt
Count = Callable[[str, datetime], Awaitable[int]]
# counter id -> its count (0 when there is none)
Read = Callable[[str], Awaitable[int]]


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


def _into(rate: Rate, now: datetime) -> float:
    """Seconds since the window holding `now` began."""
    return now.timestamp() % rate.window_s


def estimate(rate: Rate, current: int, previous: int, now: datetime) -> float:
    """Attempts in the `window_s` seconds up to `now`, under the usual assumption that the
    previous window's attempts were spread evenly over it."""
    return current + previous * (rate.window_s - _into(rate, now)) / rate.window_s


def over(rate: Rate, current: int, previous: int, now: datetime) -> bool:
    """Whether the estimate exceeds the rate (compared multiplied out: 1 + 5 × 0.6 is 4 here,
    not 4.0000000000000004)."""
    left = rate.window_s - _into(rate, now)
    return current * rate.window_s + previous * left > rate.amount * rate.window_s


def wait_s(rate: Rate, counted: int, previous: int, now: datetime) -> int:
    """Whole seconds until one more attempt would be within the rate, if nobody tries
    meanwhile; `counted` attempts are in this window already (refused ones too)."""
    window, into = rate.window_s, _into(rate, now)
    after = counted + 1
    if after <= rate.amount and previous > 0:
        # Later in this window: the previous window's share decays below what is left.
        free_at = window - (rate.amount - after) * window / previous
    else:
        # Only in the next window, once this window's share has decayed enough.
        free_at = window + max(0.0, window - (rate.amount - 1) * window / max(counted, 1))
    return max(1, math.ceil(free_at - into))


class Limiter:
    """Counts an attempt against each named key; refuses past the rate."""

    def __init__(self, count: Count, read: Read, rates: dict[str, Rate]) -> None:
        self._count, self._read, self._rates = count, read, rates

    async def attempt(self, kind: str, key: str, now: datetime | None = None) -> None:
        """Counts one attempt of `kind` by `key`; ResourceExhausted (with the seconds until
        an attempt would be allowed) once the attempts in the last window exceed the rate."""
        rate = self._rates[kind]
        now = now or datetime.now(UTC)
        number, ends = window_of(rate, now)
        # A window's counter is read as "the previous one" until the next window ends.
        forget_at = ends + timedelta(seconds=rate.window_s)
        current = await self._count(f"{kind}:{key}:{number}", forget_at)
        if current > rate.amount:
            previous = 0  # over the rate on this window's count alone: no need to read
        else:
            previous = await self._read(f"{kind}:{key}:{number - 1}")
        if over(rate, current, previous, now):
            raise ResourceExhausted(
                "too many attempts; wait and try again", wait_s(rate, current, previous, now)
            )
