"""What a caller hears when a servicer fails: a database out of reach or out of time is
UNAVAILABLE (worth trying again), anything else unexpected is INTERNAL (a bug). A real
grpc.aio server on loopback with the services' interceptor, raw bytes in and out."""

from collections.abc import AsyncIterator, Awaitable, Callable

import grpc
import pytest
from pymongo.errors import DuplicateKeyError, NetworkTimeout, ServerSelectionTimeoutError

from common.interceptor import CallInterceptor

FAILURES = {
    "NetworkTimeout": NetworkTimeout("127.0.0.1:27017: timed out"),
    "NoServer": ServerSelectionTimeoutError("no server"),
    "Duplicate": DuplicateKeyError("E11000"),
    "Bug": ValueError("a bug"),
}


def _raiser(name: str) -> Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]:
    async def unary(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise FAILURES[name]

    return unary


async def _stream(request: bytes, context: grpc.aio.ServicerContext) -> AsyncIterator[bytes]:
    yield b"first"
    raise FAILURES["NetworkTimeout"]


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    handlers = {name: grpc.unary_unary_rpc_method_handler(_raiser(name)) for name in FAILURES} | {
        "Stream": grpc.unary_stream_rpc_method_handler(_stream)
    }
    server = grpc.aio.server(interceptors=[CallInterceptor()])
    server.add_generic_rpc_handlers([grpc.method_handlers_generic_handler("t.Test", handlers)])
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as ch:
        yield ch
    await server.stop(None)


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("NetworkTimeout", grpc.StatusCode.UNAVAILABLE),
        ("NoServer", grpc.StatusCode.UNAVAILABLE),
        ("Duplicate", grpc.StatusCode.INTERNAL),
        ("Bug", grpc.StatusCode.INTERNAL),
    ],
)
async def test_a_database_out_of_time_is_unavailable_and_a_bug_internal(
    channel: grpc.aio.Channel, name: str, code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await channel.unary_unary(f"/t.Test/{name}")(b"", timeout=5)
    assert failed.value.code() == code


async def test_a_stream_cut_by_the_database_ends_unavailable(channel: grpc.aio.Channel) -> None:
    call = channel.unary_stream("/t.Test/Stream")(b"", timeout=5)
    assert await call.read() == b"first"
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await call.read()
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE
