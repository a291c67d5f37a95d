"""Notifications: history, read marks, and the live Server-Sent Events stream."""

from __future__ import annotations

import json
from collections.abc import Iterator

import grpc
from flask import Blueprint, Response, g, request, stream_with_context
from prometheus_client import Gauge

from api.lastmile.v1 import notification_pb2
from gateway import auth, convert, models, tickets
from gateway.backends import stub
from gateway.errors import ApiError
from gateway.spec import endpoint

bp = Blueprint("live", __name__)
OPEN_STREAMS = Gauge(
    "gateway_open_streams", "Server-Sent Events streams open now.", multiprocess_mode="livesum"
)
KEEPALIVE_S = 15


def _int_param(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    # isascii: str.isdigit() also accepts digits such as '²' that int() refuses
    if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
        raise ApiError(400, "INVALID_ARGUMENT", f"{name} must be an integer in {low}..{high}", name)
    return int(raw)


@endpoint(
    bp,
    "GET",
    "/notifications",
    "The caller's notifications, oldest first",
    response=list[models.Notification],
    query=(("after", "integer"), ("limit", "integer")),
)
def history() -> list[models.Notification]:
    answer = stub("notification").ListNotifications(
        notification_pb2.ListNotificationsRequest(
            user_id=g.principal.user_id,
            after_seq=_int_param("after", 0, 0, 2**53),
            limit=_int_param("limit", 50, 1, 500),
        )
    )
    return [convert.notification(n) for n in answer.notifications]


@endpoint(
    bp,
    "POST",
    "/notifications/read",
    "Mark notifications read up to a seq",
    body=models.MarkReadBody,
    response=models.Updated,
)
def mark_read(body: models.MarkReadBody) -> models.Updated:
    answer = stub("notification").MarkRead(
        notification_pb2.MarkReadRequest(user_id=g.principal.user_id, up_to_seq=body.up_to)
    )
    return models.Updated(updated=answer.updated)


@endpoint(
    bp,
    "POST",
    "/notifications/ticket",
    "A one-minute single-use ticket for the stream",
    response=models.Ticket,
    status=201,
)
def ticket() -> models.Ticket:
    return models.Ticket(ticket=tickets.issue(g.principal))


@endpoint(
    bp,
    "GET",
    "/notifications/stream",
    "Live notifications (text/event-stream)",
    role="self",
    query=(("ticket", "string"), ("lastEventId", "integer")),
)
def stream() -> Response:
    # A bearer token, or a ticket for browsers' EventSource (which cannot send headers).
    ticket_param = request.args.get("ticket")
    g.principal = tickets.redeem(ticket_param) if ticket_param else auth.require("any")
    last = request.headers.get("Last-Event-ID") or request.args.get("lastEventId") or "0"
    if not last.isdigit():
        raise ApiError(400, "INVALID_ARGUMENT", "Last-Event-ID must be a sequence number")
    call = stub("notification").Subscribe(
        notification_pb2.SubscribeRequest(
            user_id=g.principal.user_id, after_seq=int(last), heartbeat_seconds=KEEPALIVE_S
        )
    )

    def events() -> Iterator[str]:
        OPEN_STREAMS.inc()
        try:
            yield ": connected\n\n"
            for event in call:
                kind = event.WhichOneof("event")
                if kind == "heartbeat":
                    yield ": keep-alive\n\n"
                    continue
                if kind == "position":
                    # Not stored, so no id: a reconnecting browser resumes its notifications.
                    payload = json.dumps(convert.live_position(event.position))
                    yield f"event: position\ndata: {payload}\n\n"
                    continue
                note = convert.notification(event.notification)
                payload = json.dumps(note.model_dump(by_alias=True, mode="json"))
                yield f"id: {note.seq}\ndata: {payload}\n\n"
        except grpc.RpcError:
            pass  # the notification service went away: the browser reconnects with its last id
        finally:
            # The browser went away (or the worker stops): end the upstream stream too.
            call.cancel()
            OPEN_STREAMS.dec()

    return Response(
        stream_with_context(events()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
