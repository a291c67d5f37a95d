"""The `ride_requests` collection. One open request per rider is enforced by a unique partial
index; claims and every status change are single conditional updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.convert import utcnow
from common.errors import FailedPrecondition, NotFound
from common.mongo import insert_unique
from services.rider.requests import OPEN, RequestStatus

TRIP_FIELDS = ("tripId", "routeId", "driverId")


class RequestStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["ride_requests"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            "riderId",
            unique=True,
            partialFilterExpression={"status": {"$in": [s.value for s in OPEN]}},
            name="one_open_request_per_rider",
        )
        await self.collection.create_index(
            [("riderId", ASCENDING), ("createdAt", DESCENDING)], name="rider_history"
        )
        await self.collection.create_index(
            [
                ("stationId", ASCENDING),
                ("destinationAreaId", ASCENDING),
                ("status", ASCENDING),
                ("arrivalTime", ASCENDING),
            ],
            name="eligible",
        )
        await self.collection.create_index(
            [("status", ASCENDING), ("arrivalTime", ASCENDING)], name="expiry"
        )
        await self.collection.create_index(
            [("tripId", ASCENDING), ("status", ASCENDING)], name="requests_by_trip"
        )
        await self.collection.create_index(
            "expiryNotified",
            partialFilterExpression={"expiryNotified": False},
            name="expiry_untold",
        )

    async def insert(self, doc: dict[str, Any]) -> None:
        await insert_unique(
            self.collection,
            doc,
            FailedPrecondition("you already have an open ride request; cancel it first"),
        )

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": request_id})

    async def get_many(self, request_ids: list[str]) -> list[dict[str, Any]]:
        return await self.collection.find({"_id": {"$in": request_ids}}).to_list(None)

    async def require(self, request_id: str) -> dict[str, Any]:
        doc = await self.get(request_id) if request_id else None
        if doc is None:
            raise NotFound(f"no ride request with id {request_id!r}", "request_id")
        return doc

    async def open_for_rider(self, rider_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one(
            {"riderId": rider_id, "status": {"$in": [s.value for s in OPEN]}}
        )

    async def list_for_rider(self, rider_id: str, skip: int, limit: int) -> list[dict[str, Any]]:
        cursor = (
            self.collection.find({"riderId": rider_id})
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return await cursor.to_list()

    async def eligible(
        self, station_id: str, area_id: str, latest_arrival: datetime, limit: int
    ) -> list[dict[str, Any]]:
        cursor = (
            self.collection.find(
                {
                    "stationId": station_id,
                    "destinationAreaId": area_id,
                    "status": RequestStatus.WAITING.value,
                    "arrivalTime": {"$lte": latest_arrival},
                }
            )
            .sort([("arrivalTime", ASCENDING), ("createdAt", ASCENDING)])
            .limit(limit)
        )
        return await cursor.to_list()

    async def claimed_for(self, trip_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """Requests MATCHED to the trip, oldest arrival first."""
        cursor = (
            self.collection.find({"tripId": trip_id, "status": RequestStatus.MATCHED.value})
            .sort([("arrivalTime", ASCENDING), ("createdAt", ASCENDING)])
            .limit(limit)
        )
        return await cursor.to_list()

    async def move(
        self,
        request_id: str,
        expected: dict[str, Any],
        status: RequestStatus,
        set_fields: dict[str, Any] | None = None,
        unset_trip: bool = False,
    ) -> dict[str, Any] | None:
        """One conditional update: when the request matches `expected`, set its status (and
        fields). Answers the updated request, or None when it did not match."""
        update: dict[str, Any] = {
            "$set": {"status": status.value, "updatedAt": utcnow(), **(set_fields or {})}
        }
        if unset_trip:
            update["$unset"] = dict.fromkeys(TRIP_FIELDS, "")
        return await self.collection.find_one_and_update(
            {"_id": request_id, **expected}, update, return_document=ReturnDocument.AFTER
        )

    async def claim(self, request_id: str, trip: dict[str, str]) -> dict[str, Any] | None:
        """WAITING -> MATCHED on the given trip in one conditional update. Answers the request
        when it is now matched to that trip (by this call or an earlier one), else None."""
        result = await self.collection.update_one(
            {"_id": request_id, "status": RequestStatus.WAITING.value},
            {"$set": {"status": RequestStatus.MATCHED.value, "updatedAt": utcnow(), **trip}},
        )
        doc = await self.get(request_id)
        if doc is None or doc.get("tripId") != trip["tripId"]:
            return None
        if result.modified_count == 0 and doc["status"] != RequestStatus.MATCHED.value:
            return None
        return doc

    async def count_waiting(self) -> dict[str, int]:
        cursor = await self.collection.aggregate(
            [
                {"$match": {"status": RequestStatus.WAITING.value}},
                {"$group": {"_id": "$stationId", "n": {"$sum": 1}}},
            ]
        )
        return {row["_id"]: row["n"] async for row in cursor}

    async def due_for_expiry(self, cutoff: datetime, limit: int) -> list[dict[str, Any]]:
        cursor = self.collection.find(
            {"status": RequestStatus.WAITING.value, "arrivalTime": {"$lt": cutoff}}
        ).limit(limit)
        return await cursor.to_list()
