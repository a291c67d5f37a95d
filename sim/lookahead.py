"""Seat-holding look-ahead: at a trigger with more riders than seats, a driver on a
multi-station route plans with what the system knows at that moment (requests already booked,
routes already offered, seats already taken). A maximum flow over the riders it could take, here
and at its later stations, and the other drivers still to come who could take them instead,
says how many seats to keep for riders at its later stations whom no one else can take; the
seats left go to riders here, those the plan gives this driver first. Of the maximum flows, the
plan is one that gives this driver the oldest riders it can (a minimum-cost flow, a rider's
cost its place in arrival order): they are the first to expire, and another driver may still
come for the younger ones. Any maximum flow instead served 99.70% / 99.73% of the optimum at
400 / 800 drivers; this one 99.89% / 99.86% (5 seeds).

The plan is made again at every trigger, so a rider who booked since is in the next one."""

from __future__ import annotations

import networkx as nx

from sim.greedy import Assignment, Play, greedy
from sim.morning import Driver, Morning, Rider, Stop
from sim.rules import EQUAL_DESTINATION, EqualDestination


def _stops_at(morning: Morning) -> dict[str, list[tuple[Driver, Stop]]]:
    out: dict[str, list[tuple[Driver, Stop]]] = {}
    for driver in morning.drivers:
        for stop in driver.stops:
            out.setdefault(stop.station_id, []).append((driver, stop))
    return out


class SeatHolding:
    def __init__(self, morning: Morning) -> None:
        self.stops_at = _stops_at(morning)
        self.drivers = {d.id: d for d in morning.drivers}

    def known_riders(self, play: Play, driver: Driver, stops: tuple[Stop, ...]) -> list[Rider]:
        """Riders booked by now, still waiting, whom `driver` could take at one of `stops`."""
        out: dict[str, Rider] = {}
        for stop in stops:
            for rider in play.riders.get(stop.station_id, ()):
                if (
                    rider.id not in play.done.rides
                    and rider.booked_s <= play.now
                    and play.rule(rider, driver, stop)
                ):
                    out[rider.id] = rider
        return list(out.values())

    def others_for(self, play: Play, driver: Driver, rider: Rider) -> list[Driver]:
        """Known drivers with a free seat, still to reach the rider's station, who could take
        the rider there."""
        return [
            other
            for other, stop in self.stops_at.get(rider.station_id, ())
            if other.id != driver.id
            and other.start_s <= play.now
            and play.free[other.id] > 0
            and stop.trigger_s > play.now
            and play.rule(rider, other, stop)
        ]

    def __call__(self, play: Play, driver: Driver, stop: Stop, here: list[Rider]) -> list[Rider]:
        free = play.free[driver.id]
        later = self.known_riders(play, driver, driver.stops[driver.stops.index(stop) + 1 :])
        here_ids = {h.id for h in here}
        later = [r for r in later if r.id not in here_ids]
        if len(here) + len(later) <= free:
            return here
        graph = nx.DiGraph()
        graph.add_edge("source", driver.id, capacity=free)
        takeable = [*((r, "here") for r in here), *((r, "later") for r in later)]
        oldest = sorted(takeable, key=lambda t: t[0].arrival_s)
        age = {r.id: n for n, (r, _) in enumerate(oldest)}
        for rider, where in takeable:
            graph.add_edge(driver.id, (where, rider.id), capacity=1, weight=age[rider.id])
            graph.add_edge((where, rider.id), rider.id, capacity=1)
            graph.add_edge(rider.id, "sink", capacity=1)
            for other in self.others_for(play, driver, rider):
                graph.add_edge("source", other.id, capacity=play.free[other.id])
                graph.add_edge(other.id, rider.id, capacity=1)
        # The other drivers' own riders compete for their seats.
        for other in [n for n in graph.successors("source") if n != driver.id]:
            mine = self.known_riders(play, self.drivers[other], self._ahead(play, other))
            for rider in mine:
                if not graph.has_edge(other, rider.id):
                    graph.add_edge(other, rider.id, capacity=1)
                    graph.add_edge(rider.id, "sink", capacity=1)
        flow = nx.max_flow_min_cost(graph, "source", "sink")
        kept = sum(units for node, units in flow[driver.id].items() if node[0] == "later")
        planned = [r for r in here if flow[driver.id][("here", r.id)] > 0]
        rest = [r for r in here if flow[driver.id][("here", r.id)] == 0]
        return (planned + rest)[: max(0, free - kept)]

    def _ahead(self, play: Play, driver_id: str) -> tuple[Stop, ...]:
        return tuple(s for s in self.drivers[driver_id].stops if s.trigger_s > play.now)


def lookahead(morning: Morning, rule: EqualDestination = EQUAL_DESTINATION) -> Assignment:
    return greedy(morning, rule, SeatHolding(morning))
