"""The expiry sweep: requests still WAITING long after their arrival time become EXPIRED and
the rider is told. Safe to run in every replica at once: each request is expired by one
conditional update, and only the replica whose update won sends the notification (keyed, so a
retry after a crash sends it once)."""

from __future__ import annotations

import logging
from datetime import timedelta

from api.lastmile.v1 import notification_pb2
from common.convert import utcnow
from common.notify import notice
from common.peers import Peers
from services.rider.requests import RequestStatus, expiry_cutoff
from services.rider.store import RequestStore

log = logging.getLogger("lastmile.rider.expiry")
BATCH = 200


async def expire_once(store: RequestStore, peers: Peers, expiry: timedelta) -> int:
    """One sweep; answers how many requests it expired."""
    cutoff = expiry_cutoff(utcnow(), expiry)
    expired = []
    for doc in await store.due_for_expiry(cutoff, BATCH):
        done = await store.move(
            doc["_id"],
            {"status": RequestStatus.WAITING.value, "arrivalTime": {"$lt": cutoff}},
            RequestStatus.EXPIRED,
            {"expiryNotified": False},
        )
        if done is not None:
            expired.append(done)
    # Told after the state change; a sweep also retells those a failure left untold.
    untold = await store.collection.find({"expiryNotified": False}).limit(BATCH).to_list()
    if untold:
        await peers.notification.NotifyBatch(
            notification_pb2.NotifyBatchRequest(
                notifications=[
                    notice(
                        d["riderId"],
                        notification_pb2.NOTIFICATION_KIND_REQUEST_EXPIRED,
                        "No driver this time",
                        "No driver reached your station in time; your request has expired.",
                        key=f"expired:{d['_id']}",
                        requestId=d["_id"],
                        stationId=d["stationId"],
                    )
                    for d in untold
                ]
            )
        )
        await store.collection.update_many(
            {"_id": {"$in": [d["_id"] for d in untold]}}, {"$unset": {"expiryNotified": ""}}
        )
    if expired:
        log.info("expired requests", extra={"count": len(expired)})
    return len(expired)
