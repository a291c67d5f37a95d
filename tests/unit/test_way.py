"""En-route matching's geometry on a small hand-checked map: two stations and a destination
due east on the equator, 0.01 degrees (1,112 m) apart, and areas beside the way."""

import pytest

from services.matching.way import drop, length_m, on_the_way, places_of, way
from services.station.catalog import load_seed
from services.trip.lifecycle import RiderStatus, Trip, TripRider

DEGREE_M = 111_195  # one degree on the equator of the mean sphere
PLACES = {
    "a": (0.0, 0.0),
    "b": (0.0, 0.01),
    "dest": (0.0, 0.02),
    "beside": (0.005, 0.015),  # 556 m north of the B -> dest leg, halfway along it
    "far": (0.02, 0.01),  # 2,224 m north of B
    "early": (0.001, 0.003),  # 111 m off the A -> B leg, a third of the way along
}
ROUTE = ["a", "b"]
AREAS = ["beside", "far", "early", "dest"]


def test_the_way_is_the_rest_of_the_route_then_the_destination() -> None:
    assert way(PLACES, ROUTE, "a", "dest") == [PLACES["a"], PLACES["b"], PLACES["dest"]]
    assert way(PLACES, ROUTE, "b", "dest") == [PLACES["b"], PLACES["dest"]]
    assert length_m(way(PLACES, ROUTE, "a", "dest")) == pytest.approx(0.02 * DEGREE_M, rel=1e-3)


def test_areas_within_the_budget_are_on_the_way_with_their_detour_and_drop_point() -> None:
    found = on_the_way(PLACES, ROUTE, "a", "dest", AREAS, budget_m=1000)
    assert set(found) == {"dest", "beside", "early"}
    assert found["dest"].detour_m == 0
    assert found["dest"].along_m == pytest.approx(0.02 * DEGREE_M, rel=1e-3)
    assert found["beside"].detour_m == pytest.approx(0.005 * DEGREE_M, rel=1e-3)
    assert found["beside"].along_m == pytest.approx(0.015 * DEGREE_M, rel=1e-3)
    assert found["early"].detour_m == pytest.approx(0.001 * DEGREE_M, rel=1e-3)
    assert found["early"].along_m == pytest.approx(0.003 * DEGREE_M, rel=1e-3)


def test_a_budget_of_nothing_leaves_only_the_destination() -> None:
    assert set(on_the_way(PLACES, ROUTE, "a", "dest", AREAS, budget_m=0)) == {"dest"}


def test_the_way_from_a_later_station_leaves_out_what_the_driver_has_passed() -> None:
    """Picked up at B, the rider bound for the area beside the A -> B leg would ride back:
    its detour is measured from B, and its drop point is B."""
    there = drop(PLACES, ROUTE, "b", "dest", "early")
    assert there.detour_m == pytest.approx(DEGREE_M * (0.001**2 + 0.007**2) ** 0.5, rel=1e-3)
    assert there.along_m == pytest.approx(0.01 * DEGREE_M, rel=1e-3)
    assert "early" not in on_the_way(PLACES, ROUTE, "b", "dest", AREAS, budget_m=700)
    # Distances along are from the route's first station whichever the pick-up: one order
    # for the whole trip.
    assert drop(PLACES, ROUTE, "b", "dest", "beside").along_m == pytest.approx(
        drop(PLACES, ROUTE, "a", "dest", "beside").along_m, rel=1e-6
    )


def test_areas_the_map_does_not_know_are_left_out() -> None:
    assert set(on_the_way(PLACES, ROUTE, "a", "dest", ["nowhere"], budget_m=5000)) == {"dest"}


def test_on_the_seeded_map_a_driver_for_domlur_passes_victoria_layout_from_trinity() -> None:
    places = places_of(load_seed())
    found = on_the_way(
        places, ["trinity"], "trinity", "domlur", ["ulsoor", "murphy-town", "victoria-layout"], 1000
    )
    assert set(found) == {"domlur", "victoria-layout"}
    assert 600 < found["victoria-layout"].detour_m < 800


def test_drop_offs_are_ordered_along_the_way_among_the_seat_holders() -> None:
    riders = (
        TripRider("u1", "q1", "a", drop_along_m=2000),
        TripRider("u2", "q2", "a", drop_along_m=500),
        TripRider("u3", "q3", "a", RiderStatus.CANCELLED, drop_along_m=100),
        TripRider("u4", "q4", "b", RiderStatus.PICKED_UP, drop_along_m=2000),
    )
    trip = Trip("t", "r", "d", seats_total=4, riders=riders)
    assert trip.drop_orders() == {"q2": 1, "q1": 2, "q4": 3}
