from __future__ import annotations

import grpc
import pytest

from api.lastmile.v1 import common_pb2, station_pb2
from common.errors import field_of
from common.geo import destination_point
from tests.harness import Cluster

pytestmark = pytest.mark.integration

TEN = {
    "mg-road": "MG Road",
    "trinity": "Trinity",
    "rv-road": "RV Road",
    "cubbon-park": "Cubbon Park",
    "indiranagar": "Indiranagar",
    "baiyappanahalli": "Baiyappanahalli",
    "majestic": "Majestic",
    "vijayanagar": "Vijayanagar",
    "jayanagar": "Jayanagar",
    "banashankari": "Banashankari",
}


@pytest.fixture
async def stations(cluster: Cluster):
    cluster.start("station")
    return cluster.stub("station")


async def test_the_ten_stations_load_with_their_areas(stations, mongo_db) -> None:
    answer = await stations.ListStations(station_pb2.ListStationsRequest())
    assert {s.id: s.name for s in answer.stations} == TEN
    assert [s.name for s in answer.stations] == sorted(TEN.values())
    for s in answer.stations:
        assert 3 <= len(s.areas) <= 4
        assert s.trigger_radius_m == 1000
    assert mongo_db["stations"].count_documents({}) == 10


async def test_get_station_and_its_areas(stations) -> None:
    mg = await stations.GetStation(station_pb2.GetStationRequest(station_id="mg-road"))
    assert mg.name == "MG Road"
    assert abs(mg.location.lat - 12.9755) < 1e-9
    areas = await stations.ListAreas(station_pb2.ListAreasRequest(station_id="mg-road"))
    assert [a.id for a in areas.areas] == [a.id for a in mg.areas]
    assert "ulsoor" in {a.id for a in areas.areas}


async def test_get_stations_keeps_the_order_asked(stations) -> None:
    ids = ["trinity", "mg-road", "trinity"]
    answer = await stations.GetStations(station_pb2.GetStationsRequest(station_ids=ids))
    assert [s.id for s in answer.stations] == ids


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.GetStation(station_pb2.GetStationRequest(station_id="atlantis")),
        lambda s: s.ListAreas(station_pb2.ListAreasRequest(station_id="atlantis")),
        lambda s: s.GetStations(
            station_pb2.GetStationsRequest(station_ids=["mg-road", "atlantis"])
        ),
        lambda s: s.FindTriggerZones(
            station_pb2.FindTriggerZonesRequest(
                point=common_pb2.LatLon(lat=12.97, lon=77.6), station_ids=["atlantis"]
            )
        ),
    ],
)
async def test_unknown_station_is_not_found(stations, call) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call(stations)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "atlantis" in err.value.details()


async def _zones(stations, lat: float, lon: float, *ids: str) -> list[str]:
    answer = await stations.FindTriggerZones(
        station_pb2.FindTriggerZonesRequest(
            point=common_pb2.LatLon(lat=lat, lon=lon), station_ids=list(ids)
        )
    )
    return [h.station_id for h in answer.hits]


async def test_trigger_zone_boundary_999_m_inside_1001_m_outside(stations) -> None:
    mg = await stations.GetStation(station_pb2.GetStationRequest(station_id="mg-road"))
    # North of MG Road, away from its approach point and from Trinity's zone.
    inside = destination_point(mg.location.lat, mg.location.lon, 0, 999)
    outside = destination_point(mg.location.lat, mg.location.lon, 0, 1001)
    assert await _zones(stations, *inside, "mg-road") == ["mg-road"]
    assert await _zones(stations, *outside, "mg-road") == []


async def test_trigger_zone_of_an_approach_point(stations) -> None:
    mg = await stations.GetStation(station_pb2.GetStationRequest(station_id="mg-road"))
    point = mg.approach_points[0].location
    near = destination_point(point.lat, point.lon, 200, 140)
    answer = await stations.FindTriggerZones(
        station_pb2.FindTriggerZonesRequest(
            point=common_pb2.LatLon(lat=near[0], lon=near[1]), station_ids=["mg-road"]
        )
    )
    assert [(h.station_id, h.via) for h in answer.hits] == [("mg-road", "Richmond Circle")]
    assert answer.hits[0].distance_m > 1000


async def test_trigger_zones_of_all_stations_nearest_first(stations) -> None:
    # Halfway between MG Road and Trinity (about 1.1 km apart) is inside both zones.
    assert await _zones(stations, 12.97425, 77.6119) in (
        ["mg-road", "trinity"],
        ["trinity", "mg-road"],
    )
    answer = await stations.FindTriggerZones(
        station_pb2.FindTriggerZonesRequest(point=common_pb2.LatLon(lat=12.9740, lon=77.6080))
    )
    assert [h.station_id for h in answer.hits] == ["mg-road", "trinity"]


@pytest.mark.parametrize(
    "lat,lon", [(91, 77.6), (12.9, 181), (float("nan"), 77.6), (12.9, float("inf"))]
)
async def test_impossible_coordinates_are_rejected(stations, lat, lon) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await _zones(stations, lat, lon)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert field_of(err.value) == "point"
