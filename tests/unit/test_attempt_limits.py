"""The sliding-window attempt limit: counts across a window's turn, the estimate, the wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ResourceExhausted
from services.user.limits import Limiter, Rate, estimate, over, wait_s

MINUTE = Rate(4, 60)
# 10:00:00 UTC: the start of a minute window
START = datetime(2026, 12, 2, 10, 0, 0, tzinfo=UTC)


class Counters:
    """The store's two counter operations over a dict (expiry is the TTL index's business)."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    async def count(self, counter_id: str, _expires: datetime) -> int:
        self.counts[counter_id] = self.counts.get(counter_id, 0) + 1
        return self.counts[counter_id]

    async def read(self, counter_id: str) -> int:
        return self.counts.get(counter_id, 0)


def limiter(counters: Counters, rate: Rate = MINUTE) -> Limiter:
    return Limiter(counters.count, counters.read, {"login": rate})


async def answers(lim: Limiter, times: list[datetime]) -> list[str]:
    out = []
    for when in times:
        try:
            await lim.attempt("login", "+919876543210", when)
            out.append("ok")
        except ResourceExhausted as e:
            out.append(f"wait {e.retry_after_s}")
    return out


def test_the_previous_window_counts_by_what_is_left_of_it() -> None:
    assert estimate(MINUTE, 1, 4, START + timedelta(seconds=30)) == 3
    assert estimate(MINUTE, 2, 6, START + timedelta(seconds=45)) == 3.5
    assert estimate(MINUTE, 0, 9, START) == 9


def test_rates_parse_in_the_limits_notation() -> None:
    assert Rate.parse("10/minute") == Rate(10, 60)
    assert Rate.parse("20 per hour") == Rate(20, 3600)
    with pytest.raises(ValueError):
        Rate.parse("ten a minute")


@pytest.mark.parametrize("offset_s", [0.0, 30.0, 58.5, 59.9])
async def test_four_a_minute_lets_four_through_wherever_the_minute_turns(offset_s: float) -> None:
    """Five attempts a second apart: the fifth is refused even when the minute turns between
    them (a fixed window let it through, which is how a test of this limit was flaky)."""
    lim = limiter(Counters())
    first = START + timedelta(seconds=offset_s)
    codes = await answers(lim, [first + timedelta(seconds=i) for i in range(5)])
    assert codes[:4] == ["ok"] * 4 and codes[4].startswith("wait")


async def test_no_double_burst_across_the_turn() -> None:
    lim = limiter(Counters())
    late = [START + timedelta(seconds=59) for _ in range(4)]
    early = [START + timedelta(seconds=61) for _ in range(4)]
    assert await answers(lim, late) == ["ok"] * 4
    assert (await answers(lim, early))[0].startswith("wait")


async def test_attempts_come_back_as_the_previous_window_fades() -> None:
    lim = limiter(Counters())
    assert await answers(lim, [START + timedelta(seconds=50)] * 4) == ["ok"] * 4
    # Half-way through the next minute half of those four still count: two more fit.
    codes = await answers(lim, [START + timedelta(seconds=90)] * 3)
    assert codes[:2] == ["ok", "ok"] and codes[2].startswith("wait")
    # Two minutes on, nothing of them is left.
    assert await answers(lim, [START + timedelta(seconds=180)] * 4) == ["ok"] * 4


async def test_the_wait_is_when_an_attempt_would_pass() -> None:
    counters = Counters()
    lim = limiter(counters)
    assert await answers(lim, [START + timedelta(seconds=10)] * 4) == ["ok"] * 4
    (refused,) = await answers(lim, [START + timedelta(seconds=10)])
    seconds = int(refused.split()[1])
    # Five counted at :10 (the refused one too); one more passes once 1 + 5 × (1 − e) ≤ 4,
    # e = 0.4 of the next minute: 50 s + 24 s.
    assert seconds == 74
    later = START + timedelta(seconds=10 + seconds)
    assert await answers(lim, [later]) == ["ok"]


@given(
    amount=st.integers(1, 20),
    counted=st.integers(0, 40),
    previous=st.integers(0, 40),
    at=st.floats(0, 59.99),
)
def test_an_attempt_after_the_wait_fits_and_one_a_second_before_does_not(
    amount: int, counted: int, previous: int, at: float
) -> None:
    rate = Rate(amount, 60)
    now = START + timedelta(seconds=at)
    if not over(rate, counted, previous, now) and counted < amount:
        return  # not refused: no wait to check
    seconds = wait_s(rate, counted, previous, now)
    then = now + timedelta(seconds=seconds)

    # The counts as they would be then: still this window, or this one become the previous.
    def fits(moment: datetime) -> bool:
        if moment < START + timedelta(seconds=60):
            return not over(rate, counted + 1, previous, moment)
        if moment < START + timedelta(seconds=120):
            return not over(rate, 1, counted, moment)
        return True

    assert fits(then), seconds
    if seconds > 1:
        assert not fits(then - timedelta(seconds=1.0001))
