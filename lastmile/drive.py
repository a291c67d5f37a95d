"""Pure pieces of the traffic simulator: which routes make sense through the stations, and a
car's progress along its path."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from common.geo import destination_point, haversine_m, initial_bearing_deg

# Stations further apart than this are not joined into one feeder route.
MAX_HOP_M = 4_000.0
# Cars appear this far before their first station, outside its trigger zone.
LEAD_IN_M = 2_500.0


@dataclass(frozen=True)
class Place:
    id: str
    lat: float
    lon: float


@dataclass(frozen=True)
class StationInfo:
    place: Place
    radius_m: float
    areas: tuple[Place, ...]


@dataclass(frozen=True)
class RoutePlan:
    """Stations in driving order and the destination area, one every station of the plan
    serves, so riders waiting at any of them can be matched."""

    stations: tuple[StationInfo, ...]
    destination: Place

    @property
    def station_ids(self) -> list[str]:
        return [s.place.id for s in self.stations]


def _bearing(a: Place, b: Place) -> float:
    return initial_bearing_deg(a.lat, a.lon, b.lat, b.lon)


def distance(a: Place, b: Place) -> float:
    return haversine_m(a.lat, a.lon, b.lat, b.lon)


def route_plans(stations: Sequence[StationInfo]) -> list[RoutePlan]:
    """Every one-station route (to each of its areas) and every ordered pair of nearby
    stations that share an area (to that area)."""
    plans = [RoutePlan((s,), area) for s in stations for area in s.areas]
    for a in stations:
        for b in stations:
            if a is b or distance(a.place, b.place) > MAX_HOP_M:
                continue
            shared = {x.id for x in a.areas} & {x.id for x in b.areas}
            plans += [RoutePlan((a, b), area) for area in b.areas if area.id in shared]
    return plans


def start_point(plan: RoutePlan) -> Place:
    """A point LEAD_IN_M before the first station, on the side away from where the car goes."""
    first = plan.stations[0].place
    onward = plan.stations[1].place if len(plan.stations) > 1 else plan.destination
    back = (_bearing(first, onward) + 180) % 360
    lat, lon = destination_point(first.lat, first.lon, back, LEAD_IN_M)
    return Place("start", lat, lon)


@dataclass
class Drive:
    """A car moving along start -> stations -> destination. `advance` never jumps past a
    waypoint, so the car reports a position at every station it passes."""

    waypoints: list[Place]
    position: Place = field(init=False)
    next_index: int = field(init=False, default=1)
    travelled_m: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self.position = self.waypoints[0]

    @classmethod
    def along(cls, plan: RoutePlan) -> Drive:
        return cls([start_point(plan), *(s.place for s in plan.stations), plan.destination])

    @property
    def finished(self) -> bool:
        return self.next_index >= len(self.waypoints)

    def advance(self, metres: float) -> Place | None:
        """Moves up to `metres` towards the next waypoint; returns the waypoint if reached."""
        if self.finished:
            return None
        target = self.waypoints[self.next_index]
        remaining = distance(self.position, target)
        if metres >= remaining:
            self.position = Place(self.position.id, target.lat, target.lon)
            self.travelled_m += remaining
            self.next_index += 1
            return target
        lat, lon = destination_point(
            self.position.lat, self.position.lon, _bearing(self.position, target), metres
        )
        self.position = Place(self.position.id, lat, lon)
        self.travelled_m += metres
        return None

    def distance_to(self, place: Place) -> float:
        return distance(self.position, place)
