"""Notification streams for the gateway's SSE responses, run on one asyncio loop per worker.

A blocking gRPC stream wakes its thread ten times a second (grpc's wait granularity), so 500
idle streams cost 5,000 wake-ups a second and slow every other request of the worker. Here the
gRPC streams live on one asyncio thread; each SSE thread sleeps in a plain queue until an event
arrives, which costs nothing while idle."""

from __future__ import annotations

import asyncio
import os
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from typing import Any

import grpc

from api.lastmile.v1 import notification_pb2, notification_pb2_grpc
from common.channels import aio_channel

_END = object()
BACKLOG = 1000  # events a slow browser may fall behind before its stream is ended


class Subscription:
    def __init__(self, events: queue.Queue, pump: Future) -> None:
        self._events = events
        self._pump = pump

    def __iter__(self) -> Iterator[notification_pb2.SubscribeEvent]:
        while True:
            item = self._events.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def cancel(self) -> None:
        self._pump.cancel()


class StreamHub:
    """One per worker process: its loop thread starts on first use, after the fork."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stubs: dict[str, Any] = {}

    def _loop_for_this_process(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._pid != os.getpid() or self._loop is None:
                loop = asyncio.new_event_loop()
                threading.Thread(target=loop.run_forever, name="sse-streams", daemon=True).start()
                self._loop, self._pid, self._stubs = loop, os.getpid(), {}
            return self._loop

    def subscribe(self, address: str, request: notification_pb2.SubscribeRequest) -> Subscription:
        loop = self._loop_for_this_process()
        events: queue.Queue = queue.Queue()
        pump = asyncio.run_coroutine_threadsafe(self._pump(address, request, events), loop)
        return Subscription(events, pump)

    async def _pump(
        self, address: str, request: notification_pb2.SubscribeRequest, events: queue.Queue
    ) -> None:
        stub = self._stubs.get(address)
        if stub is None:
            # Made on the loop's own thread, where grpc.aio channels must live.
            stub = notification_pb2_grpc.NotificationServiceStub(
                aio_channel(address, wait_for_ready=False)
            )
            self._stubs[address] = stub
        call = stub.Subscribe(request)
        try:
            async for event in call:
                if events.qsize() > BACKLOG:
                    break
                events.put_nowait(event)
        except grpc.aio.AioRpcError as exc:
            events.put_nowait(exc)
        finally:
            call.cancel()
            events.put_nowait(_END)


hub = StreamHub()
