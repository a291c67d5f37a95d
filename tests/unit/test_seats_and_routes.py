import pytest

from common.errors import FailedPrecondition, InvalidArgument
from services.driver.routes import RouteStatus, SeatBook, SeatState, require_open, validate_route

KNOWN = {"a": frozenset({"x", "y"}), "b": frozenset({"z"})}


def test_valid_route() -> None:
    validate_route(["a", "b"], "z", 4, KNOWN)


@pytest.mark.parametrize(
    "stations,area,seats,field",
    [
        ([], "x", 1, "stationIds"),
        (["a", "a"], "x", 1, "stationIds"),
        (["a", "c"], "x", 1, "stationIds"),
        (["a"], "z", 1, "destinationAreaId"),
        (["a"], "x", 0, "seats"),
        (["a"], "x", 9, "seats"),
        ([str(i) for i in range(11)], "x", 1, "stationIds"),
    ],
)
def test_invalid_routes(stations, area, seats, field) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_route(stations, area, seats, KNOWN)
    assert err.value.field == field


def test_reserve_takes_in_order_while_seats_last() -> None:
    book = SeatBook(2).reserve(["r1", "r2", "r3"])
    assert book.seats == (("r1", SeatState.HELD), ("r2", SeatState.HELD))
    assert book.free == 0
    assert book.reserve(["r3"]) == book


def test_reserve_is_idempotent_per_request() -> None:
    book = SeatBook(3).reserve(["r1"])
    assert book.reserve(["r1"]) == book
    assert book.reserve(["r1", "r2"]).free == 1


def test_released_seats_are_never_held_again() -> None:
    book = SeatBook(2).reserve(["r1"]).release(["r1"])
    assert book.free == 2
    assert book.state_of("r1") is SeatState.RELEASED
    assert book.reserve(["r1"]).free == 2
    # A release that arrives before the hold still wins.
    early = SeatBook(2).release(["r9"])
    assert early.reserve(["r9"]).state_of("r9") is SeatState.RELEASED


def test_confirm_only_held_seats() -> None:
    book = SeatBook(3).reserve(["r1", "r2"]).release(["r2"]).confirm(["r1", "r2", "r3"])
    assert book.state_of("r1") is SeatState.CONFIRMED
    assert book.state_of("r2") is SeatState.RELEASED
    assert book.state_of("r3") is None
    assert book.free == 2


def test_release_twice_gives_one_seat_back() -> None:
    book = SeatBook(1).reserve(["r1"]).confirm(["r1"])
    assert book.release(["r1"]).release(["r1"]).free == 1


@pytest.mark.parametrize("ops", [["reserve", "release", "reserve"], ["confirm", "release"]])
def test_free_seats_stay_within_bounds(ops) -> None:
    book = SeatBook(2)
    for op in ops * 5:
        book = getattr(book, op)(["r1", "r2", "r3"])
        assert 0 <= book.free <= 2


def test_require_open() -> None:
    require_open(RouteStatus.OPEN, "r")
    with pytest.raises(FailedPrecondition):
        require_open(RouteStatus.CANCELLED, "r")
