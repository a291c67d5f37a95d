"""The server interceptor every service installs: fault injection, domain-error mapping,
one structured log line and Prometheus metrics per call."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, NoReturn

import grpc
from pymongo.errors import ConnectionFailure, PyMongoError

from common import deadlines, metrics
from common.errors import STATUS_DETAILS_KEY, DomainError

log = logging.getLogger("lastmile.rpc")

# Infrastructure calls that would drown the log and skew latency figures.
_QUIET_PREFIXES = ("/grpc.health.v1.", "/grpc.reflection.")


class Faults:
    """Injected latency, UNAVAILABLE errors and a crash after N calls; off unless configured."""

    def __init__(self, delay_ms: int = 0, error_rate: float = 0.0, crash_after: int = 0) -> None:
        self.delay_s = delay_ms / 1000
        self.error_rate = error_rate
        self.crash_after = crash_after
        self.calls = 0

    @property
    def active(self) -> bool:
        return self.delay_s > 0 or self.error_rate > 0 or self.crash_after > 0

    async def apply(self, context: grpc.aio.ServicerContext) -> None:
        self.calls += 1
        if self.crash_after and self.calls >= self.crash_after:
            # As abrupt as an OOM kill: no drain, no goodbye to clients.
            log.error("injected crash", extra={"after_calls": self.calls})
            os.kill(os.getpid(), signal.SIGKILL)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.error_rate and random.random() < self.error_rate:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "injected fault")


class CallInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, faults: Faults | None = None) -> None:
        self.faults = faults or Faults()
        # A method's wrapped handler is built on its first call and reused after.
        self._wrapped: dict[str, grpc.RpcMethodHandler] = {}

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        wrapped = self._wrapped.get(details.method)
        if wrapped is not None:
            return wrapped
        handler = await continuation(details)
        if handler is None or details.method.startswith(_QUIET_PREFIXES):
            return handler
        wrapped = self._wrap(details.method, handler)
        self._wrapped[details.method] = wrapped
        return wrapped

    def _wrap(self, full_method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        _, service, method = full_method.split("/")
        call = _Call(service.rsplit(".", 1)[-1], method, self.faults)
        streams_out = handler.response_streaming
        if handler.request_streaming:
            behavior = handler.stream_stream if streams_out else handler.stream_unary
        else:
            behavior = handler.unary_stream if streams_out else handler.unary_unary
        wrapped = call.wrap_stream(behavior) if streams_out else call.wrap_unary(behavior)
        factory = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }[(handler.request_streaming, streams_out)]
        return factory(
            wrapped,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )


class _Call:
    """Bookkeeping of one method: wraps its behaviour with timing, logging and error mapping."""

    def __init__(self, service: str, method: str, faults: Faults) -> None:
        self.service, self.method, self.faults = service, method, faults
        # Label children looked up once: labels() takes a lock and builds a tuple every call.
        self._started = metrics.SERVER_STARTED.labels(service, method)
        self._in_flight = metrics.SERVER_IN_FLIGHT.labels(service)
        self._seconds = metrics.SERVER_HANDLING_SECONDS.labels(service, method)
        self._handled = metrics.Children(metrics.SERVER_HANDLED)

    def wrap_unary(self, behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> Any:
            start, peer = self._start(context)
            try:
                if self.faults.active:
                    await self.faults.apply(context)
                with deadlines.serving(context):
                    response = await behavior(request, context)
            except BaseException as exc:
                # Counted before the abort: abort sends the status at once, and a caller
                # reading the metrics after its answer must find this call in them.
                self._finish(start, _code_for(exc), context, peer)
                await self._fail(exc, context)
            self._finish(start, grpc.StatusCode.OK, context, peer)
            return response

        return run

    def wrap_stream(self, behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
        async def run(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            start, peer = self._start(context)
            finished = False
            try:
                if self.faults.active:
                    await self.faults.apply(context)
                async for item in behavior(request, context):
                    yield item
            except BaseException as exc:
                finished = True  # counted before the abort sends the status, as for unary
                self._finish(start, _code_for(exc), context, peer)
                await self._fail(exc, context)
            finally:
                # A stream cancelled while its message was being written is left suspended at
                # `yield` and only closed when the loop shuts down, after grpc freed the call:
                # nothing here may ask the call itself (context.peer() then crashed the process).
                if not finished:
                    self._finish(start, grpc.StatusCode.OK, context, peer)

        return run

    def _start(self, context: grpc.aio.ServicerContext) -> tuple[float, str]:
        self._started.inc()
        self._in_flight.inc()
        return time.perf_counter(), context.peer()

    async def _fail(self, exc: BaseException, context: grpc.aio.ServicerContext) -> NoReturn:
        """Ends the call for `exc`: aborts with the mapped status, or re-raises (always raises)."""
        if isinstance(exc, DomainError):
            await context.abort(exc.code, exc.message, trailing_metadata=exc.trailing_metadata())
        if isinstance(exc, asyncio.CancelledError | grpc.aio.AbortError):
            raise exc
        if isinstance(exc, grpc.aio.AioRpcError):
            # A peer's answer: its status passes through (a peer out of time is out of our
            # caller's time too, so DEADLINE_EXCEEDED stays what it is and is not retried),
            # and its field detail travels on.
            code = _PEER_CODES.get(exc.code(), exc.code())
            details = tuple(
                (k, v) for k, v in exc.trailing_metadata() or () if k == STATUS_DETAILS_KEY
            )
            await context.abort(code, exc.details() or code.name, details)
        if _database_unavailable(exc):
            # Not a bug but a database out of reach or out of time: the caller may try again.
            log.warning(
                "database unavailable in %s/%s: %s",
                self.service,
                self.method,
                exc.__class__.__name__,
            )
            await context.abort(grpc.StatusCode.UNAVAILABLE, "the database did not answer in time")
        if isinstance(exc, Exception):
            log.exception("unhandled error in %s/%s", self.service, self.method)
            await context.abort(grpc.StatusCode.INTERNAL, "internal error")
        raise exc

    def _finish(
        self, start: float, code: grpc.StatusCode, context: grpc.aio.ServicerContext, peer: str
    ) -> None:
        elapsed = time.perf_counter() - start
        final = _final_code(context, code)
        self._in_flight.dec()
        self._handled(self.service, self.method, final.name).inc()
        self._seconds.observe(elapsed)
        level = logging.INFO if final in _EXPECTED else logging.WARNING
        if log.isEnabledFor(level):
            log.log(
                level,
                "rpc",
                extra={
                    "rpc_service": self.service,
                    "rpc_method": self.method,
                    "code": final.name,
                    "duration_ms": round(elapsed * 1000, 2),
                    "peer": peer,
                },
            )


_EXPECTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.CANCELLED,
}


_PEER_CODES = {grpc.StatusCode.UNKNOWN: grpc.StatusCode.INTERNAL}


def _code_for(exc: BaseException) -> grpc.StatusCode:
    if isinstance(exc, DomainError):
        return exc.code
    if isinstance(exc, grpc.aio.AioRpcError):
        return _PEER_CODES.get(exc.code(), exc.code())
    if isinstance(exc, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    if isinstance(exc, grpc.aio.AbortError):
        return grpc.StatusCode.UNKNOWN  # the context knows the real code
    if _database_unavailable(exc):
        return grpc.StatusCode.UNAVAILABLE
    return grpc.StatusCode.INTERNAL


def _database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached, or did not answer within the operation's time."""
    return isinstance(exc, ConnectionFailure) or (isinstance(exc, PyMongoError) and exc.timeout)


def _final_code(context: grpc.aio.ServicerContext, fallback: grpc.StatusCode) -> grpc.StatusCode:
    code = context.code()
    if code is None:
        return fallback
    if isinstance(code, grpc.StatusCode):
        return code
    # grpc.aio reports an int from context.code() after abort.
    return next((c for c in grpc.StatusCode if c.value[0] == code), fallback)
