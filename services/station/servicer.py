"""StationService: protobuf in, domain out. Stations are reference data held in memory."""

from __future__ import annotations

import grpc

from api.lastmile.v1 import common_pb2, station_pb2, station_pb2_grpc
from common.errors import InvalidArgument, NotFound
from common.geo import is_valid_lat_lon
from common.zones import zone_hits
from services.station.catalog import Point, Station


def _latlon(p: Point) -> common_pb2.LatLon:
    return common_pb2.LatLon(lat=p.lat, lon=p.lon)


def station_message(s: Station) -> station_pb2.Station:
    return station_pb2.Station(
        id=s.id,
        name=s.name,
        location=_latlon(s.location),
        trigger_radius_m=s.trigger_radius_m,
        areas=[
            station_pb2.Area(id=a.id, name=a.name, location=_latlon(a.location)) for a in s.areas
        ],
        approach_points=[
            station_pb2.ApproachPoint(name=p.name, location=_latlon(p.location))
            for p in s.approach_points
        ],
    )


class StationServicer(station_pb2_grpc.StationServiceServicer):
    def __init__(self, stations: list[Station]) -> None:
        ordered = sorted(stations, key=lambda s: s.name)
        self._by_id = {s.id: s for s in ordered}
        self._messages = {s.id: station_message(s) for s in ordered}

    def _get(self, station_id: str, field: str = "station_id") -> Station:
        station = self._by_id.get(station_id)
        if station is None:
            raise NotFound(f"no station with id {station_id!r}", field)
        return station

    async def ListStations(self, request, context: grpc.aio.ServicerContext):
        return station_pb2.ListStationsResponse(stations=list(self._messages.values()))

    async def GetStation(self, request, context: grpc.aio.ServicerContext):
        return self._messages[self._get(request.station_id).id]

    async def GetStations(self, request, context: grpc.aio.ServicerContext):
        for sid in request.station_ids:
            self._get(sid, "station_ids")
        return station_pb2.GetStationsResponse(
            stations=[self._messages[sid] for sid in request.station_ids]
        )

    async def ListAreas(self, request, context: grpc.aio.ServicerContext):
        return station_pb2.ListAreasResponse(
            areas=self._messages[self._get(request.station_id).id].areas
        )

    async def FindTriggerZones(self, request, context: grpc.aio.ServicerContext):
        if not request.HasField("point"):
            raise InvalidArgument("point is required", "point")
        lat, lon = request.point.lat, request.point.lon
        if not is_valid_lat_lon(lat, lon):
            raise InvalidArgument(
                f"point ({lat}, {lon}) is not a valid latitude/longitude", "point"
            )
        if request.station_ids:
            candidates = [self._get(sid, "station_ids") for sid in request.station_ids]
        else:
            candidates = list(self._by_id.values())
        hits = zone_hits((s.zone for s in candidates), lat, lon)
        return station_pb2.FindTriggerZonesResponse(
            hits=[
                station_pb2.ZoneHit(station_id=h.station_id, distance_m=h.distance_m, via=h.via)
                for h in hits
            ]
        )
