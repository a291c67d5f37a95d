"""The commuter-morning simulation (sim/): eligibility as the services apply it, the greedy
rule and the maximum-flow optimum on small days checked by hand, and properties of any day."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from sim.greedy import greedy
from sim.measures import measure, why_unmatched
from sim.morning import PEAK_S, Driver, Morning, Rider, Stop, generate
from sim.optimum import optimum
from sim.rules import ARRIVAL_SLACK_S, EXPIRY_S, eligible


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
