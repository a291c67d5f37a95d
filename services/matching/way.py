"""En-route matching's geometry: which riders a driver's way passes, how far off it, and in
which order they are dropped off.

A driver's way from a pick-up station is its route's remaining stations from there on, then its
destination, as straight legs. A rider's area is on the way when it lies within the detour
budget of it; the detour is that distance, and the drop-off is where the way comes closest.
Places are (lat, lon) by station or area id."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from common.geo import closest_on_path_m, haversine_m

LatLon = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Drop:
    area_id: str
    detour_m: float
    # From the route's first station along its way: orders the drop-offs of a whole trip.
    along_m: float


def places_of(stations: Iterable[Any]) -> dict[str, LatLon]:
    """Every station's and area's point, by id, from stations that list their areas (the
    station service's messages or its catalog)."""
    places: dict[str, LatLon] = {}
    for station in stations:
        places[station.id] = (station.location.lat, station.location.lon)
        places.update({a.id: (a.location.lat, a.location.lon) for a in station.areas})
    return places


def way(
    places: Mapping[str, LatLon],
    station_ids: Sequence[str],
    from_station: str,
    destination_area_id: str,
) -> list[LatLon]:
    rest = station_ids[station_ids.index(from_station) :]
    return [places[s] for s in rest] + [places[destination_area_id]]


def length_m(path: Sequence[LatLon]) -> float:
    return sum(haversine_m(*a, *b) for a, b in itertools.pairwise(path))


def drop(
    places: Mapping[str, LatLon],
    station_ids: Sequence[str],
    from_station: str,
    destination_area_id: str,
    area_id: str,
) -> Drop:
    """Where a rider bound to `area_id`, picked up at `from_station`, leaves the driver."""
    return _Way(places, station_ids, from_station, destination_area_id).drop(area_id)


def on_the_way(
    places: Mapping[str, LatLon],
    station_ids: Sequence[str],
    from_station: str,
    destination_area_id: str,
    area_ids: Iterable[str],
    budget_m: float,
) -> dict[str, Drop]:
    """The areas among `area_ids` within `budget_m` of the way (the destination always)."""
    ahead = _Way(places, station_ids, from_station, destination_area_id)
    found = {destination_area_id: ahead.drop(destination_area_id)}
    for area_id in area_ids:
        if area_id in found or area_id not in places:
            continue
        there = ahead.drop(area_id)
        if there.detour_m <= budget_m:
            found[area_id] = there
    return found


class _Way:
    """The way from one pick-up, measured once for all the areas asked about."""

    def __init__(
        self,
        places: Mapping[str, LatLon],
        station_ids: Sequence[str],
        from_station: str,
        destination_area_id: str,
    ) -> None:
        self.places, self.destination_area_id = places, destination_area_id
        passed = station_ids[: station_ids.index(from_station) + 1]
        self.before_m = length_m([places[s] for s in passed])
        self.path = way(places, station_ids, from_station, destination_area_id)

    def drop(self, area_id: str) -> Drop:
        if area_id == self.destination_area_id:
            return Drop(area_id, 0.0, self.before_m + length_m(self.path))
        detour, along = closest_on_path_m(*self.places[area_id], self.path)
        return Drop(area_id, detour, self.before_m + along)
