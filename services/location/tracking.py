"""Where drivers are and what is ahead of them: the in-memory model the location service
updates on every position, with no I/O, so the per-message path stays lean."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from common.errors import InvalidArgument
from common.geo import haversine_m, is_valid_lat_lon
from common.zones import Zone, zone_hit

DEFAULT_SPEED_MPS = 25 / 3.6  # city traffic, when the device reports no speed
ARRIVING_RADIUS_M = 300.0  # riders are told their driver is arriving inside this
MIN_SPEED_MPS = 0.5


@dataclass(slots=True)
class Position:
    lat: float
    lon: float
    at: float  # unix seconds
    speed_mps: float
    route_id: str


@dataclass(slots=True)
class RouteView:
    """What location needs of a driver's open route, and which stations already fired."""

    route_id: str
    station_ids: tuple[str, ...]
    fired: set[str] = field(default_factory=set)
    # Riders matched at each station (known to this replica), and stations whose riders were
    # told the driver is arriving.
    matched: dict[str, list[str]] = field(default_factory=dict)
    announced: set[str] = field(default_factory=set)

    def remaining(self) -> list[str]:
        return [s for s in self.station_ids if s not in self.fired]

    @property
    def spent(self) -> bool:
        """Every station has fired: nothing is left to trigger on this route, and the driver
        may already be on the next one."""
        return all(s in self.fired for s in self.station_ids)


@dataclass(frozen=True, slots=True)
class StationEta:
    station_id: str
    distance_m: float
    eta_s: float


def check_coordinates(lat: float, lon: float) -> None:
    if not is_valid_lat_lon(lat, lon):
        raise InvalidArgument(
            f"position ({lat}, {lon}) is not a valid latitude/longitude", "position"
        )


def entered_zones(route: RouteView, zones: Mapping[str, Zone], lat: float, lon: float) -> list[str]:
    """Stations of the route, not fired yet, whose trigger zone contains the point."""
    return [
        sid
        for sid in route.station_ids
        if sid not in route.fired and (z := zones.get(sid)) and zone_hit(z, lat, lon)
    ]


def arriving_at(route: RouteView, zones: Mapping[str, Zone], lat: float, lon: float) -> list[str]:
    """Stations with matched riders, not yet announced, that the driver is now close to."""
    return [
        sid
        for sid, riders in route.matched.items()
        if riders
        and sid not in route.announced
        and (z := zones.get(sid))
        and haversine_m(lat, lon, z.lat, z.lon) <= ARRIVING_RADIUS_M
    ]


def etas(
    lat: float, lon: float, speed_mps: float, ahead: Sequence[str], zones: Mapping[str, Zone]
) -> list[StationEta]:
    """Distance and time to each station ahead, in route order, along straight legs."""
    speed = speed_mps if speed_mps >= MIN_SPEED_MPS else DEFAULT_SPEED_MPS
    out = []
    total = 0.0
    here = (lat, lon)
    for sid in ahead:
        zone = zones.get(sid)
        if zone is None:
            continue
        total += haversine_m(here[0], here[1], zone.lat, zone.lon)
        here = (zone.lat, zone.lon)
        out.append(StationEta(sid, total, total / speed))
    return out
