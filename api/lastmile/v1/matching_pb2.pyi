import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TriggerRequest(_message.Message):
    __slots__ = ("route_id", "station_id", "driver_eta")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ETA_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    station_id: str
    driver_eta: _timestamp_pb2.Timestamp
    def __init__(self, route_id: _Optional[str] = ..., station_id: _Optional[str] = ..., driver_eta: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MatchNowRequest(_message.Message):
    __slots__ = ("route_id", "station_id")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    station_id: str
    def __init__(self, route_id: _Optional[str] = ..., station_id: _Optional[str] = ...) -> None: ...

class MatchResult(_message.Message):
    __slots__ = ("route_id", "station_id", "trip_id", "request_ids", "rider_ids", "seats_free")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    RIDER_IDS_FIELD_NUMBER: _ClassVar[int]
    SEATS_FREE_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    station_id: str
    trip_id: str
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    rider_ids: _containers.RepeatedScalarFieldContainer[str]
    seats_free: int
    def __init__(self, route_id: _Optional[str] = ..., station_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., request_ids: _Optional[_Iterable[str]] = ..., rider_ids: _Optional[_Iterable[str]] = ..., seats_free: _Optional[int] = ...) -> None: ...
