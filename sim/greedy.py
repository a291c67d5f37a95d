"""The rule in place, played in time order: at each trigger (a driver entering a station's
zone), the eligible riders still waiting, oldest arrival first, take the driver's free seats."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sim.morning import Driver, Morning, Rider, Stop
from sim.rules import EQUAL_DESTINATION, EqualDestination


@dataclass
class Assignment:
    """Who rides with whom, and where each rider was picked up."""

    rides: dict[str, tuple[str, Stop]] = field(default_factory=dict)  # rider -> (driver, stop)

    @property
    def served(self) -> int:
        return len(self.rides)


@dataclass
class Play:
    """The state of a morning being played: what a choice at a trigger may look at."""

    morning: Morning
    rule: EqualDestination
    riders: dict[str, list[Rider]]  # by station, oldest arrival first
    free: dict[str, int]  # seats left, by driver
    done: Assignment
    now: float = 0.0


# Picks, from the eligible riders waiting here (oldest first), who takes the driver's seats.
Choose = Callable[[Play, Driver, Stop, list[Rider]], list[Rider]]


def by_station(morning: Morning) -> dict[str, list[Rider]]:
    """Riders by station, oldest arrival first."""
    out: dict[str, list[Rider]] = {}
    for r in sorted(morning.riders, key=lambda r: (r.arrival_s, r.booked_s, r.id)):
        out.setdefault(r.station_id, []).append(r)
    return out


def oldest_first(play: Play, driver: Driver, stop: Stop, here: list[Rider]) -> list[Rider]:
    return here[: play.free[driver.id]]


def greedy(
    morning: Morning, rule: EqualDestination = EQUAL_DESTINATION, choose: Choose = oldest_first
) -> Assignment:
    triggers = sorted(
        ((stop.trigger_s, d.id, i) for d in morning.drivers for i, stop in enumerate(d.stops))
    )
    drivers = {d.id: d for d in morning.drivers}
    play = Play(
        morning, rule, by_station(morning), {d.id: d.seats for d in morning.drivers}, Assignment()
    )
    for now, driver_id, i in triggers:
        driver = drivers[driver_id]
        stop = driver.stops[i]
        if play.free[driver_id] == 0:
            continue
        play.now = now
        here = [
            r
            for r in play.riders.get(stop.station_id, ())
            if r.id not in play.done.rides and rule(r, driver, stop)
        ]
        for rider in choose(play, driver, stop, here)[: play.free[driver_id]]:
            play.done.rides[rider.id] = (driver_id, stop)
            play.free[driver_id] -= 1
    return play.done
