"""NotificationService: store first, then wake live subscribers; Subscribe replays from the
database and then follows it."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
import zlib
from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct
from google.protobuf.timestamp_pb2 import Timestamp

from api.lastmile.v1 import notification_pb2, notification_pb2_grpc
from common import tracing
from common.convert import to_timestamp, utcnow
from common.errors import FailedPrecondition, InvalidArgument
from services.notification import positions
from services.notification.fanout import Fanout
from services.notification.store import ListenerRegistry, NotificationStore, PositionRelay

MAX_TITLE, MAX_BODY, MAX_BATCH = 120, 1000, 100
REPLAY_PAGE = 100
SEQ_CACHE = 10_000
Kind = notification_pb2.NotificationKind
PREFIX = "NOTIFICATION_KIND_"


def notification_message(doc: dict[str, Any]) -> notification_pb2.Notification:
    data = Struct()
    data.update(doc.get("data") or {})
    return notification_pb2.Notification(
        seq=doc["seq"],
        user_id=doc["userId"],
        kind=Kind.Value(PREFIX + doc["kind"]),
        title=doc["title"],
        body=doc["body"],
        data=data,
        created_at=to_timestamp(doc["createdAt"]),
        read=doc["read"],
    )


def validate(request: notification_pb2.NotifyRequest) -> None:
    if not request.user_id:
        raise InvalidArgument("user_id is required", "user_id")
    if request.kind == Kind.NOTIFICATION_KIND_UNSPECIFIED or request.kind not in Kind.values():
        raise InvalidArgument("kind must be one of the notification kinds", "kind")
    if not 1 <= len(request.title) <= MAX_TITLE:
        raise InvalidArgument(f"title must be 1 to {MAX_TITLE} characters", "title")
    if len(request.body) > MAX_BODY:
        raise InvalidArgument(f"body must be at most {MAX_BODY} characters", "body")
    if not request.idempotency_key:
        raise InvalidArgument("idempotency_key is required", "idempotency_key")


WATCH_OVERLAP = timedelta(seconds=5)
# Relayed positions are read again this far back, so one posted while the last read ran is
# not missed; a position read twice is dropped by its fix time.
RELAY_OVERLAP = timedelta(seconds=0.5)
ANNOUNCE_EVERY_S = 5.0
LISTENERS_STALE_S = 15.0


class NotificationServicer(notification_pb2_grpc.NotificationServiceServicer):
    def __init__(
        self,
        store: NotificationStore,
        fanout: Fanout,
        poll_s: float = 2.0,
        relay: PositionRelay | None = None,
        relay_poll_s: float = 0.2,
        listeners: ListenerRegistry | None = None,
    ) -> None:
        self.store = store
        self.fanout = fanout
        self.poll_s = poll_s
        self.relay = relay
        self.relay_poll_s = relay_poll_s
        self.replica_id = uuid.uuid4().hex
        self.listeners = listeners
        # Users with a stream open on another replica (as last read), and what this replica
        # last announced of its own.
        self._remote: set[str] = set()
        self._announced: tuple[list[str], float] = ([], 0.0)
        # Per-user order of sequence numbers and inserts, striped to bound memory.
        self._locks = [asyncio.Lock() for _ in range(64)]
        self._closing = asyncio.Event()
        # Last sequence number stored per user, learnt from the database on first use; the
        # unique (userId, seq) index catches a number another replica used meanwhile.
        self._last_seq: OrderedDict[str, int] = OrderedDict()

    async def wake_for_other_replicas(self) -> None:
        """One query for the whole process (run every POLL interval), not one per subscriber:
        which users got a notification lately, from any replica; their local subscribers wake
        and read from their own sequence number. The window reaches WATCH_OVERLAP further
        back than the interval, so clocks a little apart, or an insert in flight, are not
        missed; a repeated wake-up costs one read."""
        local = self.fanout.users()
        if not local:
            return
        since = utcnow() - timedelta(seconds=self.poll_s) - WATCH_OVERLAP
        for user_id in local & await self.store.users_since(since):
            self.fanout.publish(user_id)

    async def exchange_listeners(self) -> None:
        """Announces who listens here (when it changed, and every few seconds so the record
        stays alive) and learns who listens on the other replicas (run every second)."""
        if self.listeners is None:
            return
        users = sorted(self.fanout.users())
        last, at = self._announced
        if users != last or time.monotonic() - at > ANNOUNCE_EVERY_S:
            await self.listeners.announce(self.replica_id, users, utcnow())
            self._announced = (users, time.monotonic())
        since = utcnow() - timedelta(seconds=LISTENERS_STALE_S)
        self._remote = await self.listeners.others(self.replica_id, since)

    async def withdraw_listeners(self) -> None:
        if self.listeners is not None:
            await self.listeners.withdraw(self.replica_id)

    async def read_relayed_positions(self) -> None:
        """Positions another replica received for riders whose stream is open here (run
        every relay interval; one query for the whole process)."""
        if self.relay is None or not self.fanout.users():
            return
        since = utcnow() - timedelta(seconds=self.relay_poll_s) - RELAY_OVERLAP
        for doc in await self.relay.posted_since(since, self.replica_id):
            message = positions.from_relay_doc(doc)
            self.fanout.offer_position(
                doc["userId"], message.trip_id, message, positions.fix_time(message)
            )

    async def PublishPositions(
        self, request: notification_pb2.PublishPositionsRequest, context: grpc.aio.ServicerContext
    ) -> notification_pb2.PublishPositionsResponse:
        positions.check(request)
        here, away = 0, []
        now = utcnow()
        for p in request.positions:
            for recipient in p.recipients:
                message = positions.for_recipient(p, recipient)
                fix_at = positions.fix_time(message)
                delivered = self.fanout.offer_position(
                    recipient.user_id, p.trip_id, message, fix_at
                )
                here += delivered
                # Without a registry, every rider not served here may be listening elsewhere.
                elsewhere = self.listeners is None and not delivered
                if elsewhere or recipient.user_id in self._remote:
                    away.append(
                        positions.relay_doc(recipient.user_id, message, self.replica_id, now)
                    )
        # Riders whose stream is open on another replica get theirs through the relay (kept a
        # minute, never in their log); riders with no stream open anywhere, nothing.
        if away and self.relay is not None:
            await self.relay.post(away)
        return notification_pb2.PublishPositionsResponse(delivered_here=here, posted=len(away))

    async def close_streams(self) -> None:
        """Ends every Subscribe stream (at shutdown); clients resume elsewhere from their seq."""
        self._closing.set()
        self.fanout.publish_all()

    async def _next_seq(self, user_id: str) -> int:
        last = self._last_seq.get(user_id)
        if last is None:
            last = await self.store.last_seq(user_id)
        self._last_seq[user_id] = last
        self._last_seq.move_to_end(user_id)
        while len(self._last_seq) > SEQ_CACHE:
            self._last_seq.popitem(last=False)
        return last + 1

    async def _store(self, request: notification_pb2.NotifyRequest) -> dict[str, Any]:
        validate(request)
        user = request.user_id
        lock = self._locks[zlib.crc32(user.encode()) % len(self._locks)]
        async with lock:
            for _ in range(10):
                doc = {
                    "userId": user,
                    "seq": await self._next_seq(user),
                    "kind": Kind.Name(request.kind).removeprefix(PREFIX),
                    "title": request.title,
                    "body": request.body,
                    "data": json_format.MessageToDict(request.data),
                    "createdAt": utcnow(),
                    "read": False,
                    "key": request.idempotency_key,
                }
                if trace_headers := tracing.carrier():
                    doc["trace"] = trace_headers  # the push carries on the sender's trace
                if await self.store.insert(doc):
                    self._last_seq[user] = doc["seq"]
                    break
                existing = await self.store.by_key(user, request.idempotency_key)
                if existing is not None:
                    return existing  # a repeat: stored once, answered again
                # Another replica took the seq: learn the latest and try again.
                self._last_seq.pop(user, None)
            else:
                raise FailedPrecondition("notifications for this user are too busy; try again")
        self.fanout.publish(user)
        return doc

    async def Notify(
        self, request: notification_pb2.NotifyRequest, context: grpc.aio.ServicerContext
    ) -> notification_pb2.Notification:
        return notification_message(await self._store(request))

    async def NotifyBatch(
        self, request: notification_pb2.NotifyBatchRequest, context: grpc.aio.ServicerContext
    ) -> notification_pb2.NotifyBatchResponse:
        if len(request.notifications) > MAX_BATCH:
            raise InvalidArgument(f"at most {MAX_BATCH} notifications per batch", "notifications")
        for item in request.notifications:
            validate(item)
        # Users in parallel; one user's notifications in the order given.
        by_user: dict[str, list[int]] = {}
        for i, item in enumerate(request.notifications):
            by_user.setdefault(item.user_id, []).append(i)
        docs: list[dict[str, Any]] = [{}] * len(request.notifications)

        async def store_for(indexes: list[int]) -> None:
            for i in indexes:
                docs[i] = await self._store(request.notifications[i])

        await asyncio.gather(*(store_for(ix) for ix in by_user.values()))
        return notification_pb2.NotifyBatchResponse(
            notifications=[notification_message(d) for d in docs]
        )

    async def Subscribe(
        self, request: notification_pb2.SubscribeRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[notification_pb2.SubscribeEvent]:
        if not request.user_id:
            raise InvalidArgument("user_id is required", "user_id")
        heartbeat_s = min(max(request.heartbeat_seconds or 10, 1), 60)
        last = max(request.after_seq, 0)
        subscriber = self.fanout.subscribe(request.user_id)
        idle = 0.0
        try:
            while not self._closing.is_set():
                subscriber.wake.clear()
                if subscriber.notes:
                    subscriber.notes = False
                    docs = await self.store.after(request.user_id, last, REPLAY_PAGE)
                    for doc in docs:
                        last = doc["seq"]
                        push = tracing.continued(f"push {doc['kind']}", doc.get("trace"))
                        yield notification_pb2.SubscribeEvent(
                            notification=notification_message(doc)
                        )
                        if push is not None:
                            push.end()
                    if len(docs) == REPLAY_PAGE:
                        subscriber.notes = True
                        continue
                    if docs:
                        idle = 0.0
                ready, next_due = subscriber.due(time.monotonic())
                for message in ready:
                    yield notification_pb2.SubscribeEvent(position=message)
                if ready:
                    idle = 0.0
                # Wait for a wake-up (a Notify or a position in this process, or what another
                # replica stored: `wake_for_other_replicas`), for the next position's turn, or
                # for the heartbeat.
                wait = heartbeat_s - idle
                if next_due is not None:
                    wait = min(wait, next_due)
                started = time.monotonic()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(subscriber.wake.wait(), timeout=max(wait, 0.01))
                idle += time.monotonic() - started
                if idle >= heartbeat_s:
                    idle = 0.0
                    now = Timestamp()
                    now.GetCurrentTime()
                    yield notification_pb2.SubscribeEvent(
                        heartbeat=notification_pb2.Heartbeat(at=now)
                    )
        finally:
            self.fanout.unsubscribe(subscriber)

    async def ListNotifications(
        self, request: notification_pb2.ListNotificationsRequest, context: grpc.aio.ServicerContext
    ) -> notification_pb2.ListNotificationsResponse:
        if not request.user_id:
            raise InvalidArgument("user_id is required", "user_id")
        limit = min(request.limit or 50, 500)
        if limit < 0:
            raise InvalidArgument("limit must not be negative", "limit")
        docs = await self.store.after(request.user_id, request.after_seq, limit + 1)
        return notification_pb2.ListNotificationsResponse(
            notifications=[notification_message(d) for d in docs[:limit]],
            has_more=len(docs) > limit,
        )

    async def MarkRead(
        self, request: notification_pb2.MarkReadRequest, context: grpc.aio.ServicerContext
    ) -> notification_pb2.MarkReadResponse:
        if not request.user_id:
            raise InvalidArgument("user_id is required", "user_id")
        updated = await self.store.mark_read(request.user_id, request.up_to_seq)
        return notification_pb2.MarkReadResponse(updated=updated)
