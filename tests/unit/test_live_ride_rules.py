"""The rules of a live ride as plain functions: a stream's pacing of positions, the driver's
recent speed and ETA, who sees a trip's positions, the fare rule, who may rate whom."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.lastmile.v1 import trip_pb2
from common.errors import FailedPrecondition, InvalidArgument, NotFound
from common.fares import fare_inr
from common.geo import destination_point, haversine_m
from common.zones import Zone
from services.location.live import Rider, riders_of, stops_ahead
from services.location.tracking import Position, RouteView, eta_to, fix_time, recent_speed
from services.notification.fanout import Fanout, Subscriber
from services.trip.lifecycle import RiderStatus, Trip, TripRider, pin_matches
from services.trip.ratings import check_stars, rated_user

FARE_CASES = json.loads((Path(__file__).parent.parent / "fare_cases.json").read_text())


# --- pacing -----------------------------------------------------------------------------


def test_a_stream_sends_at_most_one_position_a_second_per_trip_the_newest() -> None:
    s = Subscriber("u")
    assert s.offer("t1", "p1", fix_at=1.0)
    assert s.due(now=100.0) == (["p1"], None)
    # Fixes coming faster than once a second wait for the second to pass; the newest goes.
    assert s.offer("t1", "p2", fix_at=1.2) and s.offer("t1", "p3", fix_at=1.4)
    ready, wait = s.due(now=100.4)
    assert ready == [] and wait == pytest.approx(0.6)
    assert s.due(now=101.0) == (["p3"], None)  # p2 was overtaken


def test_a_once_a_second_fix_goes_at_once_even_after_a_late_delivery() -> None:
    s = Subscriber("u")
    s.offer("t1", "p1", fix_at=1.0)
    s.due(now=100.4)  # p1 reached the stream 400 ms late
    s.offer("t1", "p2", fix_at=2.0)  # p2 on time: not held back to 101.4
    assert s.due(now=101.05) == (["p2"], None)


def test_trips_are_paced_apart_and_old_or_repeated_fixes_are_dropped() -> None:
    s = Subscriber("u")
    s.offer("t1", "a", 5.0)
    s.due(10.0)
    assert not s.offer("t1", "again", 5.0) and not s.offer("t1", "older", 4.0)
    assert s.offer("t2", "b", 1.0)  # another trip has a pace of its own
    assert s.due(10.1) == (["b"], None)


def test_fanout_hands_positions_only_to_the_users_own_streams() -> None:
    f = Fanout()
    mine, other = f.subscribe("rider-1"), f.subscribe("rider-2")
    assert f.offer_position("rider-1", "t", "p", 1.0)
    assert not f.offer_position("nobody-here", "t", "p", 1.0)
    assert mine.pending == {"t": "p"} and other.pending == {}
    assert mine.wake.is_set() and not other.wake.is_set()
    f.unsubscribe(mine)
    assert not f.has("rider-1")


# --- speed and ETA ----------------------------------------------------------------------


def _at(metres_south: float) -> tuple[float, float]:
    return destination_point(12.9755, 77.6068, 180, metres_south)


def test_recent_speed_averages_what_the_fixes_measure() -> None:
    lat0, lon0 = _at(1000)
    first = Position(lat0, lon0, 0.0, 0.0, "r")
    assert recent_speed(None, lat0, lon0, 0.0, reported=0.0) == 0.0
    lat1, lon1 = _at(990)
    assert recent_speed(first, lat1, lon1, 1.0, reported=0.0) == pytest.approx(10, rel=0.01)
    moving = Position(lat1, lon1, 1.0, 0.0, "r", recent_speed_mps=10.0)
    # Stopped at a signal: the estimate slows down, smoothly.
    assert recent_speed(moving, lat1, lon1, 2.0, reported=0.0) == pytest.approx(7.0)


def test_implausible_or_too_close_fixes_fall_back_on_the_reported_speed() -> None:
    lat0, lon0 = _at(1000)
    lat1, lon1 = _at(0)
    before = Position(lat0, lon0, 0.0, 0.0, "r")
    assert recent_speed(before, lat1, lon1, 1.0, reported=8.0) == 8.0  # 1 km in a second
    assert recent_speed(before, lat1, lon1, 0.1, reported=0.0) == 0.0  # too close in time


def test_a_fix_is_never_later_than_now() -> None:
    assert fix_time(None, now=100.0) == 100.0
    assert fix_time(95.0, now=100.0) == 95.0
    assert fix_time(3700.0, now=100.0) == 100.0  # a clock an hour ahead


def test_eta_runs_through_the_stops_still_to_make() -> None:
    zones = {
        "a": Zone("a", *_at(0), 1000),
        "b": Zone("b", *_at(-2000), 1000),
    }
    lat, lon = _at(1000)
    to_a = eta_to(lat, lon, 10.0, ["a", "b"], "a", zones)
    to_b = eta_to(lat, lon, 10.0, ["a", "b"], "b", zones)
    assert to_a is not None and to_a.distance_m == pytest.approx(1000, abs=1)
    assert to_b is not None and to_b.eta_s == pytest.approx(300, abs=1)
    assert eta_to(lat, lon, 10.0, ["b"], "a", zones) is None


def test_stops_ahead_keep_a_fired_station_while_a_rider_waits_there() -> None:
    view = RouteView("r", ("a", "b", "c"), fired={"a", "b"})
    riders = (Rider("x", "a", waiting=True), Rider("y", "b", waiting=False))
    assert stops_ahead(view, riders) == ["a", "c"]


def test_only_matched_and_picked_up_riders_of_an_open_trip_see_it() -> None:
    S = trip_pb2
    trip = S.Trip(
        status=S.TRIP_STATUS_ACTIVE,
        riders=[
            S.TripRider(rider_id="m", station_id="a", status=S.TRIP_RIDER_STATUS_MATCHED),
            S.TripRider(rider_id="p", station_id="a", status=S.TRIP_RIDER_STATUS_PICKED_UP),
            S.TripRider(rider_id="n", station_id="a", status=S.TRIP_RIDER_STATUS_NO_SHOW),
            S.TripRider(rider_id="c", station_id="a", status=S.TRIP_RIDER_STATUS_CANCELLED),
        ],
    )
    assert riders_of(trip) == (Rider("m", "a", True), Rider("p", "a", False))
    trip.status = S.TRIP_STATUS_COMPLETED
    assert riders_of(trip) == ()


# --- fares --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", FARE_CASES, ids=lambda c: f"{c['distanceM']}m-{c['ridersOnTrip']}")
def test_the_fare_rule_matches_the_shared_cases(case: dict) -> None:
    assert fare_inr(case["distanceM"], case["ridersOnTrip"]) == case["fareInr"]


def test_sharing_never_costs_more_and_distance_never_less() -> None:
    for metres in range(0, 20_000, 250):
        fares = [fare_inr(metres, n) for n in range(1, 6)]
        assert fares == sorted(fares, reverse=True)
        assert fare_inr(metres + 250) >= fare_inr(metres)
    with pytest.raises(ValueError):
        fare_inr(100, 0)


def test_a_real_trip_costs_what_the_rule_says() -> None:
    metres = haversine_m(12.9755, 77.6068, 12.9610, 77.6387)  # MG Road to Domlur
    assert fare_inr(metres) == int(25 + 12 * metres / 1000 + 0.5)


# --- PIN and ratings ------------------------------------------------------------------------


def test_pins_match_exactly() -> None:
    assert pin_matches("0420", "0420")
    assert not pin_matches("0420", "420") and not pin_matches("", "") and not pin_matches("1", "2")


def _trip(*riders: tuple[str, RiderStatus]) -> Trip:
    return Trip(
        "t",
        "r",
        "driver",
        3,
        riders=tuple(TripRider(rid, f"q-{rid}", "a", st) for rid, st in riders),
    )


def test_who_rates_whom() -> None:
    trip = _trip(
        ("done", RiderStatus.DROPPED_OFF),
        ("absent", RiderStatus.NO_SHOW),
        ("riding", RiderStatus.PICKED_UP),
    )
    assert rated_user(trip, "done", "") == "driver"
    assert rated_user(trip, "driver", "absent") == "absent"
    assert rated_user(trip, "driver", "done") == "done"
    with pytest.raises(FailedPrecondition):
        rated_user(trip, "riding", "")
    with pytest.raises(FailedPrecondition):
        rated_user(trip, "driver", "riding")
    with pytest.raises(NotFound):
        rated_user(trip, "stranger", "")
    with pytest.raises(NotFound):
        rated_user(trip, "driver", "stranger")
    with pytest.raises(InvalidArgument):
        rated_user(trip, "driver", "")
    with pytest.raises(InvalidArgument):
        rated_user(trip, "done", "absent")


@pytest.mark.parametrize("stars,comment", [(0, ""), (6, ""), (5, "x" * 281)])
def test_ratings_out_of_range_are_refused(stars: int, comment: str) -> None:
    with pytest.raises(InvalidArgument):
        check_stars(stars, comment)
