"""A synthetic, seeded commuter morning: riders reaching each station in a peak around 08:30
(a time-varying Poisson process), booking 0-20 minutes ahead, destinations weighted by area;
drivers on routes through 1-3 nearby stations, 1-4 seats, 20-40 km/h. Times are seconds after
midnight."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from common.geo import haversine_m
from services.matching.way import places_of
from services.station.catalog import Station, load_seed

PEAK_S = 8.5 * 3600
PEAK_WIDTH_S = 40 * 60
START_S, END_S = 6 * 3600, 11 * 3600
# Two stations are "nearby" (one route may pass both) within this distance.
NEARBY_M = 6000


@dataclass(frozen=True, slots=True)
class Rider:
    id: str
    station_id: str
    area_id: str
    arrival_s: float
    booked_s: float


@dataclass(frozen=True, slots=True)
class Stop:
    station_id: str
    eta_s: float
    trigger_s: float  # when the driver enters the station's trigger zone


@dataclass(frozen=True, slots=True)
class Driver:
    id: str
    area_id: str
    seats: int
    stops: tuple[Stop, ...]
    start_s: float = 0.0  # when the route was offered: from then on the system knows it


@dataclass(frozen=True, slots=True)
class Morning:
    riders: tuple[Rider, ...]
    drivers: tuple[Driver, ...]
    # Where stations and areas are, by id (lat, lon): what en-route matching measures.
    places: dict[str, tuple[float, float]] = field(default_factory=dict, compare=False)


def peak_rate(t: float) -> float:
    """Relative arrival rate at time t (1 at the peak, a tenth of it off-peak)."""
    return 0.1 + 0.9 * math.exp(-(((t - PEAK_S) / PEAK_WIDTH_S) ** 2))


def _peak_times(rng: random.Random, mean_count: float) -> list[float]:
    """Arrival times of a Poisson process of rate proportional to `peak_rate`, with
    `mean_count` arrivals expected over the morning (by thinning)."""
    span = END_S - START_S
    mean_rate = sum(peak_rate(START_S + span * (i + 0.5) / 600) for i in range(600)) / 600
    top = mean_count / (span * mean_rate)  # arrivals per second at the peak
    times, t = [], START_S
    while True:
        t += rng.expovariate(top)
        if t >= END_S:
            return times
        if rng.random() < peak_rate(t):
            times.append(t)


def generate(
    seed: int,
    riders: int = 1500,
    drivers: int = 400,
    stations: list[Station] | None = None,
) -> Morning:
    rng = random.Random(seed)
    stations = stations or load_seed()
    weights = [rng.uniform(0.5, 1.5) for _ in stations]
    area_weights = {s.id: [rng.uniform(0.2, 1.0) for _ in s.areas] for s in stations}
    total = sum(weights)
    out_riders = []
    for station, weight in zip(stations, weights, strict=True):
        for t in _peak_times(rng, riders * weight / total):
            area = rng.choices(station.areas, area_weights[station.id])[0]
            booked = t - rng.uniform(0, 20 * 60)
            out_riders.append(Rider(f"r{len(out_riders)}", station.id, area.id, t, booked))
    out_drivers = []
    for t in _peak_times(rng, drivers):
        first = rng.choice(stations)
        near = sorted(
            (s for s in stations if s.id != first.id and _apart(first, s) <= NEARBY_M),
            key=lambda s: _apart(first, s),
        )
        route = [first, *near[: rng.randint(0, min(2, len(near)))]]
        speed = rng.uniform(20, 40) / 3.6
        area = rng.choice(route[-1].areas)
        clock, stops, here = t, [], None
        for station in route:
            clock += (_apart(here, station) if here else rng.uniform(2000, 8000)) / speed
            trigger = clock - station.trigger_radius_m / speed
            stops.append(Stop(station.id, clock, trigger))
            here = station
        seats = rng.randint(1, 4)
        out_drivers.append(Driver(f"d{len(out_drivers)}", area.id, seats, tuple(stops), t))
    return Morning(tuple(out_riders), tuple(out_drivers), places_of(stations))


def _apart(a: Station, b: Station) -> float:
    return haversine_m(a.location.lat, a.location.lon, b.location.lat, b.location.lon)
