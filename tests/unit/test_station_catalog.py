"""The stations a service keeps (common/station_catalog.py): one read per TTL, a fresh one for
a station not known."""

from api.lastmile.v1 import station_pb2
from common.station_catalog import StationCatalog


class _Stations:
    """A StationService answering from a list that can change, counting its reads."""

    def __init__(self, *ids: str) -> None:
        self.ids, self.reads = list(ids), 0

    async def ListStations(self, request: station_pb2.ListStationsRequest):
        self.reads += 1
        return station_pb2.ListStationsResponse(
            stations=[station_pb2.Station(id=i, name=i) for i in self.ids]
        )


async def test_stations_are_read_once_per_ttl() -> None:
    service = _Stations("mg-road", "trinity")
    catalog = StationCatalog(lambda: service, ttl_s=60)
    for _ in range(5):
        assert (await catalog.get("mg-road")).name == "mg-road"
        assert set(await catalog.stations()) == {"mg-road", "trinity"}
    assert service.reads == 1
    expired = StationCatalog(lambda: service, ttl_s=0)
    await expired.stations()
    await expired.stations()
    assert service.reads == 3


async def test_a_station_not_known_is_looked_for_in_a_fresh_read() -> None:
    service = _Stations("mg-road")
    catalog = StationCatalog(lambda: service, ttl_s=60)
    await catalog.stations()
    service.ids.append("indiranagar")
    assert (await catalog.get("indiranagar")).id == "indiranagar"
    assert await catalog.get("nowhere") is None
    assert service.reads == 3  # the first read, then one fresh read per station not known
