"""The `stations` collection: seeded from the data file, read whole at start-up."""

from __future__ import annotations

from typing import Any

from pymongo import ReplaceOne
from pymongo.asynchronous.database import AsyncDatabase

from services.station.catalog import ApproachPoint, Area, Point, Station


def _point(p: Point) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [p.lon, p.lat]}


def _from_point(doc: dict[str, Any]) -> Point:
    lon, lat = doc["coordinates"]
    return Point(lat, lon)


def to_document(s: Station) -> dict[str, Any]:
    return {
        "_id": s.id,
        "name": s.name,
        "location": _point(s.location),
        "triggerRadiusM": s.trigger_radius_m,
        "areas": [{"id": a.id, "name": a.name, "location": _point(a.location)} for a in s.areas],
        "approachPoints": [
            {"name": p.name, "location": _point(p.location)} for p in s.approach_points
        ],
    }


def from_document(doc: dict[str, Any]) -> Station:
    return Station(
        id=doc["_id"],
        name=doc["name"],
        location=_from_point(doc["location"]),
        trigger_radius_m=float(doc["triggerRadiusM"]),
        areas=tuple(Area(a["id"], a["name"], _from_point(a["location"])) for a in doc["areas"]),
        approach_points=tuple(
            ApproachPoint(p["name"], _from_point(p["location"]))
            for p in doc.get("approachPoints", [])
        ),
    )


class StationStore:
    """Stations are read by _id or all at once, so the _id index is the only one needed."""

    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["stations"]

    async def seed(self, stations: list[Station]) -> None:
        """Writes the seed stations; safe to run from several replicas at once."""
        await self.collection.bulk_write(
            [ReplaceOne({"_id": s.id}, to_document(s), upsert=True) for s in stations],
            ordered=False,
        )

    async def load_all(self) -> list[Station]:
        docs = await self.collection.find({}).to_list()
        return [from_document(d) for d in docs]
