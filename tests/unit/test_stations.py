import json
from pathlib import Path

import pytest

from common.geo import destination_point, haversine_m
from common.zones import RADIUS, zone_hit, zone_hits
from services.station.catalog import (
    ApproachPoint,
    Area,
    Point,
    SeedError,
    Station,
    load_seed,
)
from services.station.store import from_document, to_document

CENTRE = Point(12.9755, 77.6068)
GATE = Point(*destination_point(CENTRE.lat, CENTRE.lon, 180, 2000))
STATION = Station(
    id="s",
    name="S",
    location=CENTRE,
    trigger_radius_m=1000,
    areas=(Area("a", "A", Point(12.98, 77.61)),),
    approach_points=(ApproachPoint("gate", GATE),),
)
FAR = Station("far", "Far", Point(13.5, 77.6), 1000, ())


def at(bearing: float, distance: float, origin: Point = CENTRE) -> tuple[float, float]:
    return destination_point(origin.lat, origin.lon, bearing, distance)


@pytest.mark.parametrize("bearing", [0, 90, 200, 315])
def test_trigger_radius_boundary(bearing: float) -> None:
    assert zone_hit(STATION.zone, *at(bearing, 999)) is not None
    assert zone_hit(STATION.zone, *at(bearing, 1000 - 1e-6)).via == RADIUS
    assert zone_hit(STATION.zone, *at(bearing, 1001)) is None


def test_approach_point_within_150_m_triggers() -> None:
    hit = zone_hit(STATION.zone, *at(90, 149, GATE))
    assert hit is not None and hit.via == "gate"
    assert hit.distance_m == pytest.approx(2000, abs=10)
    assert zone_hit(STATION.zone, *at(90, 151, GATE)) is None


def test_hits_are_nearest_first_and_only_inside() -> None:
    near = Station("near", "Near", Point(*at(0, 600)), 1000, ())
    hits = zone_hits([near.zone, FAR.zone, STATION.zone], CENTRE.lat, CENTRE.lon)
    assert [h.station_id for h in hits] == ["s", "near"]
    assert hits[0].distance_m == 0


def test_the_seed_file_holds_the_ten_stations_each_with_three_or_four_nearby_areas() -> None:
    stations = load_seed()
    assert len(stations) == 10
    for s in stations:
        assert 3 <= len(s.areas) <= 4, s.id
        for area in s.areas:
            distance = haversine_m(
                s.location.lat, s.location.lon, area.location.lat, area.location.lon
            )
            assert distance < 5_000, (s.id, area.id, distance)


@pytest.mark.parametrize(
    "mutate,complaint",
    [
        (lambda d: d["stations"][0]["areaIds"].append("nowhere"), "unknown areas"),
        (lambda d: d["stations"].append(dict(d["stations"][0])), "duplicate station id"),
        (lambda d: d["stations"][0].update(triggerRadiusM=-5), "triggerRadiusM"),
        (lambda d: d["stations"][0]["location"].update(lat=95), "lat"),
        (lambda d: d["stations"][0].update(colour="red"), "colour"),
    ],
)
def test_a_bad_seed_file_is_refused_saying_why(tmp_path: Path, mutate, complaint: str) -> None:
    data = json.loads(Path("services/station/stations.json").read_text())
    mutate(data)
    path = tmp_path / "stations.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SeedError, match=complaint):
        load_seed(path)


def test_a_missing_seed_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match="cannot load stations"):
        load_seed(tmp_path / "none.json")


def test_documents_round_trip() -> None:
    for station in load_seed():
        assert from_document(to_document(station)) == station
