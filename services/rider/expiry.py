"""The expiry sweep: requests still WAITING long after their arrival time become EXPIRED and
the rider is told. Safe to run in every replica at once: each request is expired by one
conditional update, and only the replica whose update won sends the notification (keyed, so a
retry after a crash sends it once)."""

from __future__ import annotations

import logging
from datetime import timedelta

from api.lastmile.v1 import notification_pb2
from common.convert import utcnow
from common.kpis import REQUESTS_EXPIRED
from common.notify import notice
from common.peers import Peers
from services.rider.requests import RequestStatus, expiry_cutoff, unmatched_reason
from services.rider.store import RequestStore

log = logging.getLogger("lastmile.rider.expiry")
BATCH = 200


async def expire_once(store: RequestStore, peers: Peers, expiry: timedelta) -> int:
    """One sweep; answers how many requests it expired."""
    cutoff = expiry_cutoff(utcnow(), expiry)
    expired = []
    for due in await store.due_for_expiry(cutoff, BATCH):
        done = await store.move(
            due.id,
            RequestStatus.WAITING,
            RequestStatus.EXPIRED,
            arrived_before=cutoff,
            expiry_untold=True,
        )
        if done is not None:
            expired.append(done)
            REQUESTS_EXPIRED(unmatched_reason(done)).inc()
    # Told after the state change; a sweep also retells those a failure left untold.
    untold = await store.expiries_untold(BATCH)
    if untold:
        await peers.notification.NotifyBatch(
            notification_pb2.NotifyBatchRequest(
                notifications=[
                    notice(
                        r.rider_id,
                        notification_pb2.NOTIFICATION_KIND_REQUEST_EXPIRED,
                        "No driver this time",
                        "No driver reached your station in time; your request has expired.",
                        key=f"expired:{r.id}",
                        requestId=r.id,
                        stationId=r.station_id,
                    )
                    for r in untold
                ]
            )
        )
        await store.expiries_told([r.id for r in untold])
    if expired:
        log.info("expired requests", extra={"count": len(expired)})
    return len(expired)
