"""The `ride_requests` collection. One open request per rider is enforced by a unique partial
index; claims and every status change are single conditional updates. Hands out RideRequest
values, never documents."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.convert import utcnow
from common.errors import FailedPrecondition, NotFound
from common.idempotency import KEY_FIELD
from common.mongo import insert_unique
from services.rider.requests import OPEN, UNMATCHED_REASONS, RequestStatus, RideRequest, reason_for

TRIP_FIELDS = ("tripId", "routeId", "driverId")
BY_ARRIVAL = [("arrivalTime", ASCENDING), ("createdAt", ASCENDING)]


def to_request(doc: dict[str, Any]) -> RideRequest:
    return RideRequest(
        id=doc["_id"],
        rider_id=doc["riderId"],
        station_id=doc["stationId"],
        destination_area_id=doc["destinationAreaId"],
        arrival_time=doc["arrivalTime"],
        status=RequestStatus(doc["status"]),
        created_at=doc["createdAt"],
        updated_at=doc["updatedAt"],
        trip_id=doc.get("tripId", ""),
        route_id=doc.get("routeId", ""),
        driver_id=doc.get("driverId", ""),
        create_key=doc.get(KEY_FIELD, ""),
        pin=doc.get("pin", ""),
        distance_m=doc.get("distanceM", 0.0),
        fare_inr=doc.get("fareInr", 0),
        fare_final=doc.get("fareFinal", False),
        cancel_reason=doc.get("cancelReason", ""),
        passed_full=doc.get("passedFull", False),
        passed_early=doc.get("passedEarly", False),
    )


def _doc(request: RideRequest) -> dict[str, Any]:
    doc = {
        "_id": request.id,
        "riderId": request.rider_id,
        "stationId": request.station_id,
        "destinationAreaId": request.destination_area_id,
        "arrivalTime": request.arrival_time,
        "status": request.status.value,
        "createdAt": request.created_at,
        "updatedAt": request.updated_at,
        "pin": request.pin,
        "distanceM": request.distance_m,
        "fareInr": request.fare_inr,
        "fareFinal": request.fare_final,
    }
    if request.create_key:
        doc[KEY_FIELD] = request.create_key
    return doc


def _one(doc: dict[str, Any] | None) -> RideRequest | None:
    return to_request(doc) if doc is not None else None


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
        # Only expired requests are in it: a claim or a pick-up changes status and updatedAt,
        # and an index over every request would be rewritten on each of them.
        await self.collection.create_index(
            [("status", ASCENDING), ("updatedAt", ASCENDING)],
            partialFilterExpression={"status": RequestStatus.EXPIRED.value},
            name="expired_by_time",
        )
        await self.collection.create_index(
            "expiryNotified",
            partialFilterExpression={"expiryNotified": False},
            name="expiry_untold",
        )

    async def insert(self, request: RideRequest) -> None:
        await insert_unique(
            self.collection,
            _doc(request),
            FailedPrecondition("you already have an open ride request; cancel it first"),
        )

    async def _find(self, query: dict[str, Any], sort: Any, limit: int) -> list[RideRequest]:
        cursor = self.collection.find(query)
        if sort:
            cursor = cursor.sort(sort)
        return [to_request(d) async for d in cursor.limit(limit)]

    async def get(self, request_id: str) -> RideRequest | None:
        return _one(await self.collection.find_one({"_id": request_id}))

    async def get_many(self, request_ids: list[str]) -> list[RideRequest]:
        return await self._find({"_id": {"$in": request_ids}}, None, 0)

    async def require(self, request_id: str) -> RideRequest:
        found = await self.get(request_id) if request_id else None
        if found is None:
            raise NotFound(f"no ride request with id {request_id!r}", "request_id")
        return found

    async def open_for_rider(self, rider_id: str) -> RideRequest | None:
        return _one(
            await self.collection.find_one(
                {"riderId": rider_id, "status": {"$in": [s.value for s in OPEN]}}
            )
        )

    async def list_for_rider(self, rider_id: str, skip: int, limit: int) -> list[RideRequest]:
        cursor = (
            self.collection.find({"riderId": rider_id})
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [to_request(d) async for d in cursor]

    async def eligible(
        self,
        station_id: str,
        area_ids: Sequence[str],
        latest_arrival: datetime,
        limit: int,
        expired_before: datetime,
    ) -> tuple[list[RideRequest], list[str]]:
        """WAITING requests here for any of the areas arriving by `latest_arrival`, oldest
        arrival first, at most `limit`; and, in the same read, the ids of those arriving later that
        the limit leaves room for (plus one). Requests arriving before `expired_before` have
        expired, swept or not yet: they are never matched."""
        query = {
            "stationId": station_id,
            "destinationAreaId": area_ids[0] if len(area_ids) == 1 else {"$in": list(area_ids)},
            "status": RequestStatus.WAITING.value,
            "arrivalTime": {"$gte": expired_before},
        }
        found = await self._find(query, BY_ARRIVAL, limit + 1)
        eligible = [r for r in found if r.arrival_time <= latest_arrival][:limit]
        later = [r.id for r in found if r.arrival_time > latest_arrival]
        return eligible, later

    async def note_passed(self, request_ids: list[str], flag: str) -> int:
        """Sets `flag` (passedFull, passedEarly) on the WAITING ones among `request_ids`;
        answers how many did not have it yet."""
        result = await self.collection.update_many(
            {
                "_id": {"$in": request_ids},
                "status": RequestStatus.WAITING.value,
                flag: {"$ne": True},
            },
            {"$set": {flag: True}},
        )
        return result.modified_count

    async def claimed_for(self, trip_id: str, limit: int = 50) -> list[RideRequest]:
        """Requests MATCHED to the trip, oldest arrival first."""
        query = {"tripId": trip_id, "status": RequestStatus.MATCHED.value}
        return await self._find(query, BY_ARRIVAL, limit)

    async def move(
        self,
        request_id: str,
        source: RequestStatus,
        target: RequestStatus,
        *,
        trip_id: str | None = None,
        arrived_before: datetime | None = None,
        leave_trip: bool = False,
        expiry_untold: bool = False,
        also: dict[str, Any] | None = None,
    ) -> RideRequest | None:
        """One conditional update: when the request is `source` (on `trip_id`, arrived before
        `arrived_before`, where given), it becomes `target` (off its trip with `leave_trip`,
        with the fields in `also` set too). Answers the updated request, or None when it was
        not as expected."""
        query: dict[str, Any] = {"_id": request_id, "status": source.value}
        if trip_id is not None:
            query["tripId"] = trip_id
        if arrived_before is not None:
            query["arrivalTime"] = {"$lt": arrived_before}
        fields: dict[str, Any] = {"status": target.value, "updatedAt": utcnow()}
        if expiry_untold:
            fields["expiryNotified"] = False
        fields.update(also or {})
        update: dict[str, Any] = {"$set": fields}
        if leave_trip:
            update["$unset"] = dict.fromkeys(TRIP_FIELDS, "")
        return _one(
            await self.collection.find_one_and_update(
                query, update, return_document=ReturnDocument.AFTER
            )
        )

    async def claim(
        self, request_id: str, trip_id: str, route_id: str, driver_id: str
    ) -> RideRequest | None:
        """WAITING -> MATCHED on the given trip in one conditional update. Answers the request
        when it is now matched to that trip (by this call or an earlier one), else None."""
        trip = {"tripId": trip_id, "routeId": route_id, "driverId": driver_id}
        result = await self.collection.update_one(
            {"_id": request_id, "status": RequestStatus.WAITING.value},
            {"$set": {"status": RequestStatus.MATCHED.value, "updatedAt": utcnow(), **trip}},
        )
        found = await self.get(request_id)
        if found is None or found.trip_id != trip_id:
            return None
        if result.modified_count == 0 and found.status is not RequestStatus.MATCHED:
            return None
        return found

    async def count_waiting(
        self, area_id: str = "", station_ids: list[str] | None = None
    ) -> dict[str, int]:
        match: dict[str, Any] = {"status": RequestStatus.WAITING.value}
        if station_ids:
            match["stationId"] = {"$in": station_ids}
        if area_id:
            match["destinationAreaId"] = area_id
        cursor = await self.collection.aggregate(
            [
                {"$match": match},
                {"$group": {"_id": "$stationId", "n": {"$sum": 1}}},
            ]
        )
        return {row["_id"]: row["n"] async for row in cursor}

    async def count_unmatched(self, since: datetime) -> dict[str, int]:
        """Requests expired since `since`, by why they went unmatched (every reason present).
        An expired request changes no more, so its updatedAt is when it expired."""
        match = {"status": RequestStatus.EXPIRED.value, "updatedAt": {"$gte": since}}
        cursor = await self.collection.aggregate(
            [
                {"$match": match},
                {
                    "$group": {
                        "_id": {"full": "$passedFull", "early": "$passedEarly"},
                        "n": {"$sum": 1},
                    }
                },
            ]
        )
        counts = dict.fromkeys(UNMATCHED_REASONS, 0)
        async for row in cursor:
            flags = row["_id"]
            counts[reason_for(bool(flags.get("full")), bool(flags.get("early")))] += row["n"]
        return counts

    async def due_for_expiry(self, cutoff: datetime, limit: int) -> list[RideRequest]:
        query = {"status": RequestStatus.WAITING.value, "arrivalTime": {"$lt": cutoff}}
        return await self._find(query, None, limit)

    async def expiries_untold(self, limit: int) -> list[RideRequest]:
        """Expired requests whose rider has not been told yet."""
        return await self._find({"expiryNotified": False}, None, limit)

    async def expiries_told(self, request_ids: list[str]) -> None:
        await self.collection.update_many(
            {"_id": {"$in": request_ids}}, {"$unset": {"expiryNotified": ""}}
        )
