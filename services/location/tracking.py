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
SPEED_SMOOTHING = 0.3  # weight of the newest sample in the driver's recent speed
MAX_SAMPLE_GAP_S = 60.0  # fixes further apart say little about the speed now
MIN_SAMPLE_GAP_S = 0.5  # closer fixes: GPS noise outweighs the distance covered
MAX_PLAUSIBLE_SPEED_MPS = 50.0  # 180 km/h: faster "measurements" are a jump of the fix


@dataclass(slots=True)
class Position:
    lat: float
    lon: float
    at: float  # unix seconds
    speed_mps: float
    route_id: str
    # Smoothed ground speed over the driver's last fixes (0 = not known yet).
    recent_speed_mps: float = 0.0


def recent_speed(
    previous: Position | None, lat: float, lon: float, at: float, reported: float
) -> float:
    """The driver's recent speed: an exponential average of the speed measured between
    consecutive fixes (the device's own figure when the fixes cannot tell), so a car stuck at
    a signal slows its ETA down and one moving again speeds it up."""
    sample = None
    if previous is not None and MIN_SAMPLE_GAP_S <= at - previous.at <= MAX_SAMPLE_GAP_S:
        measured = haversine_m(previous.lat, previous.lon, lat, lon) / (at - previous.at)
        if measured <= MAX_PLAUSIBLE_SPEED_MPS:
            sample = measured
    if sample is None and reported >= MIN_SPEED_MPS:
        sample = reported
    before = previous.recent_speed_mps if previous is not None else 0.0
    if sample is None:
        return before
    if before <= 0:
        return sample
    return before + SPEED_SMOOTHING * (sample - before)


def eta_to(
    lat: float,
    lon: float,
    speed_mps: float,
    stops: Sequence[str],
    target: str,
    zones: Mapping[str, Zone],
) -> StationEta | None:
    """Distance and time to `target` along the straight legs through the stops still to make
    before it, in route order; None when `target` is not among them."""
    if target not in stops:
        return None
    legs = etas(lat, lon, speed_mps, stops[: stops.index(target) + 1], zones)
    return legs[-1] if legs and legs[-1].station_id == target else None


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


def fix_time(reported: float | None, now: float) -> float:
    """When a fix was taken: as reported, but never later than now (a phone whose clock runs
    ahead would otherwise make every honest fix after it look old, and be dropped)."""
    return now if reported is None else min(reported, now)


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
