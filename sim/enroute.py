"""En-route eligibility: a rider may ride with a driver whose way to its own destination passes
within a detour budget of the rider's area, not only with one going to that very area. The way
is the driver's remaining stations from the pick-up on, then its destination; the detour is how
far the rider's area lies from that way."""

from __future__ import annotations

from services.matching import way
from sim.morning import Driver, Rider, Stop
from sim.rules import EqualDestination, open_at


class EnRoute(EqualDestination):
    def __init__(self, places: dict[str, tuple[float, float]], budget_m: float) -> None:
        self.places = places
        self.budget_m = budget_m
        self._detours: dict[tuple[str, str, str], float] = {}

    def detour_m(self, rider: Rider, driver: Driver, stop: Stop) -> float:
        key = (rider.area_id, driver.id, stop.station_id)
        if key not in self._detours:
            stations = [s.station_id for s in driver.stops]
            there = way.drop(self.places, stations, stop.station_id, driver.area_id, rider.area_id)
            self._detours[key] = there.detour_m
        return self._detours[key]

    def going_their_way(self, rider: Rider, driver: Driver, stop: Stop) -> bool:
        return (
            stop.station_id == rider.station_id
            and open_at(rider, stop.trigger_s)
            and self.detour_m(rider, driver, stop) <= self.budget_m
        )
