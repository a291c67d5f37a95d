"""The password-hashing gate: capacity, priority, refusals, deadlines, cancellation."""

import asyncio
import threading

import pytest

from common import deadlines
from common.errors import ResourceExhausted
from services.user.hashing import STALE_AFTER_S, HashGate, Priority


class _Context:
    def __init__(self, remaining: float | None) -> None:
        self._remaining = remaining

    def time_remaining(self) -> float | None:
        return self._remaining

    def invocation_metadata(self) -> tuple:
        return ()


def _work(release: threading.Event, done: list[str], name: str) -> str:
    release.wait(5)
    done.append(name)
    return name


async def test_log_ins_go_ahead_of_sign_ups_and_each_gets_its_answer() -> None:
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=0.01, login_reserve=0)
    release, done = threading.Event(), []
    first = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "first"))
    await asyncio.sleep(0.05)
    signup = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "signup"))
    await asyncio.sleep(0.01)
    login = asyncio.create_task(gate.run(Priority.LOGIN, _work, release, done, "login"))
    await asyncio.sleep(0.01)
    release.set()
    assert await asyncio.gather(first, signup, login) == ["first", "signup", "login"]
    assert done == ["first", "login", "signup"]
    gate.close()


async def test_a_log_in_runs_beside_busy_sign_ups_on_its_reserved_slot() -> None:
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=0.01, login_reserve=1)
    release, done = threading.Event(), []
    running = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "running"))
    await asyncio.sleep(0.05)
    queued = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "queued"))
    await asyncio.sleep(0.01)
    # The reserved slot is the log-in's alone: a deadline that leaves room for one hash only
    # is enough, and the queued sign-up does not take the slot meanwhile.
    with deadlines.serving(_Context(0.5)):  # type: ignore[arg-type]
        assert await gate.run(Priority.LOGIN, lambda: "login") == "login"
    await asyncio.sleep(0.05)
    assert done == [] and not queued.done()
    release.set()
    assert await asyncio.gather(running, queued) == ["running", "queued"]
    assert done == ["running", "queued"]
    gate.close()


async def test_a_full_queue_refuses_sign_ups_at_once_but_not_log_ins() -> None:
    gate = HashGate(capacity=1, max_waiting=1, estimate_s=0.01)
    release, done = threading.Event(), []
    running = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "a"))
    await asyncio.sleep(0.05)
    queued = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "b"))
    await asyncio.sleep(0.01)
    with pytest.raises(ResourceExhausted) as refused:
        await gate.run(Priority.SIGN_UP, _work, release, done, "c")
    assert refused.value.retry_after_s >= 1
    login = asyncio.create_task(gate.run(Priority.LOGIN, _work, release, done, "login"))
    await asyncio.sleep(0.01)
    release.set()
    await asyncio.gather(running, queued, login)
    assert "c" not in done and "login" in done
    gate.close()


async def test_a_call_whose_deadline_cannot_be_met_is_refused_without_hashing() -> None:
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=0.5)
    release, done = threading.Event(), []
    release.set()
    with deadlines.serving(_Context(0.6)), pytest.raises(ResourceExhausted):  # type: ignore[arg-type]
        await gate.run(Priority.SIGN_UP, _work, release, done, "late")
    assert done == [] and gate.refused == 1
    with deadlines.serving(_Context(5.0)):  # type: ignore[arg-type]
        assert await gate.run(Priority.SIGN_UP, _work, release, done, "in time") == "in time"
    gate.close()


async def test_a_waiting_call_gives_up_before_its_deadline_and_frees_nothing_it_lacks() -> None:
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=0.05)
    release, done = threading.Event(), []
    running = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "long"))
    await asyncio.sleep(0.05)
    # Its own answer (429), not its deadline's: the call ends without anyone cancelling it.
    with deadlines.serving(_Context(0.4)), pytest.raises(ResourceExhausted):  # type: ignore[arg-type]
        await gate.run(Priority.SIGN_UP, _work, release, done, "gave up")
    release.set()
    await running
    # The slot is free again: the next call runs at once.
    assert await gate.run(Priority.LOGIN, _work, release, done, "next") == "next"
    assert done == ["long", "next"]
    gate.close()


async def test_a_cancelled_waiter_leaves_the_queue() -> None:
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=0.01)
    release, done = threading.Event(), []
    running = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "a"))
    await asyncio.sleep(0.05)
    waiter = asyncio.create_task(gate.run(Priority.SIGN_UP, _work, release, done, "b"))
    await asyncio.sleep(0.01)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    release.set()
    await running
    assert await gate.run(Priority.SIGN_UP, _work, release, done, "c") == "c"
    assert done == ["a", "c"]
    gate.close()


async def test_an_estimate_nothing_has_confirmed_for_a_while_is_tried_again() -> None:
    """An estimate made at a busy moment would refuse every call for good (none runs to
    correct it): once it is stale, a call with nothing ahead runs and measures again."""
    gate = HashGate(capacity=1, max_waiting=10, estimate_s=2.0)
    release, done = threading.Event(), []
    release.set()
    with deadlines.serving(_Context(3.0)), pytest.raises(ResourceExhausted):  # type: ignore[arg-type]
        await gate.run(Priority.SIGN_UP, _work, release, done, "refused")
    gate._measured_at -= STALE_AFTER_S + 1
    with deadlines.serving(_Context(3.0)):  # type: ignore[arg-type]
        assert await gate.run(Priority.SIGN_UP, _work, release, done, "probe") == "probe"
    await asyncio.sleep(0.05)  # the estimate is updated on the loop when the thread is done
    assert gate.estimate_s < 2.0 and gate.refused == 1
    gate.close()
