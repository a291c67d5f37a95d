"""Drivers' positions, pushed to the riders of their trips.

Every accepted position of a driver whose route has a trip is kept as that trip's newest;
a background task sends the newest of each trip to the notification service a few times a
second, with each waiting rider's ETA to their station. Who rides a trip (MATCHED or PICKED_UP)
comes from the trip service, read in batches and trusted for AUDIENCE_TTL_S: a rider who cancels
or is dropped off stops getting positions within that time, and a match made on this replica
refreshes its trip's riders at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import grpc
from prometheus_client import Counter

from api.lastmile.v1 import common_pb2, notification_pb2, trip_pb2
from common.ids import trip_id_for_route
from common.metrics import Children
from common.peers import Peers
from common.zones import Zone
from services.location.tracking import Position, RouteView, eta_to

log = logging.getLogger("lastmile.location.live")

MAX_BATCH = 500
RIDING = (trip_pb2.TRIP_RIDER_STATUS_MATCHED, trip_pb2.TRIP_RIDER_STATUS_PICKED_UP)
SENT = Children(
    Counter(
        "lastmile_live_positions_total",
        "Trip positions handled by the live feed, by outcome (sent, nobody riding, failed).",
        ["outcome"],
    )
)


@dataclass(frozen=True, slots=True)
class Rider:
    rider_id: str
    station_id: str
    waiting: bool  # MATCHED: not on board yet, so an ETA to their station matters


@dataclass(slots=True)
class _Audience:
    riders: tuple[Rider, ...]
    expires: float


@dataclass(slots=True)
class _Newest:
    driver_id: str
    position: Position
    view: RouteView


def riders_of(trip: trip_pb2.Trip) -> tuple[Rider, ...]:
    """The riders of a trip who see its driver: MATCHED or PICKED_UP, on a trip not over."""
    if trip.status in (trip_pb2.TRIP_STATUS_COMPLETED, trip_pb2.TRIP_STATUS_CANCELLED):
        return ()
    return tuple(
        Rider(r.rider_id, r.station_id, r.status == trip_pb2.TRIP_RIDER_STATUS_MATCHED)
        for r in trip.riders
        if r.status in RIDING
    )


def stops_ahead(view: RouteView, riders: tuple[Rider, ...]) -> list[str]:
    """The stations the driver still has to reach, in route order: those not reached yet and
    those where a matched rider still waits."""
    waiting = {r.station_id for r in riders if r.waiting}
    return [s for s in view.station_ids if s not in view.fired or s in waiting]


def trip_position(
    newest: _Newest, riders: tuple[Rider, ...], zones: Mapping[str, Zone]
) -> notification_pb2.TripPosition:
    p = newest.position
    speed = p.recent_speed_mps or p.speed_mps
    message = notification_pb2.TripPosition(
        trip_id=trip_id_for_route(newest.view.route_id),
        location=common_pb2.LatLon(lat=p.lat, lon=p.lon),
        speed_mps=speed,
    )
    message.at.FromNanoseconds(int(p.at * 1e9))
    stops = stops_ahead(newest.view, riders)
    for rider in riders:
        recipient = message.recipients.add(user_id=rider.rider_id)
        if rider.waiting:
            eta = eta_to(p.lat, p.lon, speed, stops, rider.station_id, zones)
            if eta is not None:
                recipient.eta_seconds = round(eta.eta_s, 1)
    return message


class LiveFeed:
    def __init__(
        self,
        peers: Peers,
        zones: Mapping[str, Zone],
        audience_ttl_s: float = 2.0,
        send_timeout_s: float = 1.0,
    ) -> None:
        self.peers = peers
        self.zones = zones
        self.audience_ttl_s = audience_ttl_s
        self.send_timeout_s = send_timeout_s
        self._newest: dict[str, _Newest] = {}  # by route id
        self._audiences: dict[str, _Audience] = {}  # by route id

    def offer(self, driver_id: str, position: Position, view: RouteView) -> None:
        self._newest[view.route_id] = _Newest(driver_id, position, view)

    def riders_changed(self, route_id: str) -> None:
        """A match was made on the route here: read its riders again before the next send."""
        self._audiences.pop(route_id, None)

    async def flush(self) -> None:
        batch, self._newest = self._newest, {}
        now = time.monotonic()
        for route_id in [r for r, a in self._audiences.items() if a.expires < now - 60]:
            del self._audiences[route_id]
        if not batch:
            return
        stale = [r for r in batch if (a := self._audiences.get(r)) is None or a.expires <= now]
        if stale:
            await self._read_audiences(stale, now)
        messages = []
        for route_id, newest in batch.items():
            audience = self._audiences.get(route_id)
            riders = audience.riders if audience is not None else ()
            if riders:
                messages.append(trip_position(newest, riders, self.zones))
        SENT("nobody_riding").inc(len(batch) - len(messages))
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            try:
                await self.peers.notification.PublishPositions(
                    notification_pb2.PublishPositionsRequest(positions=chunk),
                    timeout=self.send_timeout_s,
                )
                SENT("sent").inc(len(chunk))
            except grpc.aio.AioRpcError as exc:
                # Positions are worth sending only now: a newer one follows within a second.
                SENT("failed").inc(len(chunk))
                log.warning("positions not pushed", extra={"code": exc.code().name})

    async def _read_audiences(self, route_ids: list[str], now: float) -> None:
        expires = now + self.audience_ttl_s
        for start in range(0, len(route_ids), MAX_BATCH):
            chunk = route_ids[start : start + MAX_BATCH]
            try:
                answer = await self.peers.trip.GetTripsByRoutes(
                    trip_pb2.GetTripsByRoutesRequest(route_ids=chunk),
                    timeout=self.send_timeout_s,
                )
            except grpc.aio.AioRpcError as exc:
                log.warning("trip riders not read", extra={"code": exc.code().name})
                continue  # the last riders known stay (expired) until a read succeeds
            found = {t.route_id: riders_of(t) for t in answer.trips}
            for route_id in chunk:
                self._audiences[route_id] = _Audience(found.get(route_id, ()), expires)
