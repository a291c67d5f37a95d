"""Trigger zones: is a point close enough to a station for matching to start?"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from common.geo import haversine_m
from services.station.catalog import Station

APPROACH_POINT_RADIUS_M = 150.0
RADIUS = "radius"


@dataclass(frozen=True, slots=True)
class ZoneHit:
    station_id: str
    distance_m: float
    # RADIUS, or the name of the approach point the point is near.
    via: str


def zone_hit(station: Station, lat: float, lon: float) -> ZoneHit | None:
    """The hit when (lat, lon) is inside the station's trigger zone, else None.

    Inside means within the trigger radius of the station, or within 150 m of one of its
    approach points; the boundary itself counts as inside.
    """
    distance = haversine_m(lat, lon, station.location.lat, station.location.lon)
    if distance <= station.trigger_radius_m:
        return ZoneHit(station.id, distance, RADIUS)
    for point in station.approach_points:
        near = haversine_m(lat, lon, point.location.lat, point.location.lon)
        if near <= APPROACH_POINT_RADIUS_M:
            return ZoneHit(station.id, distance, point.name)
    return None


def zone_hits(stations: Iterable[Station], lat: float, lon: float) -> list[ZoneHit]:
    """Every station whose zone contains the point, nearest first."""
    hits = [h for s in stations if (h := zone_hit(s, lat, lon)) is not None]
    return sorted(hits, key=lambda h: h.distance_m)
