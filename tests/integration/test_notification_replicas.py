"""Two notification replicas: a notification stored through one reaches a live stream held by
the other, through the process-wide watcher (one query per interval, not per subscriber)."""

from __future__ import annotations

import asyncio
import contextlib

import grpc
import pytest

from api.lastmile.v1 import notification_pb2
from common.notify import notice
from tests.harness import Cluster

pytestmark = pytest.mark.integration


async def test_a_stream_on_one_replica_hears_what_another_stored(cluster: Cluster) -> None:
    a, b = cluster.start_replicas("notification", 2, env={"SUBSCRIBE_POLL_S": "0.5"})
    on_a = cluster.stub_at("notification", a.address)
    on_b = cluster.stub_at("notification", b.address)
    got: list[notification_pb2.Notification] = []
    arrived = asyncio.Event()
    stream = on_b.Subscribe(notification_pb2.SubscribeRequest(user_id="u-1", heartbeat_seconds=30))

    async def read() -> None:
        with contextlib.suppress(grpc.aio.AioRpcError, asyncio.CancelledError):
            async for event in stream:
                if event.HasField("notification"):
                    got.append(event.notification)
                    if len(got) == 3:
                        arrived.set()

    reader = asyncio.create_task(read())
    try:
        await asyncio.sleep(0.3)  # the stream is open on b, with nothing to replay
        for n in range(3):
            await on_a.Notify(
                notice("u-1", notification_pb2.NOTIFICATION_KIND_MATCHED, f"t{n}", "b", f"k{n}")
            )
        await asyncio.wait_for(arrived.wait(), 5)
        assert [n.title for n in got] == ["t0", "t1", "t2"]
        assert [n.seq for n in got] == [1, 2, 3]
    finally:
        stream.cancel()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
