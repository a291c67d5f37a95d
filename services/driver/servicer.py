"""DriverService: protobuf in and out; rules in routes.py, data in store.py."""

from __future__ import annotations

from typing import Any

import grpc

from api.lastmile.v1 import driver_pb2, driver_pb2_grpc, station_pb2, trip_pb2
from common.convert import to_timestamp, utcnow
from common.errors import FailedPrecondition, InvalidArgument, NotFound
from common.idempotency import create_once
from common.ids import new_id
from common.paging import next_token, page_of
from common.peers import Peers
from services.driver.routes import (
    TAKEN,
    RouteStatus,
    SeatBook,
    SeatState,
    require_open,
    validate_route,
)
from services.driver.store import RouteStore

STATUS_TO_PROTO = {
    RouteStatus.OPEN: driver_pb2.ROUTE_STATUS_OPEN,
    RouteStatus.COMPLETED: driver_pb2.ROUTE_STATUS_COMPLETED,
    RouteStatus.CANCELLED: driver_pb2.ROUTE_STATUS_CANCELLED,
}
SEAT_TO_PROTO = {
    None: driver_pb2.SEAT_STATE_UNSPECIFIED,
    SeatState.HELD: driver_pb2.SEAT_STATE_HELD,
    SeatState.CONFIRMED: driver_pb2.SEAT_STATE_CONFIRMED,
    SeatState.RELEASED: driver_pb2.SEAT_STATE_RELEASED,
}


def route_message(doc: dict[str, Any]) -> driver_pb2.Route:
    return driver_pb2.Route(
        id=doc["_id"],
        driver_id=doc["driverId"],
        station_ids=doc["stationIds"],
        destination_area_id=doc["destinationAreaId"],
        seats_total=doc["seatsTotal"],
        seats_free=doc["seatsFree"],
        status=STATUS_TO_PROTO[RouteStatus(doc["status"])],
        trip_id=doc.get("tripId", ""),
        created_at=to_timestamp(doc["createdAt"]),
        updated_at=to_timestamp(doc["updatedAt"]),
        seats=[
            driver_pb2.Seat(request_id=s["r"], state=SEAT_TO_PROTO[SeatState(s["s"])])
            for s in doc.get("seats", [])
        ],
    )


def seats_response(doc: dict[str, Any], request_ids: list[str]) -> driver_pb2.SeatsResponse:
    states = {s["r"]: SeatState(s["s"]) for s in doc.get("seats", [])}
    return driver_pb2.SeatsResponse(
        route=route_message(doc),
        seats=[
            driver_pb2.Seat(request_id=rid, state=SEAT_TO_PROTO[states.get(rid)])
            for rid in request_ids
        ],
    )


def _open_only(doc: dict[str, Any], book: SeatBook) -> None:
    require_open(RouteStatus(doc["status"]), doc["_id"])


class DriverServicer(driver_pb2_grpc.DriverServiceServicer):
    def __init__(self, store: RouteStore, peers: Peers) -> None:
        self.store = store
        self.peers = peers

    async def CreateRoute(
        self, request: driver_pb2.CreateRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        if not request.driver_id:
            raise InvalidArgument("driver_id is required", "driver_id")
        station_ids = list(request.station_ids)
        known = await self._areas_by_station(station_ids)
        validate_route(station_ids, request.destination_area_id, request.seats, known)
        now = utcnow()
        doc = {
            "_id": new_id(),
            "driverId": request.driver_id,
            "stationIds": station_ids,
            "destinationAreaId": request.destination_area_id,
            "seatsTotal": request.seats,
            "seatsFree": request.seats,
            "status": RouteStatus.OPEN.value,
            "seats": [],
            "version": 0,
            "createdAt": now,
            "updatedAt": now,
        }
        doc = await create_once(
            doc,
            request.idempotency_key,
            self.store.insert,
            lambda: self.store.open_for_driver(request.driver_id),
            FailedPrecondition,
        )
        return route_message(doc)

    async def _areas_by_station(self, station_ids: list[str]) -> dict[str, frozenset[str]]:
        if not station_ids:
            return {}
        answer = await self.peers.station.ListStations(station_pb2.ListStationsRequest())
        return {
            s.id: frozenset(a.id for a in s.areas)
            for s in answer.stations
            if s.id in set(station_ids)
        }

    async def GetCurrentRoute(
        self, request: driver_pb2.GetCurrentRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        doc = await self.store.open_for_driver(request.driver_id)
        if doc is None:
            raise NotFound("no open route", "driver_id")
        return route_message(doc)

    async def GetRoute(
        self, request: driver_pb2.GetRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        return route_message(await self.store.require(request.route_id))

    async def CancelRoute(
        self, request: driver_pb2.CancelRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        doc = await self.store.require(request.route_id)
        if doc["driverId"] != request.driver_id:
            raise NotFound(f"no route with id {request.route_id!r}", "route_id")
        status = RouteStatus(doc["status"])
        if status is RouteStatus.CANCELLED:
            return route_message(doc)
        require_open(status, doc["_id"])
        # The trip goes first: it refuses once riders are on board, and its cancellation
        # sends matched riders back to WAITING and stops any match still in flight.
        await self.peers.trip.CancelTrip(
            trip_pb2.CancelTripRequest(route_id=doc["_id"], driver_id=doc["driverId"])
        )

        def cancel(current: dict[str, Any], book: SeatBook) -> SeatBook:
            if RouteStatus(current["status"]) is RouteStatus.CANCELLED:
                return book
            _open_only(current, book)
            return book.release([rid for rid, s in book.seats if s in TAKEN])

        doc = await self.store.change_seats(
            doc["_id"], cancel, extra={"status": RouteStatus.CANCELLED.value}
        )
        return route_message(doc)

    async def CompleteRoute(
        self, request: driver_pb2.CompleteRouteRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.Route:
        doc = await self.store.require(request.route_id)
        if RouteStatus(doc["status"]) is RouteStatus.COMPLETED:
            return route_message(doc)
        done = await self.store.set_status(doc["_id"], RouteStatus.OPEN, RouteStatus.COMPLETED)
        if done is None:
            current = await self.store.require(doc["_id"])
            if RouteStatus(current["status"]) is not RouteStatus.COMPLETED:
                raise FailedPrecondition(f"route {doc['_id']} is {current['status']}, not OPEN")
            done = current
        return route_message(done)

    async def ReserveSeats(
        self, request: driver_pb2.ReserveSeatsRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.SeatsResponse:
        ids = list(request.request_ids)

        def reserve(doc: dict[str, Any], book: SeatBook) -> SeatBook:
            _open_only(doc, book)
            return book.reserve(ids)

        return seats_response(await self.store.change_seats(request.route_id, reserve), ids)

    async def ConfirmSeats(
        self, request: driver_pb2.ConfirmSeatsRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.SeatsResponse:
        ids = list(request.request_ids)
        if not request.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")

        def confirm(doc: dict[str, Any], book: SeatBook) -> SeatBook:
            _open_only(doc, book)
            if doc.get("tripId", request.trip_id) != request.trip_id:
                raise FailedPrecondition(f"route {doc['_id']} belongs to another trip")
            return book.confirm(ids)

        doc = await self.store.change_seats(
            request.route_id, confirm, extra={"tripId": request.trip_id}
        )
        return seats_response(doc, ids)

    async def ReleaseSeats(
        self, request: driver_pb2.ReleaseSeatsRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.SeatsResponse:
        ids = list(request.request_ids)
        doc = await self.store.change_seats(request.route_id, lambda _, book: book.release(ids))
        return seats_response(doc, ids)

    async def ListOpenRoutes(
        self, request: driver_pb2.ListOpenRoutesRequest, context: grpc.aio.ServicerContext
    ) -> driver_pb2.ListOpenRoutesResponse:
        skip, limit = page_of(request.page)
        docs = await self.store.list_open(request.station_id, skip, limit + 1)
        return driver_pb2.ListOpenRoutesResponse(
            routes=[route_message(d) for d in docs[:limit]],
            next_page_token=next_token(skip, limit, len(docs)),
        )
