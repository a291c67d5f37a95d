from api.lastmile.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Area(_message.Message):
    __slots__ = ("id", "name", "location")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    location: _common_pb2.LatLon
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ...) -> None: ...

class ApproachPoint(_message.Message):
    __slots__ = ("name", "location")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    name: str
    location: _common_pb2.LatLon
    def __init__(self, name: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ...) -> None: ...

class Station(_message.Message):
    __slots__ = ("id", "name", "location", "trigger_radius_m", "areas", "approach_points")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_RADIUS_M_FIELD_NUMBER: _ClassVar[int]
    AREAS_FIELD_NUMBER: _ClassVar[int]
    APPROACH_POINTS_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    location: _common_pb2.LatLon
    trigger_radius_m: float
    areas: _containers.RepeatedCompositeFieldContainer[Area]
    approach_points: _containers.RepeatedCompositeFieldContainer[ApproachPoint]
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., trigger_radius_m: _Optional[float] = ..., areas: _Optional[_Iterable[_Union[Area, _Mapping]]] = ..., approach_points: _Optional[_Iterable[_Union[ApproachPoint, _Mapping]]] = ...) -> None: ...

class ListStationsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStationsResponse(_message.Message):
    __slots__ = ("stations",)
    STATIONS_FIELD_NUMBER: _ClassVar[int]
    stations: _containers.RepeatedCompositeFieldContainer[Station]
    def __init__(self, stations: _Optional[_Iterable[_Union[Station, _Mapping]]] = ...) -> None: ...

class GetStationRequest(_message.Message):
    __slots__ = ("station_id",)
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    def __init__(self, station_id: _Optional[str] = ...) -> None: ...

class GetStationsRequest(_message.Message):
    __slots__ = ("station_ids",)
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetStationsResponse(_message.Message):
    __slots__ = ("stations",)
    STATIONS_FIELD_NUMBER: _ClassVar[int]
    stations: _containers.RepeatedCompositeFieldContainer[Station]
    def __init__(self, stations: _Optional[_Iterable[_Union[Station, _Mapping]]] = ...) -> None: ...

class ListAreasRequest(_message.Message):
    __slots__ = ("station_id",)
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    def __init__(self, station_id: _Optional[str] = ...) -> None: ...

class ListAreasResponse(_message.Message):
    __slots__ = ("areas",)
    AREAS_FIELD_NUMBER: _ClassVar[int]
    areas: _containers.RepeatedCompositeFieldContainer[Area]
    def __init__(self, areas: _Optional[_Iterable[_Union[Area, _Mapping]]] = ...) -> None: ...

class FindTriggerZonesRequest(_message.Message):
    __slots__ = ("point", "station_ids")
    POINT_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    point: _common_pb2.LatLon
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, point: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ZoneHit(_message.Message):
    __slots__ = ("station_id", "distance_m", "via")
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    VIA_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    distance_m: float
    via: str
    def __init__(self, station_id: _Optional[str] = ..., distance_m: _Optional[float] = ..., via: _Optional[str] = ...) -> None: ...

class FindTriggerZonesResponse(_message.Message):
    __slots__ = ("hits",)
    HITS_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[ZoneHit]
    def __init__(self, hits: _Optional[_Iterable[_Union[ZoneHit, _Mapping]]] = ...) -> None: ...
