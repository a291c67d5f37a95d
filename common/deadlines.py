"""The caller's deadline, passed down every hop.

A server call records its remaining budget (grpc.aio's `time_remaining()`) in a context variable
for the task that serves it; calls made to peers from that task carry what is left of it (never a
fresh default), and every MongoDB operation inside it is bounded by the same budget through
`pymongo.timeout`. A call with no deadline keeps the channel's default.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import grpc
import pymongo

from common.metadata import value_of

# Call metadata: the caller's deadline as wall-clock Unix milliseconds. gRPC's own deadline is
# relative and starts again where the call is received, so time a call spent on the way (a
# busy caller, a busy server's poller) does not show in it; on one machine or NTP-synced
# nodes this shows it.
DEADLINE_KEY = "x-deadline-ms"

# The monotonic time by which the call being served must answer; None: no deadline.
_deadline: ContextVar[float | None] = ContextVar("lastmile_deadline", default=None)


def remaining() -> float | None:
    """Seconds left of the call being served, or None when it has no deadline."""
    deadline = _deadline.get()
    return None if deadline is None else max(0.0, deadline - time.monotonic())


@contextlib.contextmanager
def serving(context: grpc.aio.ServicerContext) -> Iterator[None]:
    """Within the block, peers and the database see the caller's remaining budget."""
    left = context.time_remaining()
    if left is not None:
        left = min(left, _wall_clock_left(context))
    if left is None:
        yield
        return
    token = _deadline.set(time.monotonic() + left)
    try:
        with pymongo.timeout(max(left, 0.001)):
            yield
    finally:
        _deadline.reset(token)


def _wall_clock_left(context: grpc.aio.ServicerContext) -> float:
    sent = value_of(context, DEADLINE_KEY)
    return int(sent) / 1000 - time.time() if sent and sent.isdigit() else float("inf")


def deadline_metadata(timeout: float, metadata: Any = None) -> tuple[tuple[str, str], ...]:
    """`metadata` plus the wall-clock deadline of a call made now with `timeout`."""
    at = str(int((time.time() + timeout) * 1000))
    return (*(metadata or ()), (DEADLINE_KEY, at))


def budget(asked: float | None, default: float | None) -> float | None:
    """The deadline of an outgoing call: what the caller being served has left (never more
    than the call itself asked for); outside a served call, what it asked for or `default`."""
    left = remaining()
    if left is None:
        return asked if asked is not None else default
    return left if asked is None else min(asked, left)


def _with_timeout(details: Any, timeout: float | None) -> Any:
    if timeout == details.timeout:
        return details
    return grpc.aio.ClientCallDetails(
        details.method, timeout, details.metadata, details.credentials, details.wait_for_ready
    )


class PassDeadline(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Client interceptor: a call to a peer gets the budget its caller has left, or, made
    outside any call (background work), `default_s`. Streams get no default: they stay open
    for as long as their reader wants."""

    def __init__(self, default_s: float) -> None:
        self.default_s = default_s

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(
            _with_timeout(details, budget(details.timeout, self.default_s)), request
        )

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await continuation(_with_timeout(details, budget(details.timeout, None)), request)


class _WithDeadline:
    """A blocking multi-callable that sets `timeout` when its caller gives none (a deadline only
    in the service config is enforced by the client but not sent, so the server could not pass
    it on), and sends the deadline as wall-clock metadata too (DEADLINE_KEY)."""

    __slots__ = ("_call", "_timeout")

    def __init__(self, call: Any, timeout: float) -> None:
        self._call, self._timeout = call, timeout

    def _args(self, timeout: float | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        timeout = timeout or self._timeout
        metadata = deadline_metadata(timeout, kwargs.pop("metadata", None))
        return {**kwargs, "timeout": timeout, "metadata": metadata}

    def __call__(self, request: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return self._call(request, **self._args(timeout, kwargs))

    def with_call(self, request: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return self._call.with_call(request, **self._args(timeout, kwargs))

    def future(self, request: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        return self._call.future(request, **self._args(timeout, kwargs))


def with_deadlines(stub: Any, timeout: float, keep: frozenset[str] = frozenset()) -> Any:
    """`stub` with every unary method sending `timeout` as its deadline unless the caller sets
    one; the methods named in `keep` (long-lived streams) are left as they are."""
    for name, call in list(vars(stub).items()):
        if name not in keep and isinstance(call, grpc.UnaryUnaryMultiCallable):
            setattr(stub, name, _WithDeadline(call, timeout))
    return stub
