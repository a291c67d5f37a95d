"""The location service's work: keep the latest positions, notice trigger-zone entries, fire
each (route, station) trigger once, and hand it to matching.

The per-update path touches only memory: the driver's open route is cached (refreshed every
ROUTE_CACHE_S), station geometry is loaded once, positions are written in batches by a
background task. The database is touched when a trigger fires (to make it unique across
replicas and restarts) and when a route is first seen (to learn which of its stations fired
before a restart).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import grpc

from api.lastmile.v1 import (
    driver_pb2,
    location_pb2,
    matching_pb2,
    notification_pb2,
    station_pb2,
)
from common.convert import to_timestamp, utcnow
from common.errors import FailedPrecondition
from common.notify import notice
from common.peers import Peers
from common.zones import Zone, zones_of
from services.location.store import LocationStore
from services.location.tracking import (
    Position,
    RouteView,
    StationEta,
    arriving_at,
    check_coordinates,
    entered_zones,
    etas,
    recent_speed,
)

if TYPE_CHECKING:
    from services.location.live import LiveFeed

log = logging.getLogger("lastmile.location")
# Positions older than this are no longer shown, and their drivers are forgotten.
POSITION_WINDOW = timedelta(minutes=10)
FINAL_CODES = {
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.INVALID_ARGUMENT,
}


@dataclass(slots=True)
class _Cached:
    view: RouteView | None
    expires: float


class Tracker:
    def __init__(
        self,
        store: LocationStore,
        peers: Peers,
        route_cache_s: float = 10.0,
        no_route_cache_s: float = 2.0,
        spent_route_cache_s: float = 1.0,
    ) -> None:
        self.store = store
        self.peers = peers
        self.route_cache_s = route_cache_s
        self.no_route_cache_s = no_route_cache_s
        self.spent_route_cache_s = spent_route_cache_s
        self.zones: dict[str, Zone] = {}
        self.station_names: dict[str, str] = {}
        self.latest: dict[str, Position] = {}
        self._dirty: dict[str, Position] = {}
        self._routes: dict[str, _Cached] = {}
        # Where positions go for the riders of each trip (set once stations are loaded).
        self.live: LiveFeed | None = None

    async def load_stations(self) -> None:
        # At start-up the station service may still be starting too.
        answer = await self.peers.station.ListStations(
            station_pb2.ListStationsRequest(), wait_for_ready=True, timeout=30
        )
        self.zones = zones_of(answer.stations)
        self.station_names = {s.id: s.name for s in answer.stations}

    async def route_of(self, driver_id: str) -> RouteView | None:
        cached = self._routes.get(driver_id)
        now = time.monotonic()
        if cached is not None and now < cached.expires:
            return cached.view
        try:
            route = await self.peers.driver.GetCurrentRoute(
                driver_pb2.GetCurrentRouteRequest(driver_id=driver_id)
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
            self._routes[driver_id] = _Cached(None, now + self.no_route_cache_s)
            return None
        if cached is not None and cached.view is not None and cached.view.route_id == route.id:
            view = cached.view
        else:
            view = RouteView(route.id, tuple(route.station_ids))
            view.fired = await self.store.fired_stations(route.id)
        self._cache(driver_id, view, now)
        return view

    def _cache(self, driver_id: str, view: RouteView, now: float) -> None:
        """A route with stations still to fire is trusted for ROUTE_CACHE_S; a spent one only
        briefly, so a driver who finishes a route and starts the next (through the same
        stations, say) is tracked on the new one within a second, not ten."""
        ttl = self.spent_route_cache_s if view.spent else self.route_cache_s
        self._routes[driver_id] = _Cached(view, now + ttl)

    def forget(self, driver_id: str) -> None:
        """Drops the driver's cached route: the next position reads it afresh."""
        self._routes.pop(driver_id, None)

    async def refresh_routes(self) -> None:
        """Reads again, in batches, the routes whose stations all fired (run every
        SPENT_ROUTE_CACHE_S): one such read per driver per second would be a database query
        each. A route still open is trusted for two more intervals; a driver whose route
        changed or closed is forgotten, so their next position reads the new one and fires
        its triggers."""
        due = [d for d, c in self._routes.items() if c.view is not None and c.view.spent]
        for start in range(0, len(due), 500):
            chunk = due[start : start + 500]
            answer = await self.peers.driver.GetCurrentRoutes(
                driver_pb2.GetCurrentRoutesRequest(driver_ids=chunk)
            )
            open_now = {r.driver_id: r.id for r in answer.routes}
            until = time.monotonic() + 2 * self.spent_route_cache_s
            for driver_id in chunk:
                cached = self._routes.get(driver_id)
                if cached is None or cached.view is None:
                    continue
                if open_now.get(driver_id) == cached.view.route_id:
                    cached.expires = max(cached.expires, until)
                else:
                    self.forget(driver_id)

    def prune(self, now: float | None = None) -> int:
        """Forgets drivers who are done: no open route (as last read, and that reading has
        expired) or no position for POSITION_WINDOW. Answers how many were forgotten."""
        mono, wall = time.monotonic(), now if now is not None else time.time()
        gone = [
            d
            for d, cached in self._routes.items()
            if cached.view is None and mono >= cached.expires
        ]
        gone += [
            d
            for d, p in self.latest.items()
            if p.at < wall - POSITION_WINDOW.total_seconds() and d not in self._dirty
        ]
        for driver_id in set(gone):
            self._routes.pop(driver_id, None)
            self.latest.pop(driver_id, None)
        return len(set(gone))

    async def update(
        self,
        driver_id: str,
        lat: float,
        lon: float,
        at: float,
        speed_mps: float,
        *,
        fresh: bool = False,
    ) -> tuple[RouteView, list[location_pb2.Trigger]]:
        """Records one position; answers the route and the triggers it fired. When a trigger
        finds the cached route closed (the driver finished or cancelled it and registered
        another within ROUTE_CACHE_S), the position is taken again on the route read afresh."""
        check_coordinates(lat, lon)
        view = await self.route_of(driver_id)
        if view is None:
            raise FailedPrecondition(
                f"driver {driver_id} has no open route; register one before driving"
            )
        previous = self.latest.get(driver_id)
        position = Position(
            lat, lon, at, speed_mps, view.route_id, recent_speed(previous, lat, lon, at, speed_mps)
        )
        self.latest[driver_id] = position
        self._dirty[driver_id] = position
        fired = []
        for station_id in entered_zones(view, self.zones, lat, lon):
            view.fired.add(station_id)
            trigger = await self._fire(view, station_id, driver_id, position)
            if driver_id not in self._routes:  # the route turned out closed: forgotten
                if fresh:
                    return view, fired
                return await self.update(driver_id, lat, lon, at, speed_mps, fresh=True)
            if trigger is not None:
                fired.append(trigger)
                view.matched[station_id] = list(trigger.rider_ids)
                if trigger.rider_ids and self.live is not None:
                    self.live.riders_changed(view.route_id)
            if view.spent:
                self._cache(driver_id, view, time.monotonic())
        if view.matched:
            for station_id in arriving_at(view, self.zones, lat, lon):
                view.announced.add(station_id)
                await self._announce(view, station_id)
        if self.live is not None:
            self.live.offer(driver_id, position, view)
        return view, fired

    async def _announce(self, view: RouteView, station_id: str) -> None:
        name = self.station_names.get(station_id, station_id)
        try:
            await self.peers.notification.NotifyBatch(
                notification_pb2.NotifyBatchRequest(
                    notifications=[
                        notice(
                            rider_id,
                            notification_pb2.NOTIFICATION_KIND_DRIVER_ARRIVING,
                            "Your driver is arriving",
                            f"Your driver is a few minutes from {name}.",
                            key=f"arriving:{view.route_id}:{station_id}:{rider_id}",
                            routeId=view.route_id,
                            stationId=station_id,
                        )
                        for rider_id in view.matched[station_id]
                    ]
                )
            )
        except grpc.aio.AioRpcError as exc:
            # A courtesy, not a promise: the MATCHED notification already told them.
            log.warning("arrival notice not sent", extra={"code": exc.code().name})

    def etas_of(self, driver_id: str) -> list[StationEta]:
        position = self.latest.get(driver_id)
        cached = self._routes.get(driver_id)
        if position is None or cached is None or cached.view is None:
            return []
        view = cached.view
        return etas(position.lat, position.lon, position.speed_mps, view.remaining(), self.zones)

    async def _fire(
        self, view: RouteView, station_id: str, driver_id: str, position: Position
    ) -> location_pb2.Trigger | None:
        if not await self.store.claim_trigger(view.route_id, station_id, driver_id):
            return None  # another replica, or this one before a restart, fired it
        ahead = etas(position.lat, position.lon, position.speed_mps, [station_id], self.zones)
        eta = utcnow() + timedelta(seconds=ahead[0].eta_s if ahead else 0)
        return await self._match(view.route_id, station_id, eta)

    async def _match(
        self, route_id: str, station_id: str, eta: datetime
    ) -> location_pb2.Trigger | None:
        try:
            result = await self.peers.matching.Trigger(
                matching_pb2.TriggerRequest(
                    route_id=route_id, station_id=station_id, driver_eta=to_timestamp(eta)
                )
            )
        except grpc.aio.AioRpcError as exc:
            if exc.code() in FINAL_CODES:
                await self.store.finish_trigger(
                    route_id, station_id, {"error": exc.code().name, "message": exc.details()}
                )
                # The route is gone or closed: whoever drives it has moved on; read afresh.
                for driver_id, cached in list(self._routes.items()):
                    if cached.view is not None and cached.view.route_id == route_id:
                        self.forget(driver_id)
            else:
                log.warning(
                    "trigger not delivered; will retry",
                    extra={"route_id": route_id, "station_id": station_id, "code": exc.code().name},
                )
            return None
        await self.store.finish_trigger(
            route_id, station_id, {"tripId": result.trip_id, "requestIds": list(result.request_ids)}
        )
        log.info(
            "trigger",
            extra={
                "route_id": route_id,
                "station_id": station_id,
                "matched": len(result.rider_ids),
            },
        )
        return location_pb2.Trigger(
            route_id=route_id,
            station_id=station_id,
            trip_id=result.trip_id,
            rider_ids=list(result.rider_ids),
        )

    async def retry_pending(self, older_than_s: float = 5.0) -> int:
        """Re-sends triggers whose matching call failed (here or in a replica that died)."""
        stale = await self.store.stale_pending(utcnow() - timedelta(seconds=older_than_s), 100)
        for doc in stale:
            await self.store.touch_trigger(doc["_id"])
            await self._match(doc["routeId"], doc["stationId"], utcnow())
        return len(stale)

    async def flush_positions(self) -> None:
        self.prune()
        dirty, self._dirty = self._dirty, {}
        try:
            await self.store.save_positions(dirty)
        except Exception:
            # Keep what failed unless a newer position arrived meanwhile.
            for driver_id, p in dirty.items():
                self._dirty.setdefault(driver_id, p)
            raise

    async def positions(self) -> list[tuple[str, Position]]:
        since = utcnow() - POSITION_WINDOW
        merged: dict[str, Position] = {}
        for doc in await self.store.recent_positions(since):
            lon, lat = doc["location"]["coordinates"]
            merged[doc["_id"]] = Position(
                lat, lon, doc["at"].timestamp(), doc.get("speedMps", 0.0), doc.get("routeId", "")
            )
        cutoff = since.timestamp()
        merged.update({d: p for d, p in self.latest.items() if p.at >= cutoff})
        return sorted(merged.items())
