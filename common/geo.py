"""Geometry on the earth's surface: validation, great-circle distance, distance to a path."""

from __future__ import annotations

import itertools
import math

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)


def is_valid_lat_lon(lat: float, lon: float) -> bool:
    """True for finite WGS84 coordinates within range."""
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp = p2 - p1
    dl = math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def initial_bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial bearing (0..360, clockwise from north) of the great circle from the first
    point to the second."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360


def destination_point(
    lat: float, lon: float, bearing_deg: float, distance_m: float
) -> tuple[float, float]:
    """The point `distance_m` from (lat, lon) along the initial bearing, in degrees."""
    d = distance_m / EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def _local_xy(lat: float, lon: float, lat0: float, lon0: float) -> tuple[float, float]:
    """Metres east and north of (lat0, lon0): a flat projection, good to well under 1% over
    the few kilometres of a city's roads."""
    x = math.radians(lon - lon0) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    y = math.radians(lat - lat0) * EARTH_RADIUS_M
    return x, y


def closest_on_path_m(
    lat: float, lon: float, path: list[tuple[float, float]]
) -> tuple[float, float]:
    """How far the point is from a path of (lat, lon) legs, and how far along the path the
    closest point lies, both in metres."""
    if not path:
        raise ValueError("a path needs at least one point")
    best, along_best, along = math.inf, 0.0, 0.0
    legs = list(itertools.pairwise(path)) or [(path[0], path[0])]
    for (alat, alon), (blat, blon) in legs:
        ax, ay = _local_xy(alat, alon, lat, lon)
        bx, by = _local_xy(blat, blon, lat, lon)
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
        gap = math.hypot(ax + t * dx, ay + t * dy)
        if gap < best:
            best, along_best = gap, along + t * math.sqrt(length2)
        along += math.sqrt(length2)
    return best, along_best
