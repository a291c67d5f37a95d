"""The `routes` collection. One OPEN route per driver is enforced by a unique partial index;
seat changes are compare-and-set writes on a version number, so each is one atomic
conditional update of the route document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.convert import utcnow
from common.errors import FailedPrecondition, NotFound
from common.mongo import insert_unique
from services.driver.routes import RouteStatus, SeatBook, SeatState

CAS_ATTEMPTS = 50


def seat_book(doc: dict[str, Any]) -> SeatBook:
    return SeatBook(
        doc["seatsTotal"], tuple((s["r"], SeatState(s["s"])) for s in doc.get("seats", []))
    )


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

    async def insert(self, doc: dict[str, Any]) -> None:
        await insert_unique(
            self.collection,
            doc,
            FailedPrecondition("you already have an open route; complete or cancel it first"),
        )

    async def get(self, route_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": route_id})

    async def require(self, route_id: str) -> dict[str, Any]:
        doc = await self.get(route_id) if route_id else None
        if doc is None:
            raise NotFound(f"no route with id {route_id!r}", "route_id")
        return doc

    async def open_for_driver(self, driver_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one(
            {"driverId": driver_id, "status": RouteStatus.OPEN.value}
        )

    async def list_open(self, station_id: str, skip: int, limit: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"status": RouteStatus.OPEN.value}
        if station_id:
            query["stationIds"] = station_id
        cursor = self.collection.find(query).sort("createdAt", ASCENDING).skip(skip).limit(limit)
        return await cursor.to_list()

    async def change_seats(
        self,
        route_id: str,
        change: Callable[[dict[str, Any], SeatBook], SeatBook],
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Applies `change` to the route's seat book as one conditional write, retrying when
        another writer got there first. `change` may raise to refuse."""
        for _ in range(CAS_ATTEMPTS):
            doc = await self.require(route_id)
            book = change(doc, seat_book(doc))
            if book == seat_book(doc) and all(doc.get(k) == v for k, v in (extra or {}).items()):
                return doc
            fields = {
                "seats": [{"r": rid, "s": s.value} for rid, s in book.seats],
                "seatsFree": book.free,
                "updatedAt": utcnow(),
                **(extra or {}),
            }
            # We hold the whole document, so the written one is known without reading it back.
            result = await self.collection.update_one(
                {"_id": route_id, "version": doc["version"]},
                {"$set": fields, "$inc": {"version": 1}},
            )
            if result.modified_count == 1:
                return {**doc, **fields, "version": doc["version"] + 1}
        raise FailedPrecondition(f"route {route_id} is too busy; try again")

    async def set_status(
        self, route_id: str, expected: RouteStatus, status: RouteStatus, **fields: Any
    ) -> dict[str, Any] | None:
        """expected -> status in one conditional update; None when the route was not `expected`."""
        return await self.collection.find_one_and_update(
            {"_id": route_id, "status": expected.value},
            {
                "$set": {"status": status.value, "updatedAt": utcnow(), **fields},
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
