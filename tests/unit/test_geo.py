import math

import pytest

from common.geo import closest_on_path_m, destination_point, haversine_m, is_valid_lat_lon


def test_haversine_of_a_known_distance() -> None:
    # One degree of latitude is about 111.2 km on the mean sphere.
    assert haversine_m(12.0, 77.0, 13.0, 77.0) == pytest.approx(111_195, rel=1e-4)
    assert haversine_m(12.9755, 77.6068, 12.9755, 77.6068) == 0


def test_haversine_is_symmetric() -> None:
    a, b = (12.9755, 77.6068), (12.9757, 77.5729)
    assert haversine_m(*a, *b) == pytest.approx(haversine_m(*b, *a))
    assert haversine_m(*a, *b) == pytest.approx(3_676, rel=0.01)


@pytest.mark.parametrize("bearing", [0, 45, 90, 180, 270, 333])
@pytest.mark.parametrize("distance", [1, 150, 999, 1001, 25_000])
def test_destination_point_lands_at_the_distance_asked(bearing: float, distance: float) -> None:
    lat, lon = destination_point(12.9755, 77.6068, bearing, distance)
    assert haversine_m(12.9755, 77.6068, lat, lon) == pytest.approx(distance, abs=1e-6)


def test_destination_point_wraps_longitude() -> None:
    _, lon = destination_point(0, 179.9999, 90, 1000)
    assert -180 <= lon < -179.99


@pytest.mark.parametrize(
    "lat,lon,ok",
    [
        (0, 0, True),
        (90, 180, True),
        (-90, -180, True),
        (90.0001, 0, False),
        (0, -180.0001, False),
        (math.nan, 0, False),
        (0, math.inf, False),
    ],
)
def test_valid_coordinates(lat: float, lon: float, ok: bool) -> None:
    assert is_valid_lat_lon(lat, lon) is ok


def test_distance_to_a_path_and_how_far_along_it() -> None:
    start = (12.97, 77.60)
    end = destination_point(*start, 90, 2000)  # 2 km east
    above = destination_point(*destination_point(*start, 90, 1000), 0, 1000)
    gap, along = closest_on_path_m(*above, [start, end])
    assert gap == pytest.approx(1000, rel=0.01)
    assert along == pytest.approx(1000, rel=0.01)
    beyond = destination_point(*end, 90, 500)
    gap, along = closest_on_path_m(*beyond, [start, end])
    assert gap == pytest.approx(500, rel=0.01)
    assert along == pytest.approx(2000, rel=0.01)
    # A path of one point is that point; a bend is measured leg by leg.
    assert closest_on_path_m(*above, [start])[0] == pytest.approx(
        haversine_m(*start, *above), rel=0.01
    )
    corner = destination_point(*end, 0, 1000)
    gap, along = closest_on_path_m(*above, [start, end, corner])
    assert gap == pytest.approx(1000, rel=0.01)
    with pytest.raises(ValueError):
        closest_on_path_m(*above, [])
