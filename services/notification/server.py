"""Notification service process."""

from __future__ import annotations

from pydantic import Field

from api.lastmile.v1 import notification_pb2, notification_pb2_grpc
from common import mongo
from common.background import every
from common.server import Service, run
from common.settings import ServiceSettings
from services.notification.fanout import Fanout
from services.notification.servicer import NotificationServicer
from services.notification.store import ListenerRegistry, NotificationStore, PositionRelay


class NotificationSettings(ServiceSettings):
    subscribe_poll_s: float = Field(
        5.0,
        gt=0,
        le=60,
        description="How often the process looks for notifications other replicas stored.",
    )
    position_relay_s: float = Field(
        0.2,
        gt=0,
        le=5,
        description="How often the process reads drivers' positions other replicas received "
        "for riders whose stream is open here.",
    )


async def build(settings: NotificationSettings) -> Service:
    store = NotificationStore(mongo.get_database(settings))
    db = store.collection.database
    relay, listeners = PositionRelay(db), ListenerRegistry(db)
    for collection in (store, relay, listeners):
        await collection.ensure_indexes()
    servicer = NotificationServicer(
        store, Fanout(), settings.subscribe_poll_s, relay, settings.position_relay_s, listeners
    )
    return Service(
        servicers=[(notification_pb2_grpc.add_NotificationServiceServicer_to_server, servicer)],
        service_names=[
            notification_pb2.DESCRIPTOR.services_by_name["NotificationService"].full_name
        ],
        background=[
            lambda: every(
                settings.subscribe_poll_s, servicer.wake_for_other_replicas, "replica watch"
            ),
            lambda: every(
                settings.position_relay_s, servicer.read_relayed_positions, "position relay"
            ),
            lambda: every(1.0, servicer.exchange_listeners, "live listeners"),
        ],
        on_stop=[servicer.withdraw_listeners],
        on_drain=[servicer.close_streams],
    )


def main() -> None:
    run(NotificationSettings, "notification", build)


if __name__ == "__main__":
    main()
