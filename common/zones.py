"""Trigger zones: is a point close enough to a station for matching to start?

Shared by the station service (which answers the question over gRPC) and the location service
(which answers it in memory for every position update).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from common.geo import haversine_m

APPROACH_POINT_RADIUS_M = 150.0
RADIUS = "radius"


@dataclass(frozen=True, slots=True)
class Zone:
    station_id: str
    lat: float
    lon: float
    radius_m: float
    # (name, lat, lon) of approach points.
    approach_points: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True, slots=True)
class ZoneHit:
    station_id: str
    distance_m: float
    # RADIUS, or the name of the approach point the point is near.
    via: str


def zones_of(stations: Iterable[Any]) -> dict[str, Zone]:
    """Station id -> its trigger zone, from station messages (StationService's answer)."""
    return {
        s.id: Zone(
            s.id,
            s.location.lat,
            s.location.lon,
            s.trigger_radius_m,
            tuple((p.name, p.location.lat, p.location.lon) for p in s.approach_points),
        )
        for s in stations
    }


def zone_hit(zone: Zone, lat: float, lon: float) -> ZoneHit | None:
    """The hit when (lat, lon) is inside the zone, else None.

    Inside means within the trigger radius of the station, or within 150 m of one of its
    approach points; the boundary itself counts as inside.
    """
    distance = haversine_m(lat, lon, zone.lat, zone.lon)
    if distance <= zone.radius_m:
        return ZoneHit(zone.station_id, distance, RADIUS)
    for name, plat, plon in zone.approach_points:
        if haversine_m(lat, lon, plat, plon) <= APPROACH_POINT_RADIUS_M:
            return ZoneHit(zone.station_id, distance, name)
    return None


def zone_hits(zones: Iterable[Zone], lat: float, lon: float) -> list[ZoneHit]:
    """Every zone containing the point, nearest station first."""
    hits = [h for z in zones if (h := zone_hit(z, lat, lon)) is not None]
    return sorted(hits, key=lambda h: h.distance_m)
