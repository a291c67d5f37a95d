"""The location service's collections: `driver_positions` (latest position per driver,
2dsphere-indexed, written in batches) and `triggers` (one document per (route, station): the
database makes a trigger fire once across replicas and restarts)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.convert import utcnow
from services.location.tracking import Position

PENDING, DONE = "PENDING", "DONE"


class LocationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.positions = db["driver_positions"]
        self.triggers = db["triggers"]

    async def ensure_indexes(self) -> None:
        # Version given explicitly: the embedded server records it and then refuses a second
        # create_index without it (MongoDB treats both as the same index).
        await self.positions.create_index(
            [("location", "2dsphere")], name="near", **{"2dsphereIndexVersion": 3}
        )
        await self.positions.create_index([("at", ASCENDING)], name="recent")
        await self.triggers.create_index([("routeId", ASCENDING)], name="by_route")
        await self.triggers.create_index(
            [("state", ASCENDING), ("updatedAt", ASCENDING)], name="pending"
        )

    async def save_positions(self, latest: dict[str, Position]) -> None:
        if not latest:
            return
        await self.positions.bulk_write(
            [
                UpdateOne(
                    {"_id": driver_id},
                    {
                        "$set": {
                            "location": {"type": "Point", "coordinates": [p.lon, p.lat]},
                            "at": datetime.fromtimestamp(p.at, UTC),
                            "speedMps": p.speed_mps,
                            "routeId": p.route_id,
                        }
                    },
                    upsert=True,
                )
                for driver_id, p in latest.items()
            ],
            ordered=False,
        )

    async def position(self, driver_id: str) -> dict[str, Any] | None:
        return await self.positions.find_one({"_id": driver_id})

    async def recent_positions(self, since: datetime) -> list[dict[str, Any]]:
        return await self.positions.find({"at": {"$gte": since}}).to_list()

    async def claim_trigger(self, route_id: str, station_id: str, driver_id: str) -> bool:
        """True for the one caller, anywhere, that records this (route, station) first."""
        now = utcnow()
        try:
            await self.triggers.insert_one(
                {
                    "_id": f"{route_id}:{station_id}",
                    "routeId": route_id,
                    "stationId": station_id,
                    "driverId": driver_id,
                    "state": PENDING,
                    "createdAt": now,
                    "updatedAt": now,
                }
            )
            return True
        except DuplicateKeyError:
            return False

    async def fired_stations(self, route_id: str) -> set[str]:
        docs = await self.triggers.find({"routeId": route_id}, {"stationId": 1}).to_list()
        return {d["stationId"] for d in docs}

    async def finish_trigger(self, route_id: str, station_id: str, outcome: dict[str, Any]) -> None:
        await self.triggers.update_one(
            {"_id": f"{route_id}:{station_id}"},
            {"$set": {"state": DONE, "updatedAt": utcnow(), "outcome": outcome}},
        )

    async def stale_pending(self, older_than: datetime, limit: int) -> list[dict[str, Any]]:
        cursor = self.triggers.find({"state": PENDING, "updatedAt": {"$lt": older_than}})
        return await cursor.limit(limit).to_list()

    async def touch_trigger(self, trigger_id: str) -> None:
        await self.triggers.update_one(
            {"_id": trigger_id, "state": PENDING}, {"$set": {"updatedAt": utcnow()}}
        )
