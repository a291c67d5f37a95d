import datetime

from api.lastmile.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RouteStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ROUTE_STATUS_UNSPECIFIED: _ClassVar[RouteStatus]
    ROUTE_STATUS_OPEN: _ClassVar[RouteStatus]
    ROUTE_STATUS_COMPLETED: _ClassVar[RouteStatus]
    ROUTE_STATUS_CANCELLED: _ClassVar[RouteStatus]
ROUTE_STATUS_UNSPECIFIED: RouteStatus
ROUTE_STATUS_OPEN: RouteStatus
ROUTE_STATUS_COMPLETED: RouteStatus
ROUTE_STATUS_CANCELLED: RouteStatus

class Route(_message.Message):
    __slots__ = ("id", "driver_id", "station_ids", "destination_area_id", "seats_total", "status", "created_at", "updated_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    SEATS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    driver_id: str
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    destination_area_id: str
    seats_total: int
    status: RouteStatus
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., driver_id: _Optional[str] = ..., station_ids: _Optional[_Iterable[str]] = ..., destination_area_id: _Optional[str] = ..., seats_total: _Optional[int] = ..., status: _Optional[_Union[RouteStatus, str]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateRouteRequest(_message.Message):
    __slots__ = ("driver_id", "station_ids", "destination_area_id", "seats", "idempotency_key")
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    SEATS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    destination_area_id: str
    seats: int
    idempotency_key: str
    def __init__(self, driver_id: _Optional[str] = ..., station_ids: _Optional[_Iterable[str]] = ..., destination_area_id: _Optional[str] = ..., seats: _Optional[int] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetCurrentRoutesRequest(_message.Message):
    __slots__ = ("driver_ids",)
    DRIVER_IDS_FIELD_NUMBER: _ClassVar[int]
    driver_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, driver_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetCurrentRoutesResponse(_message.Message):
    __slots__ = ("routes",)
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    def __init__(self, routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ...) -> None: ...

class GetCurrentRouteRequest(_message.Message):
    __slots__ = ("driver_id",)
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    def __init__(self, driver_id: _Optional[str] = ...) -> None: ...

class GetRouteRequest(_message.Message):
    __slots__ = ("route_id",)
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    def __init__(self, route_id: _Optional[str] = ...) -> None: ...

class CancelRouteRequest(_message.Message):
    __slots__ = ("route_id", "driver_id")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    driver_id: str
    def __init__(self, route_id: _Optional[str] = ..., driver_id: _Optional[str] = ...) -> None: ...

class CompleteRouteRequest(_message.Message):
    __slots__ = ("route_id",)
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    def __init__(self, route_id: _Optional[str] = ...) -> None: ...

class ListOpenRoutesRequest(_message.Message):
    __slots__ = ("station_id", "page")
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    page: _common_pb2.PageRequest
    def __init__(self, station_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListOpenRoutesResponse(_message.Message):
    __slots__ = ("routes", "next_page_token")
    ROUTES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    routes: _containers.RepeatedCompositeFieldContainer[Route]
    next_page_token: str
    def __init__(self, routes: _Optional[_Iterable[_Union[Route, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
