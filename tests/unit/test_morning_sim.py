"""The commuter-morning simulation (sim/): eligibility as the services apply it, the greedy
rule, seat-holding look-ahead, en-route eligibility and the maximum-flow optimum on small days
checked by hand, and properties of any day."""

from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from common.geo import destination_point
from sim.enroute import EnRoute
from sim.greedy import greedy
from sim.lookahead import lookahead
from sim.measures import measure, why_unmatched
from sim.morning import PEAK_S, Driver, Morning, Rider, Stop, generate
from sim.optimum import optimum
from sim.rules import ARRIVAL_SLACK_S, EQUAL_DESTINATION, EXPIRY_S, eligible


def _stop(station: str, trigger: float) -> Stop:
    return Stop(station, eta_s=trigger + 120, trigger_s=trigger)


def _rider(rid: str, station: str, arrival: float, area: str = "ulsoor") -> Rider:
    return Rider(rid, station, area, arrival_s=arrival, booked_s=0)


def test_eligibility_follows_the_services_rules() -> None:
    stop = _stop("mg-road", 1000)  # eta 1120
    driver = Driver("d", "ulsoor", 1, (stop,))
    assert eligible(_rider("r", "mg-road", 1120 + ARRIVAL_SLACK_S), driver, stop)
    assert not eligible(_rider("r", "mg-road", 1121 + ARRIVAL_SLACK_S), driver, stop)
    assert not eligible(_rider("r", "trinity", 1000), driver, stop)
    assert not eligible(_rider("r", "mg-road", 1000, area="domlur"), driver, stop)
    late_booking = Rider("r", "mg-road", "ulsoor", arrival_s=1100, booked_s=1001)
    assert not eligible(late_booking, driver, stop)
    expired = _rider("r", "mg-road", 1000 - EXPIRY_S - 1)
    assert not eligible(expired, driver, stop)


def test_greedy_takes_the_first_rider_it_meets_where_the_optimum_serves_both() -> None:
    """A (one seat) passes MG Road, then Trinity; B (one seat) passes MG Road only, later. x at
    MG Road could ride with either, y at Trinity only with A. The rule gives A's seat to x at
    MG Road, so y is left for want of a seat; the optimum puts x with B and y with A."""
    a = Driver("A", "ulsoor", 1, (_stop("mg-road", 100), _stop("trinity", 200)))
    b = Driver("B", "ulsoor", 1, (_stop("mg-road", 150),))
    x, y = _rider("x", "mg-road", 200), _rider("y", "trinity", 300)
    day = Morning((x, y), (a, b))
    rule, best = greedy(day), optimum(day)
    assert {r: d for r, (d, _) in rule.rides.items()} == {"x": "A"}
    assert {r: d for r, (d, _) in best.rides.items()} == {"x": "B", "y": "A"}
    assert why_unmatched(y, day) == "no_seat"
    assert measure(day, rule).unmatched == {"no_driver": 0, "window": 0, "no_seat": 1}


def test_oldest_arrival_first_and_why_the_others_went_unmatched() -> None:
    stop = _stop("mg-road", 1000)
    day = Morning(
        (
            _rider("late", "mg-road", 1110),
            _rider("early", "mg-road", 1050),
            _rider("beyond", "mg-road", 1120 + ARRIVAL_SLACK_S + 60),
            _rider("elsewhere", "trinity", 1050),
        ),
        (Driver("d", "ulsoor", 1, (stop,)),),
    )
    done = greedy(day)
    assert set(done.rides) == {"early"}
    left = {r.id: why_unmatched(r, day) for r in day.riders if r.id not in done.rides}
    assert left == {"late": "no_seat", "beyond": "window", "elsewhere": "no_driver"}


def test_a_morning_peaks_and_its_routes_run_forward() -> None:
    day = generate(3, riders=600, drivers=100)
    assert day == generate(3, riders=600, drivers=100)  # seeded
    hours = Counter(int(r.arrival_s // 3600) for r in day.riders)
    assert hours[int(PEAK_S // 3600)] > 2 * hours[6]
    assert all(r.arrival_s - 20 * 60 <= r.booked_s <= r.arrival_s for r in day.riders)
    for d in day.drivers:
        assert 1 <= len(d.stops) <= 3 and 1 <= d.seats <= 4
        assert all(s.trigger_s < s.eta_s for s in d.stops)
        assert all(a.eta_s < b.eta_s for a, b in zip(d.stops, d.stops[1:], strict=False))
        assert len({s.station_id for s in d.stops}) == len(d.stops)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 60))
def test_the_optimum_is_a_valid_assignment_never_below_the_rule(seed: int, drivers: int) -> None:
    day = generate(seed, riders=200, drivers=drivers)
    rule, best = greedy(day), optimum(day)
    assert best.served >= rule.served
    by_id = {d.id: d for d in day.drivers}
    riders = {r.id: r for r in day.riders}
    for done in (rule, best):
        seats = Counter(d for d, _ in done.rides.values())
        assert all(n <= by_id[d].seats for d, n in seats.items())
        for rider_id, (driver_id, stop) in done.rides.items():
            assert stop in by_id[driver_id].stops
            assert eligible(riders[rider_id], by_id[driver_id], stop)


def test_look_ahead_keeps_a_seat_for_a_rider_only_it_can_take() -> None:
    """The day where the rule loses y: with B's route known when A reaches MG Road, A keeps
    its seat for y at Trinity and leaves x to B. With B not yet offered, A cannot know."""
    a = Driver("A", "ulsoor", 1, (_stop("mg-road", 100), _stop("trinity", 200)))
    b = Driver("B", "ulsoor", 1, (_stop("mg-road", 150),))
    x, y = _rider("x", "mg-road", 200), _rider("y", "trinity", 300)
    done = lookahead(Morning((x, y), (a, b)))
    assert {r: d for r, (d, _) in done.rides.items()} == {"x": "B", "y": "A"}
    unknown_b = Driver("B", "ulsoor", 1, (_stop("mg-road", 150),), start_s=120)
    done = lookahead(Morning((x, y), (a, unknown_b)))
    assert {r: d for r, (d, _) in done.rides.items()} == {"x": "A"}


def _places() -> dict[str, tuple[float, float]]:
    """mg-road; its driver's destination 4 km north; 'near' 0.5 km east of the way, 'far'
    1.5 km east of it."""
    station = (12.97, 77.60)
    halfway = destination_point(*station, 0, 2000)
    return {
        "mg-road": station,
        "north": destination_point(*station, 0, 4000),
        "near": destination_point(*halfway, 90, 500),
        "far": destination_point(*halfway, 90, 1500),
    }


def test_en_route_eligibility_follows_the_detour_budget() -> None:
    stop = _stop("mg-road", 1000)
    driver = Driver("d", "north", 2, (stop,))
    one_km, two_km = EnRoute(_places(), 1000), EnRoute(_places(), 2000)
    near, far = _rider("n", "mg-road", 1100, "near"), _rider("f", "mg-road", 1100, "far")
    assert one_km(near, driver, stop) and not one_km(far, driver, stop)
    assert two_km(near, driver, stop) and two_km(far, driver, stop)
    assert one_km.detour_m(near, driver, stop) == pytest.approx(500, rel=0.01)
    assert one_km.detour_m(_rider("s", "mg-road", 1100, "north"), driver, stop) == 0
    # The window and the station still hold.
    assert not one_km(_rider("n", "mg-road", 1121 + ARRIVAL_SLACK_S, "near"), driver, stop)
    assert not one_km(_rider("n", "trinity", 1100, "near"), driver, stop)


def test_en_route_optimum_serves_riders_on_the_way_within_the_seats() -> None:
    stop = _stop("mg-road", 1000)
    driver = Driver("d", "north", 2, (stop,))
    riders = tuple(
        _rider(rid, "mg-road", arrival, area)
        for rid, area, arrival in (
            ("own", "north", 1050),
            ("near", "near", 1100),
            ("far", "far", 1100),
            ("near2", "near", 1110),
        )
    )
    day = Morning(riders, (driver,), _places())
    assert set(optimum(day).rides) == {"own"}
    one_km = EnRoute(day.places, 1000)
    best = optimum(day, one_km)
    assert best.served == 2 and "far" not in best.rides
    rule = greedy(day, one_km)
    assert set(rule.rides) == {"own", "near"}  # oldest first
    assert measure(day, rule, one_km).mean_detour_m == pytest.approx(250, rel=0.02)
    assert why_unmatched(riders[2], day, one_km) == "no_driver"
    assert why_unmatched(riders[3], day, one_km) == "no_seat"


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(5, 40))
def test_look_ahead_and_en_route_stay_valid_and_below_their_optimum(
    seed: int, drivers: int
) -> None:
    day = generate(seed, riders=150, drivers=drivers)
    one_km = EnRoute(day.places, 1000)
    best, en_route_best = optimum(day), optimum(day, one_km)
    assert en_route_best.served >= best.served
    assert lookahead(day).served <= best.served
    for rule, done, most in ((EQUAL_DESTINATION, lookahead(day), best),
                             (one_km, lookahead(day, one_km), en_route_best),
                             (one_km, greedy(day, one_km), en_route_best)):  # fmt: skip
        assert done.served <= most.served
        by_id = {d.id: d for d in day.drivers}
        riders = {r.id: r for r in day.riders}
        seats = Counter(d for d, _ in done.rides.values())
        assert all(n <= by_id[d].seats for d, n in seats.items())
        for rider_id, (driver_id, stop) in done.rides.items():
            assert rule(riders[rider_id], by_id[driver_id], stop)
            assert rule.detour_m(riders[rider_id], by_id[driver_id], stop) <= 1000
