"""The `trips` collection: one document per trip, one trip per route (unique index). Every
change is one compare-and-set write on a version number. Hands out Trip values, never
documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.convert import utcnow
from common.errors import FailedPrecondition, NotFound
from services.trip.lifecycle import CancelledBy, RiderStatus, Trip, TripRider, TripStatus

CAS_ATTEMPTS = 50


def to_trip(doc: dict[str, Any]) -> Trip:
    return Trip(
        id=doc["_id"],
        route_id=doc["routeId"],
        driver_id=doc["driverId"],
        seats_total=doc.get("seatsTotal", 0),
        status=TripStatus(doc["status"]),
        riders=tuple(
            TripRider(
                r["riderId"],
                r["requestId"],
                r["stationId"],
                RiderStatus(r["status"]),
                CancelledBy(r.get("cancelledBy", "")),
                r.get("destinationAreaId", ""),
                r.get("detourM", 0.0),
                r.get("dropAlongM", 0.0),
            )
            for r in doc["riders"]
        ),
        created_at=doc["createdAt"],
        updated_at=doc["updatedAt"],
        version=doc["version"],
    )


def _riders(trip: Trip) -> list[dict[str, Any]]:
    return [
        {
            "riderId": r.rider_id,
            "requestId": r.request_id,
            "stationId": r.station_id,
            "status": r.status.value,
            "cancelledBy": r.cancelled_by.value,
            "destinationAreaId": r.destination_area_id,
            "detourM": r.detour_m,
            "dropAlongM": r.drop_along_m,
        }
        for r in trip.riders
    ]


class TripStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["trips"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("routeId", unique=True, name="one_trip_per_route")
        await self.collection.create_index("status", name="trips_by_status")
        await self.collection.create_index("createdAt", name="trips_by_creation")
        await self.collection.create_index(
            [("driverId", 1), ("status", 1), ("updatedAt", 1)], name="drivers_trips"
        )

    async def get(self, trip_id: str) -> Trip | None:
        doc = await self.collection.find_one({"_id": trip_id})
        return to_trip(doc) if doc else None

    async def require(self, trip_id: str) -> Trip:
        trip = await self.get(trip_id) if trip_id else None
        if trip is None:
            raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
        return trip

    async def by_route(self, route_id: str) -> Trip | None:
        doc = await self.collection.find_one({"routeId": route_id})
        return to_trip(doc) if doc else None

    async def by_routes(self, route_ids: list[str]) -> list[Trip]:
        cursor = self.collection.find({"routeId": {"$in": route_ids}})
        return [to_trip(d) async for d in cursor]

    async def change(
        self, trip_id: str, change: Callable[[Trip], Trip], new: Trip | None = None
    ) -> Trip:
        """Applies `change` to the trip in one conditional write (retrying on a concurrent
        writer). When the trip does not exist, `change` is applied to `new` and the result
        inserted; without `new`, NOT_FOUND."""
        for _ in range(CAS_ATTEMPTS):
            trip = await self.get(trip_id)
            if trip is None:
                if new is None:
                    raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
                created = change(new)
                now = utcnow()
                try:
                    await self.collection.insert_one(
                        {
                            "_id": trip_id,
                            "routeId": created.route_id,
                            "driverId": created.driver_id,
                            "seatsTotal": created.seats_total,
                            "status": created.status.value,
                            "riders": _riders(created),
                            "version": 0,
                            "createdAt": now,
                            "updatedAt": now,
                        }
                    )
                    return replace(created, created_at=now, updated_at=now, version=0)
                except DuplicateKeyError:
                    continue  # created meanwhile: apply the change to that one
            changed = change(trip)
            if changed == trip:
                return trip
            now = utcnow()
            result = await self.collection.update_one(
                {"_id": trip_id, "version": trip.version},
                {
                    "$set": {
                        "status": changed.status.value,
                        "riders": _riders(changed),
                        "updatedAt": now,
                    },
                    "$inc": {"version": 1},
                },
            )
            if result.modified_count == 1:
                return replace(changed, updated_at=now, version=trip.version + 1)
        raise FailedPrecondition(f"trip {trip_id} is too busy; try again")

    async def count_by_status(self) -> dict[str, int]:
        cursor = await self.collection.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
        return {row["_id"]: row["n"] async for row in cursor}

    async def count_created_since(self, since: datetime) -> int:
        return await self.collection.count_documents({"createdAt": {"$gte": since}})

    async def completed_since(self, driver_id: str, since: datetime) -> list[Trip]:
        cursor = self.collection.find(
            {
                "driverId": driver_id,
                "status": TripStatus.COMPLETED.value,
                "updatedAt": {"$gte": since},
            }
        )
        return [to_trip(d) async for d in cursor]


class RatingStore:
    """The `ratings` collection: one document per (trip, from, to) (unique), read by the rated
    user for averages."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["ratings"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("tripId", 1), ("fromUserId", 1), ("toUserId", 1)], unique=True, name="once_per_pair"
        )
        await self.collection.create_index("toUserId", name="ratings_of_user")

    async def add(self, doc: dict[str, Any]) -> bool:
        """Stores a rating; False when this pair rated on this trip already."""
        try:
            await self.collection.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    async def averages(self, user_ids: list[str]) -> dict[str, tuple[float, int]]:
        cursor = await self.collection.aggregate(
            [
                {"$match": {"toUserId": {"$in": user_ids}}},
                {"$group": {"_id": "$toUserId", "sum": {"$sum": "$stars"}, "n": {"$sum": 1}}},
            ]
        )
        return {row["_id"]: (row["sum"] / row["n"], row["n"]) async for row in cursor}
