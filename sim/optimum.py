"""The most riders any rule could serve with the same eligibility and perfect knowledge of the
morning: a maximum flow, source -> driver (its seats) -> eligible rider (1) -> sink (1)."""

from __future__ import annotations

import networkx as nx

from sim.greedy import Assignment, by_station
from sim.morning import Morning
from sim.rules import EQUAL_DESTINATION, EqualDestination


def optimum(morning: Morning, rule: EqualDestination = EQUAL_DESTINATION) -> Assignment:
    riders = by_station(morning)
    graph = nx.DiGraph()
    stop_of: dict[tuple[str, str], object] = {}
    for driver in morning.drivers:
        graph.add_edge("source", ("d", driver.id), capacity=driver.seats)
        for stop in driver.stops:
            for rider in riders.get(stop.station_id, ()):
                if rule(rider, driver, stop) and (driver.id, rider.id) not in stop_of:
                    graph.add_edge(("d", driver.id), ("r", rider.id), capacity=1)
                    graph.add_edge(("r", rider.id), "sink", capacity=1)
                    stop_of[(driver.id, rider.id)] = stop
    done = Assignment()
    if "source" not in graph or "sink" not in graph:
        return done
    _, flow = nx.maximum_flow(graph, "source", "sink")
    for node, out in flow.items():
        if node == "source" or node == "sink" or node[0] != "d":
            continue
        for rider_node, units in out.items():
            if units > 0:
                done.rides[rider_node[1]] = (node[1], stop_of[(node[1], rider_node[1])])
    return done
