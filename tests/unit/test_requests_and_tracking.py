from datetime import UTC, datetime, timedelta

import pytest

from common.errors import FailedPrecondition, InvalidArgument
from common.geo import destination_point
from common.zones import Zone
from services.location.tracking import RouteView, check_coordinates, entered_zones, etas
from services.matching import plan
from services.rider.requests import RequestStatus as S
from services.rider.requests import RideRequest, check_trip_move, unmatched_reason, validate_arrival

NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


@pytest.mark.parametrize("offset", [timedelta(minutes=-10), timedelta(0), timedelta(hours=24)])
def test_arrival_window_bounds_are_inclusive(offset) -> None:
    validate_arrival(NOW + offset, NOW)


@pytest.mark.parametrize(
    "offset", [timedelta(minutes=-10, seconds=-1), timedelta(hours=24, seconds=1)]
)
def test_arrival_outside_the_window(offset) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_arrival(NOW + offset, NOW)
    assert err.value.field == "arrivalTime"


def test_trip_moves() -> None:
    assert check_trip_move(S.MATCHED, S.PICKED_UP)
    assert check_trip_move(S.PICKED_UP, S.DROPPED_OFF)
    assert not check_trip_move(S.PICKED_UP, S.PICKED_UP)
    for current, target in [
        (S.WAITING, S.PICKED_UP),
        (S.DROPPED_OFF, S.PICKED_UP),
        (S.NO_SHOW, S.MATCHED),
    ]:
        with pytest.raises(FailedPrecondition):
            check_trip_move(current, target)


A = Zone("a", 12.9755, 77.6068, 1000)
B = Zone("b", 12.9730, 77.6170, 1000)
ZONES = {"a": A, "b": B}


def test_entered_zones_skips_fired_stations() -> None:
    view = RouteView("r", ("a", "b"))
    lat, lon = destination_point(A.lat, A.lon, 180, 900)
    assert entered_zones(view, ZONES, lat, lon) == ["a"]
    view.fired.add("a")
    assert entered_zones(view, ZONES, lat, lon) == []
    assert view.remaining() == ["b"]


def test_etas_accumulate_along_the_route() -> None:
    lat, lon = destination_point(A.lat, A.lon, 180, 2000)
    out = etas(lat, lon, 10.0, ["a", "b"], ZONES)
    assert out[0].distance_m == pytest.approx(2000, abs=1)
    assert out[0].eta_s == pytest.approx(200, abs=0.5)
    assert out[1].distance_m > out[0].distance_m + 1000
    default = etas(lat, lon, 0, ["a"], ZONES)[0]
    assert default.eta_s == pytest.approx(2000 / (25 / 3.6), abs=1)


@pytest.mark.parametrize("lat,lon", [(91, 0), (0, 200), (float("nan"), 0)])
def test_impossible_coordinates(lat, lon) -> None:
    with pytest.raises(InvalidArgument):
        check_coordinates(lat, lon)


def test_match_plan() -> None:
    assert plan.latest_arrival(NOW) == NOW + timedelta(minutes=5)
    # Unbooked claims first, whatever the seats; then the eligible while seats last.
    assert plan.candidates(["p1"], ["e1", "p1", "e2"], 3) == ["p1", "e1", "e2"]
    assert plan.candidates(["p1"], ["e1", "e2"], 2) == ["p1", "e1"]
    assert plan.candidates(["p1", "p2"], ["e1"], 1) == ["p1", "p2"]
    assert plan.candidate_limit(0) == 1 and plan.candidate_limit(3) == 11
    assert plan.candidate_limit(3, seen=4) == 15 and plan.candidate_limit(400, 400) == 500


def test_arriving_only_near_stations_with_matched_riders() -> None:
    from services.location.tracking import arriving_at

    view = RouteView("r", ("a", "b"), matched={"a": ["u1"], "b": []})
    near_a = destination_point(A.lat, A.lon, 0, 250)
    far_a = destination_point(A.lat, A.lon, 0, 350)
    assert arriving_at(view, ZONES, *far_a) == []
    assert arriving_at(view, ZONES, *near_a) == ["a"]
    view.announced.add("a")
    assert arriving_at(view, ZONES, *near_a) == []
    assert arriving_at(view, ZONES, B.lat, B.lon) == []


def test_the_tracker_forgets_drivers_who_are_done() -> None:
    import time

    from services.location.engine import POSITION_WINDOW, Tracker, _Cached
    from services.location.tracking import Position

    tracker = Tracker(store=None, peers=None)  # type: ignore[arg-type]
    now = time.time()
    old = now - POSITION_WINDOW.total_seconds() - 1
    tracker.latest = {
        "driving": Position(1, 1, now, 5, "r1"),
        "stopped long ago": Position(1, 1, old, 0, "r2"),
        "route ended": Position(1, 1, now, 0, "r3"),
    }
    tracker._routes = {
        "driving": _Cached(RouteView("r1", ("a",)), time.monotonic() + 10),
        "stopped long ago": _Cached(RouteView("r2", ("a",)), time.monotonic() + 10),
        "route ended": _Cached(None, time.monotonic() - 1),
    }
    assert tracker.prune(now) == 2
    assert set(tracker.latest) == set(tracker._routes) == {"driving"}


@pytest.mark.parametrize(
    ("full", "early", "reason"),
    [(False, False, "no_driver"), (False, True, "window"), (True, False, "no_seat"),
     (True, True, "no_seat")],
)  # fmt: skip
def test_why_a_request_expired_unmatched(full: bool, early: bool, reason: str) -> None:
    """A full driver going the rider's way explains more than an early one: with a seat, the
    rider would have ridden."""
    now = datetime.now(UTC)
    request = RideRequest(
        id="r1", rider_id="u1", station_id="mg-road", destination_area_id="ulsoor",
        arrival_time=now, status=S.EXPIRED, created_at=now, updated_at=now,
        passed_full=full, passed_early=early,
    )  # fmt: skip
    assert unmatched_reason(request) == reason
