"""The `trips` collection: one document per trip, one trip per route (unique index). Every
change is a compare-and-set write on a version number."""

from __future__ import annotations

from collections.abc import Callable
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
        status=TripStatus(doc["status"]),
        riders=tuple(
            TripRider(
                r["riderId"],
                r["requestId"],
                r["stationId"],
                RiderStatus(r["status"]),
                CancelledBy(r.get("cancelledBy", "")),
            )
            for r in doc["riders"]
        ),
    )


def _riders(trip: Trip) -> list[dict[str, Any]]:
    return [
        {
            "riderId": r.rider_id,
            "requestId": r.request_id,
            "stationId": r.station_id,
            "status": r.status.value,
            "cancelledBy": r.cancelled_by.value,
        }
        for r in trip.riders
    ]


class TripStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["trips"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("routeId", unique=True, name="one_trip_per_route")
        await self.collection.create_index("status", name="trips_by_status")

    async def get(self, trip_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": trip_id})

    async def require(self, trip_id: str) -> dict[str, Any]:
        doc = await self.get(trip_id) if trip_id else None
        if doc is None:
            raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
        return doc

    async def by_route(self, route_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"routeId": route_id})

    async def change(
        self, trip_id: str, change: Callable[[Trip], Trip], new: Trip | None = None
    ) -> dict[str, Any]:
        """Applies `change` to the trip in one conditional write (retrying on a concurrent
        writer). When the trip does not exist, `change` is applied to `new` and the result
        inserted; without `new`, NOT_FOUND."""
        for _ in range(CAS_ATTEMPTS):
            doc = await self.get(trip_id)
            if doc is None:
                if new is None:
                    raise NotFound(f"no trip with id {trip_id!r}", "trip_id")
                created = change(new)
                now = utcnow()
                fresh = {
                    "_id": trip_id,
                    "routeId": created.route_id,
                    "driverId": created.driver_id,
                    "status": created.status.value,
                    "riders": _riders(created),
                    "version": 0,
                    "createdAt": now,
                    "updatedAt": now,
                }
                try:
                    await self.collection.insert_one(fresh)
                    return fresh
                except DuplicateKeyError:
                    continue  # created meanwhile: apply the change to that one
            trip = to_trip(doc)
            changed = change(trip)
            if changed == trip:
                return doc
            fields = {
                "status": changed.status.value,
                "riders": _riders(changed),
                "updatedAt": utcnow(),
            }
            # We hold the whole document, so the written one is known without reading it back.
            result = await self.collection.update_one(
                {"_id": trip_id, "version": doc["version"]},
                {"$set": fields, "$inc": {"version": 1}},
            )
            if result.modified_count == 1:
                return {**doc, **fields, "version": doc["version"] + 1}
        raise FailedPrecondition(f"trip {trip_id} is too busy; try again")

    async def count_by_status(self) -> dict[str, int]:
        cursor = await self.collection.aggregate([{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
        return {row["_id"]: row["n"] async for row in cursor}
