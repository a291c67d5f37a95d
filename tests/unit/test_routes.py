import pytest

from common.errors import FailedPrecondition, InvalidArgument
from services.driver.routes import RouteStatus, require_open, validate_route

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


def test_require_open() -> None:
    require_open(RouteStatus.OPEN, "r")
    with pytest.raises(FailedPrecondition):
        require_open(RouteStatus.CANCELLED, "r")
