"""The rule in place, played in time order: at each trigger (a driver entering a station's
zone), the eligible riders still waiting, oldest arrival first, take the driver's free seats."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.morning import Morning, Stop
from sim.rules import eligible


@dataclass
class Assignment:
    """Who rides with whom, and where each rider was picked up."""

    rides: dict[str, tuple[str, Stop]] = field(default_factory=dict)  # rider -> (driver, stop)

    @property
    def served(self) -> int:
        return len(self.rides)


def by_station(morning: Morning) -> dict[tuple[str, str], list]:
    """Riders by (station, destination), oldest arrival first."""
    out: dict[tuple[str, str], list] = {}
    for r in sorted(morning.riders, key=lambda r: (r.arrival_s, r.booked_s, r.id)):
        out.setdefault((r.station_id, r.area_id), []).append(r)
    return out


def greedy(morning: Morning) -> Assignment:
    riders = by_station(morning)
    triggers = sorted(
        ((stop.trigger_s, d.id, i) for d in morning.drivers for i, stop in enumerate(d.stops))
    )
    drivers = {d.id: d for d in morning.drivers}
    free = {d.id: d.seats for d in morning.drivers}
    done = Assignment()
    for _, driver_id, i in triggers:
        driver = drivers[driver_id]
        stop = driver.stops[i]
        for rider in riders.get((stop.station_id, driver.area_id), ()):
            if free[driver_id] == 0:
                break
            if rider.id not in done.rides and eligible(rider, driver, stop):
                done.rides[rider.id] = (driver_id, stop)
                free[driver_id] -= 1
    return done
