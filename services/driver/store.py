"""The `routes` collection. One OPEN route per driver is enforced by a unique partial index;
status changes are single conditional updates. Hands out Route values, never documents."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.convert import utcnow
from common.errors import FailedPrecondition, NotFound
from common.idempotency import KEY_FIELD
from common.mongo import insert_unique
from services.driver.routes import Route, RouteStatus


def to_route(doc: dict[str, Any]) -> Route:
    return Route(
        id=doc["_id"],
        driver_id=doc["driverId"],
        station_ids=tuple(doc["stationIds"]),
        destination_area_id=doc["destinationAreaId"],
        seats_total=doc["seatsTotal"],
        status=RouteStatus(doc["status"]),
        created_at=doc["createdAt"],
        updated_at=doc["updatedAt"],
        create_key=doc.get(KEY_FIELD, ""),
    )


def to_doc(route: Route) -> dict[str, Any]:
    doc = {
        "_id": route.id,
        "driverId": route.driver_id,
        "stationIds": list(route.station_ids),
        "destinationAreaId": route.destination_area_id,
        "seatsTotal": route.seats_total,
        "status": route.status.value,
        "createdAt": route.created_at,
        "updatedAt": route.updated_at,
    }
    if route.create_key:
        doc[KEY_FIELD] = route.create_key
    return doc


class RouteStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["routes"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            "driverId",
            unique=True,
            partialFilterExpression={"status": RouteStatus.OPEN.value},
            name="one_open_route_per_driver",
        )
        await self.collection.create_index(
            [("driverId", ASCENDING), ("createdAt", DESCENDING)], name="driver_routes"
        )
        await self.collection.create_index(
            [("status", ASCENDING), ("createdAt", ASCENDING)], name="routes_by_status"
        )

    async def insert(self, route: Route) -> None:
        await insert_unique(
            self.collection,
            to_doc(route),
            FailedPrecondition("you already have an open route; complete or cancel it first"),
        )

    async def get(self, route_id: str) -> Route | None:
        doc = await self.collection.find_one({"_id": route_id})
        return to_route(doc) if doc else None

    async def require(self, route_id: str) -> Route:
        route = await self.get(route_id) if route_id else None
        if route is None:
            raise NotFound(f"no route with id {route_id!r}", "route_id")
        return route

    async def open_for_driver(self, driver_id: str) -> Route | None:
        doc = await self.collection.find_one(
            {"driverId": driver_id, "status": RouteStatus.OPEN.value}
        )
        return to_route(doc) if doc else None

    async def open_for_drivers(self, driver_ids: list[str]) -> list[Route]:
        cursor = self.collection.find(
            {"driverId": {"$in": driver_ids}, "status": RouteStatus.OPEN.value}
        )
        return [to_route(doc) async for doc in cursor]

    async def list_open(self, station_id: str, skip: int, limit: int) -> list[Route]:
        query: dict[str, Any] = {"status": RouteStatus.OPEN.value}
        if station_id:
            query["stationIds"] = station_id
        cursor = self.collection.find(query).sort("createdAt", ASCENDING).skip(skip).limit(limit)
        return [to_route(d) async for d in cursor]

    async def set_status(
        self, route_id: str, expected: RouteStatus, status: RouteStatus
    ) -> Route | None:
        """expected -> status in one conditional update; None when the route was not `expected`."""
        doc = await self.collection.find_one_and_update(
            {"_id": route_id, "status": expected.value},
            {"$set": {"status": status.value, "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
        return to_route(doc) if doc else None
