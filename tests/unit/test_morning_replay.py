"""The replay's time compression (scripts/replay_morning.py): the ping that fires a trigger is
inside the station's zone and no later stop's, and gives the morning's ETA over the speedup."""

import pytest

from common.geo import haversine_m
from common.zones import zone_hit
from scripts.replay_morning import Clock, Replay
from services.station.catalog import load_seed
from sim.morning import START_S, Driver, Morning, Stop


@pytest.mark.parametrize("speedup", [1, 10, 60, 300])
def test_a_trigger_ping_gives_the_mornings_eta_over_the_speedup(speedup: float) -> None:
    stations = {s.id: s for s in load_seed()}
    speed = 8.0  # m/s
    mg, trinity = stations["mg-road"], stations["trinity"]  # 1.1 km apart: the zones overlap
    first = Stop("mg-road", START_S + 1000 + mg.trigger_radius_m / speed, START_S + 1000)
    second = Stop("trinity", START_S + 1300 + trinity.trigger_radius_m / speed, START_S + 1300)
    driver = Driver("d", "domlur", 2, (first, second))
    replay = Replay(None, Morning((), (driver,)), Clock(0.0, speedup), stations)  # type: ignore[arg-type]
    body = replay.ping_body(driver, first, speed)
    assert zone_hit(mg.zone, body["lat"], body["lon"])
    assert not zone_hit(trinity.zone, body["lat"], body["lon"])
    assert body["speedMps"] <= 100  # what the API takes
    away = haversine_m(body["lat"], body["lon"], mg.location.lat, mg.location.lon)
    assert away / body["speedMps"] == pytest.approx(
        (first.eta_s - first.trigger_s) / speedup, rel=0.01
    )


def test_the_clock_divides_the_morning() -> None:
    clock = Clock(zero=1000.0, speedup=60)
    assert clock.wall(START_S) == 1000.0
    assert clock.wall(START_S + 3600) == 1060.0
    assert Clock(0.0, 1).iso(START_S).endswith("Z")
