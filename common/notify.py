"""Building notification requests, so every service words and keys them the same way."""

from __future__ import annotations

from google.protobuf.struct_pb2 import Struct

from api.lastmile.v1 import notification_pb2

Kind = notification_pb2.NotificationKind


def notice(
    user_id: str, kind: int, title: str, body: str, key: str, **data: str | int | float
) -> notification_pb2.NotifyRequest:
    """A NotifyRequest; `key` makes repeats of the same event store one notification."""
    struct = Struct()
    struct.update(data)
    return notification_pb2.NotifyRequest(
        user_id=user_id, kind=kind, title=title, body=body, data=struct, idempotency_key=key
    )
