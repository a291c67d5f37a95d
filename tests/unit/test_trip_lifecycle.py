import pytest

from common.errors import FailedPrecondition, InvalidArgument
from services.trip import lifecycle as life
from services.trip.lifecycle import (
    Booking,
    CancelledBy,
    RiderStatus,
    Trip,
    TripRider,
    TripStatus,
)


def trip(*statuses: RiderStatus, status: TripStatus = TripStatus.SCHEDULED, seats: int = 4) -> Trip:
    riders = tuple(TripRider(f"u{i}", f"q{i}", "s", st) for i, st in enumerate(statuses))
    return Trip("t", "route", "d", seats, status, riders)


def rider(n: int, request: int | None = None) -> TripRider:
    return TripRider(f"u{n}", f"q{n if request is None else request}", "s")


def test_booking_is_keyed_by_request_and_stops_when_full() -> None:
    t, outcomes = life.book(trip(RiderStatus.MATCHED, seats=2), [rider(0), rider(1), rider(2)])
    assert outcomes == [Booking.BOOKED, Booking.BOOKED, Booking.FULL]
    assert [r.request_id for r in t.riders] == ["q0", "q1"]
    assert t.seats_free == 0
    assert life.book(t, [rider(0), rider(1)]) == (t, [Booking.BOOKED, Booking.BOOKED])


def test_a_rider_who_left_can_book_again_under_a_new_request() -> None:
    gone = life.remove_rider(trip(RiderStatus.MATCHED, seats=1), rider(0))
    assert gone.seats_free == 1
    again, outcomes = life.book(gone, [rider(0), rider(0, request=7)])
    assert outcomes == [Booking.ENDED, Booking.BOOKED]
    assert [(r.request_id, r.status) for r in again.riders] == [
        ("q0", RiderStatus.CANCELLED),
        ("q7", RiderStatus.MATCHED),
    ]
    # The driver's actions address the rider's current entry.
    picked = life.pick_up(again, ["u0"])
    assert [r.status for r in picked.riders] == [RiderStatus.CANCELLED, RiderStatus.PICKED_UP]


def test_a_rider_holds_one_seat_and_an_unbooked_cancel_is_final() -> None:
    _, outcomes = life.book(trip(RiderStatus.MATCHED), [rider(0, request=9)])
    assert outcomes == [Booking.DUPLICATE_RIDER]
    early = life.remove_rider(trip(), rider(5))
    assert life.book(early, [rider(5)]) == (early, [Booking.ENDED])


@pytest.mark.parametrize("status", [TripStatus.COMPLETED, TripStatus.CANCELLED])
def test_closed_trips_take_nobody(status) -> None:
    t = trip(status=status)
    assert life.book(t, [rider(0)]) == (t, [Booking.CLOSED])


def test_seats_free_counts_only_riders_holding_a_seat() -> None:
    t = trip(
        RiderStatus.MATCHED,
        RiderStatus.PICKED_UP,
        RiderStatus.NO_SHOW,
        RiderStatus.CANCELLED,
        RiderStatus.DROPPED_OFF,
        seats=3,
    )
    assert t.seats_free == 1


def test_capacity_is_checked() -> None:
    life.check_capacity(8)
    for bad in (0, 9):
        with pytest.raises(InvalidArgument):
            life.check_capacity(bad)


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
