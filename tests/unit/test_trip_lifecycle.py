import pytest

from common.errors import FailedPrecondition, InvalidArgument
from services.trip import lifecycle as life
from services.trip.lifecycle import CancelledBy, RiderStatus, Trip, TripRider, TripStatus


def trip(*statuses: RiderStatus, status: TripStatus = TripStatus.SCHEDULED) -> Trip:
    riders = tuple(TripRider(f"u{i}", f"q{i}", "s", st) for i, st in enumerate(statuses))
    return Trip("t", "route", "d", status, riders)


def test_add_riders_skips_those_already_on_board() -> None:
    t = life.add_riders(
        trip(RiderStatus.MATCHED), [TripRider("u0", "q0", "s"), TripRider("u1", "q1", "s")]
    )
    assert [r.rider_id for r in t.riders] == ["u0", "u1"]
    gone = life.remove_rider(trip(), TripRider("u5", "q5", "s"))
    assert life.add_riders(gone, [TripRider("u5", "q5", "s")]).riders == gone.riders


@pytest.mark.parametrize("status", [TripStatus.COMPLETED, TripStatus.CANCELLED])
def test_closed_trips_take_nobody(status) -> None:
    with pytest.raises(FailedPrecondition):
        life.add_riders(trip(status=status), [TripRider("u", "q", "s")])


def test_first_pick_up_makes_the_trip_active_and_repeats_are_harmless() -> None:
    t = life.pick_up(trip(RiderStatus.MATCHED, RiderStatus.MATCHED), ["u0"])
    assert t.status is TripStatus.ACTIVE
    assert life.pick_up(t, ["u0"]) == t


@pytest.mark.parametrize(
    "move,status",
    [
        (life.pick_up, RiderStatus.NO_SHOW),
        (life.pick_up, RiderStatus.DROPPED_OFF),
        (life.pick_up, RiderStatus.CANCELLED),
        (life.no_show, RiderStatus.PICKED_UP),
    ],
)
def test_illegal_rider_moves(move, status) -> None:
    with pytest.raises(FailedPrecondition) as err:
        move(trip(status, status=TripStatus.ACTIVE), ["u0"])
    assert "u0" in err.value.message


def test_unknown_rider_and_empty_list() -> None:
    with pytest.raises(FailedPrecondition):
        life.pick_up(trip(RiderStatus.MATCHED), ["ghost"])
    with pytest.raises(InvalidArgument):
        life.pick_up(trip(RiderStatus.MATCHED), [])


def test_complete_drops_off_everyone_on_board() -> None:
    t = life.complete(trip(RiderStatus.PICKED_UP, RiderStatus.NO_SHOW, status=TripStatus.ACTIVE))
    assert t.status is TripStatus.COMPLETED
    assert [r.status for r in t.riders] == [RiderStatus.DROPPED_OFF, RiderStatus.NO_SHOW]
    assert life.complete(t) == t


@pytest.mark.parametrize(
    "t",
    [
        trip(RiderStatus.MATCHED),
        trip(RiderStatus.PICKED_UP, RiderStatus.MATCHED, status=TripStatus.ACTIVE),
        trip(status=TripStatus.CANCELLED),
    ],
)
def test_complete_is_refused(t) -> None:
    with pytest.raises(FailedPrecondition):
        life.complete(t)


def test_cancel_marks_matched_riders_cancelled_by_the_driver() -> None:
    t = life.cancel(trip(RiderStatus.MATCHED, RiderStatus.NO_SHOW))
    assert t.status is TripStatus.CANCELLED
    assert t.riders[0].cancelled_by is CancelledBy.DRIVER
    assert t.riders[1].status is RiderStatus.NO_SHOW
    assert life.cancel(t) == t
    with pytest.raises(FailedPrecondition):
        life.cancel(trip(RiderStatus.PICKED_UP, status=TripStatus.ACTIVE))


def test_remove_rider() -> None:
    t = life.remove_rider(trip(RiderStatus.MATCHED), TripRider("u0", "q0", "s"))
    assert (t.riders[0].status, t.riders[0].cancelled_by) == (
        RiderStatus.CANCELLED,
        CancelledBy.RIDER,
    )
    assert life.remove_rider(t, TripRider("u0", "q0", "s")) == t
    with pytest.raises(FailedPrecondition):
        life.remove_rider(trip(RiderStatus.PICKED_UP), TripRider("u0", "q0", "s"))
