import datetime

from api.lastmile.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PositionUpdate(_message.Message):
    __slots__ = ("driver_id", "position", "at", "speed_mps")
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    position: _common_pb2.LatLon
    at: _timestamp_pb2.Timestamp
    speed_mps: float
    def __init__(self, driver_id: _Optional[str] = ..., position: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., speed_mps: _Optional[float] = ...) -> None: ...

class StationEta(_message.Message):
    __slots__ = ("station_id", "distance_m", "eta_seconds")
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_M_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    distance_m: float
    eta_seconds: float
    def __init__(self, station_id: _Optional[str] = ..., distance_m: _Optional[float] = ..., eta_seconds: _Optional[float] = ...) -> None: ...

class Trigger(_message.Message):
    __slots__ = ("route_id", "station_id", "trip_id", "rider_ids")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_IDS_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    station_id: str
    trip_id: str
    rider_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, route_id: _Optional[str] = ..., station_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., rider_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class UpdateResult(_message.Message):
    __slots__ = ("triggered", "etas")
    TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    ETAS_FIELD_NUMBER: _ClassVar[int]
    triggered: _containers.RepeatedCompositeFieldContainer[Trigger]
    etas: _containers.RepeatedCompositeFieldContainer[StationEta]
    def __init__(self, triggered: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., etas: _Optional[_Iterable[_Union[StationEta, _Mapping]]] = ...) -> None: ...

class PositionBatch(_message.Message):
    __slots__ = ("updates",)
    UPDATES_FIELD_NUMBER: _ClassVar[int]
    updates: _containers.RepeatedCompositeFieldContainer[PositionUpdate]
    def __init__(self, updates: _Optional[_Iterable[_Union[PositionUpdate, _Mapping]]] = ...) -> None: ...

class PositionOutcome(_message.Message):
    __slots__ = ("result", "failure")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    FAILURE_FIELD_NUMBER: _ClassVar[int]
    result: UpdateResult
    failure: _common_pb2.Failure
    def __init__(self, result: _Optional[_Union[UpdateResult, _Mapping]] = ..., failure: _Optional[_Union[_common_pb2.Failure, _Mapping]] = ...) -> None: ...

class PositionBatchResult(_message.Message):
    __slots__ = ("outcomes",)
    OUTCOMES_FIELD_NUMBER: _ClassVar[int]
    outcomes: _containers.RepeatedCompositeFieldContainer[PositionOutcome]
    def __init__(self, outcomes: _Optional[_Iterable[_Union[PositionOutcome, _Mapping]]] = ...) -> None: ...

class Rejection(_message.Message):
    __slots__ = ("index", "code", "message")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    index: int
    code: str
    message: str
    def __init__(self, index: _Optional[int] = ..., code: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class StreamSummary(_message.Message):
    __slots__ = ("accepted", "rejected", "triggered", "rejections")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    TRIGGERED_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    accepted: int
    rejected: int
    triggered: _containers.RepeatedCompositeFieldContainer[Trigger]
    rejections: _containers.RepeatedCompositeFieldContainer[Rejection]
    def __init__(self, accepted: _Optional[int] = ..., rejected: _Optional[int] = ..., triggered: _Optional[_Iterable[_Union[Trigger, _Mapping]]] = ..., rejections: _Optional[_Iterable[_Union[Rejection, _Mapping]]] = ...) -> None: ...

class GetPositionRequest(_message.Message):
    __slots__ = ("driver_id",)
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    def __init__(self, driver_id: _Optional[str] = ...) -> None: ...

class DriverPosition(_message.Message):
    __slots__ = ("driver_id", "position", "at", "speed_mps", "route_id", "etas")
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    ETAS_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    position: _common_pb2.LatLon
    at: _timestamp_pb2.Timestamp
    speed_mps: float
    route_id: str
    etas: _containers.RepeatedCompositeFieldContainer[StationEta]
    def __init__(self, driver_id: _Optional[str] = ..., position: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., speed_mps: _Optional[float] = ..., route_id: _Optional[str] = ..., etas: _Optional[_Iterable[_Union[StationEta, _Mapping]]] = ...) -> None: ...

class ListPositionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListPositionsResponse(_message.Message):
    __slots__ = ("positions",)
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedCompositeFieldContainer[DriverPosition]
    def __init__(self, positions: _Optional[_Iterable[_Union[DriverPosition, _Mapping]]] = ...) -> None: ...
