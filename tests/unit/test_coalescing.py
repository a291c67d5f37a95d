"""The gateway's call coalescer: concurrent calls share batches, each caller gets its own
answer or error, and no caller waits past its deadline."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import grpc
import pytest

from common.errors import ItemError, field_of
from gateway.coalescing import Coalescer


class Backend:
    """A batched 'service' that doubles numbers, refuses negatives per item, and can be held
    (so calls pile up behind a batch in flight) or made to fail whole."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.release = threading.Event()
        self.release.set()
        self.entered = threading.Event()
        self.fail_with: grpc.RpcError | None = None

    def send(self, items: list[int], timeout: float) -> list[int | ItemError]:
        self.batches.append(list(items))
        self.entered.set()
        assert timeout > 0
        if not self.release.wait(timeout):  # like a gRPC call, it ends at its deadline
            raise ItemError(grpc.StatusCode.DEADLINE_EXCEEDED, "deadline exceeded")
        if self.fail_with is not None:
            raise self.fail_with
        return [
            ItemError(grpc.StatusCode.INVALID_ARGUMENT, "negative", "n") if i < 0 else i * 2
            for i in items
        ]


def test_a_lone_call_is_sent_at_once_and_answered() -> None:
    backend = Backend()
    coalescer = Coalescer("Doubler.Double", backend.send, timeout_s=5)
    assert coalescer.call(21) == 42
    assert backend.batches == [[21]]


def test_calls_that_arrive_while_a_batch_is_in_flight_share_the_next_batch() -> None:
    backend = Backend()
    # One slot: on a busy machine the held batch would otherwise count as stalled and let
    # others leave beside it.
    coalescer = Coalescer("Doubler.Double", backend.send, timeout_s=10, senders=1, max_senders=1)
    backend.release.clear()
    with ThreadPoolExecutor(40) as pool:
        first = pool.submit(coalescer.call, 0)
        assert backend.entered.wait(5)
        rest = [pool.submit(coalescer.call, n) for n in range(1, 40)]
        deadline = time.monotonic() + 5
        while len(coalescer._queue) < 39 and time.monotonic() < deadline:
            time.sleep(0.01)
        backend.release.set()
        answers = [first.result(10)] + [f.result(10) for f in rest]
    assert answers == [n * 2 for n in range(40)]
    # The 39 calls that waited behind the first batch left together, in one batch.
    assert [len(b) for b in backend.batches] == [1, 39]


def test_each_caller_gets_its_own_items_error() -> None:
    backend = Backend()
    coalescer = Coalescer("Doubler.Double", backend.send, timeout_s=5, senders=1)
    backend.release.clear()
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(coalescer.call, n) for n in (1, -1, 2, -2)]
        backend.release.set()
        outcomes = [f.exception(5) or f.result() for f in futures]
    assert outcomes[0] == 2 and outcomes[2] == 4
    for refused in (outcomes[1], outcomes[3]):
        assert isinstance(refused, grpc.RpcError)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert refused.details() == "negative"
        assert field_of(refused) == "n"
    assert outcomes[1] is not outcomes[3]


def test_a_failed_batch_fails_every_call_in_it_with_the_same_status() -> None:
    backend = Backend()
    backend.fail_with = ItemError(grpc.StatusCode.UNAVAILABLE, "connection refused")
    coalescer = Coalescer("Doubler.Double", backend.send, timeout_s=5)
    for n in (1, 2):
        with pytest.raises(grpc.RpcError) as err:
            coalescer.call(n)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_bug_in_the_sender_answers_internal_not_a_hang() -> None:
    def broken(items: list[int], timeout: float) -> list[int]:
        raise KeyError("oops")

    coalescer = Coalescer("Doubler.Double", broken, timeout_s=5)
    with pytest.raises(grpc.RpcError) as err:
        coalescer.call(1)
    assert err.value.code() == grpc.StatusCode.INTERNAL

    short = Coalescer("Doubler.Double", lambda items, timeout: [], timeout_s=5)
    with pytest.raises(grpc.RpcError) as err:
        short.call(1)  # an answer per call is missing
    assert err.value.code() == grpc.StatusCode.INTERNAL


def test_no_caller_waits_past_its_deadline() -> None:
    backend = Backend()
    backend.release.clear()
    # One slot (no batch leaves beside a stalled one); a call with under 0.25 s left is not sent.
    coalescer = Coalescer(
        "Doubler.Double", backend.send, timeout_s=0.5, senders=1, max_senders=1, min_budget_s=0.25
    )
    with ThreadPoolExecutor(2) as pool:
        stuck = pool.submit(coalescer.call, 1)  # its batch hangs until its deadline
        assert backend.entered.wait(5)
        started = time.monotonic()
        queued = pool.submit(coalescer.call, 2)  # waits behind it; never sent
        with pytest.raises(grpc.RpcError) as err:
            queued.result(5)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 2
        with pytest.raises(grpc.RpcError) as err:
            stuck.result(5)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    backend.release.set()
    assert coalescer.call(3) == 6  # the slot was handed back: later calls still go out
    assert backend.batches == [[1], [3]]  # the queued call was dropped, not sent late


def test_a_burst_of_calls_from_many_threads_all_get_answers() -> None:
    backend = Backend()
    coalescer = Coalescer("Doubler.Double", backend.send, timeout_s=10, senders=2, max_batch=8)
    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(coalescer.call, range(2000)))
    assert answers == [n * 2 for n in range(2000)]
    assert sorted(n for b in backend.batches for n in b) == list(range(2000))
    assert max(len(b) for b in backend.batches) <= 8


def test_a_stalled_batch_lets_the_next_one_leave_beside_it() -> None:
    slow = threading.Event()
    batches: list[list[int]] = []

    def send(items: list[int], timeout: float) -> list[int]:
        batches.append(list(items))
        if items == [0]:
            slow.wait(timeout)  # e.g. a position that fired a trigger, waiting for matching
        return [i * 2 for i in items]

    coalescer = Coalescer("Doubler.Double", send, timeout_s=5, senders=1, stall_s=0.05)
    with ThreadPoolExecutor(4) as pool:
        stuck = pool.submit(coalescer.call, 0)
        while not batches:
            time.sleep(0.005)
        time.sleep(0.1)  # longer than stall_s with nothing back
        assert coalescer.call(1) == 2  # went out beside the stuck batch
        slow.set()
        assert stuck.result(5) == 0
    assert batches == [[0], [1]]
