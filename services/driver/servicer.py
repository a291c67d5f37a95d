"""DriverService: protobuf in and out; rules in routes.py, data in store.py."""

from __future__ import annotations

import grpc

from api.lastmile.v1 import driver_pb2, driver_pb2_grpc, trip_pb2
from common.convert import to_timestamp, utcnow
from common.errors import FailedPrecondition, InvalidArgument, NotFound
from common.idempotency import create_once
from common.ids import new_id
from common.paging import check_batch, next_token, page_of
from common.peers import Peers
from common.station_catalog import StationCatalog
from services.driver.routes import Route, RouteStatus, require_open, validate_route
from services.driver.store import RouteStore

STATUS_TO_PROTO = {
    RouteStatus.OPEN: driver_pb2.ROUTE_STATUS_OPEN,
    RouteStatus.COMPLETED: driver_pb2.ROUTE_STATUS_COMPLETED,
    RouteStatus.CANCELLED: driver_pb2.ROUTE_STATUS_CANCELLED,
}


def route_message(route: Route) -> driver_pb2.Route:
    return driver_pb2.Route(
        id=route.id,
        driver_id=route.driver_id,
        station_ids=route.station_ids,
        destination_area_id=route.destination_area_id,
        seats_total=route.seats_total,
        status=STATUS_TO_PROTO[route.status],
        created_at=to_timestamp(route.created_at),
        updated_at=to_timestamp(route.updated_at),
    )


class DriverServicer(driver_pb2_grpc.DriverServiceServicer):
    def __init__(self, store: RouteStore, peers: Peers) -> None:
        self.store = store
        self.peers = peers
        self.catalog = StationCatalog(lambda: peers.station)

    async def CreateRoute(
        self, request: driver_pb2.CreateRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        if not request.driver_id:
            raise InvalidArgument("driver_id is required", "driver_id")
        station_ids = list(request.station_ids)
        known = await self._areas_by_station(station_ids)
        validate_route(station_ids, request.destination_area_id, request.seats, known)
        now = utcnow()
        route = Route(
            id=new_id(),
            driver_id=request.driver_id,
            station_ids=tuple(station_ids),
            destination_area_id=request.destination_area_id,
            seats_total=request.seats,
            status=RouteStatus.OPEN,
            created_at=now,
            updated_at=now,
            create_key=request.idempotency_key,
        )
        route = await create_once(
            route,
            request.idempotency_key,
            self.store.insert,
            lambda: self.store.open_for_driver(request.driver_id),
            FailedPrecondition,
            key_of=lambda r: r.create_key,
        )
        return route_message(route)

    async def _areas_by_station(self, station_ids: list[str]) -> dict[str, frozenset[str]]:
        if not station_ids:
            return {}
        stations = await self.catalog.among(station_ids)
        return {s.id: frozenset(a.id for a in s.areas) for s in stations.values()}

    async def GetCurrentRoute(
        self, request: driver_pb2.GetCurrentRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        route = await self.store.open_for_driver(request.driver_id)
        if route is None:
            raise NotFound("no open route", "driver_id")
        return route_message(route)

    async def GetCurrentRoutes(
        self, request: driver_pb2.GetCurrentRoutesRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.GetCurrentRoutesResponse:
        check_batch(len(request.driver_ids), "driver_ids")
        routes = await self.store.open_for_drivers(list(set(request.driver_ids)))
        return driver_pb2.GetCurrentRoutesResponse(routes=[route_message(r) for r in routes])

    async def GetRoute(
        self, request: driver_pb2.GetRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        return route_message(await self.store.require(request.route_id))

    async def CancelRoute(
        self, request: driver_pb2.CancelRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        route = await self.store.require(request.route_id)
        if route.driver_id != request.driver_id:
            raise NotFound(f"no route with id {request.route_id!r}", "route_id")
        if route.status is RouteStatus.CANCELLED:
            return route_message(route)
        require_open(route.status, route.id)
        # The trip goes first: it refuses once riders are on board, and its cancellation
        # sends matched riders back to WAITING and stops any match still in flight.
        await self.peers.trip.CancelTrip(
            trip_pb2.CancelTripRequest(route_id=route.id, driver_id=route.driver_id)
        )
        return route_message(await self._close(route.id, RouteStatus.CANCELLED))

    async def CompleteRoute(
        self, request: driver_pb2.CompleteRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        route = await self.store.require(request.route_id)
        if route.status is RouteStatus.COMPLETED:
            return route_message(route)
        return route_message(await self._close(route.id, RouteStatus.COMPLETED))

    async def _close(self, route_id: str, status: RouteStatus) -> Route:
        """OPEN -> `status`; a route already there answers as it is (a repeat)."""
        done = await self.store.set_status(route_id, RouteStatus.OPEN, status)
        if done is None:
            done = await self.store.require(route_id)
            if done.status is not status:
                raise FailedPrecondition(f"route {route_id} is {done.status.value}, not OPEN")
        return done

    async def ListOpenRoutes(
        self, request: driver_pb2.ListOpenRoutesRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.ListOpenRoutesResponse:
        skip, limit = page_of(request.page)
        routes = await self.store.list_open(request.station_id, skip, limit + 1)
        return driver_pb2.ListOpenRoutesResponse(
            routes=[route_message(r) for r in routes[:limit]],
            next_page_token=next_token(skip, limit, len(routes)),
        )
