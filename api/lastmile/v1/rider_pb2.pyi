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

class RequestStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REQUEST_STATUS_UNSPECIFIED: _ClassVar[RequestStatus]
    REQUEST_STATUS_WAITING: _ClassVar[RequestStatus]
    REQUEST_STATUS_MATCHED: _ClassVar[RequestStatus]
    REQUEST_STATUS_PICKED_UP: _ClassVar[RequestStatus]
    REQUEST_STATUS_DROPPED_OFF: _ClassVar[RequestStatus]
    REQUEST_STATUS_CANCELLED: _ClassVar[RequestStatus]
    REQUEST_STATUS_EXPIRED: _ClassVar[RequestStatus]
    REQUEST_STATUS_NO_SHOW: _ClassVar[RequestStatus]

class CancelReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CANCEL_REASON_UNSPECIFIED: _ClassVar[CancelReason]
    CANCEL_REASON_CHANGED_PLANS: _ClassVar[CancelReason]
    CANCEL_REASON_DRIVER_TOO_FAR: _ClassVar[CancelReason]
    CANCEL_REASON_FOUND_OTHER_RIDE: _ClassVar[CancelReason]
    CANCEL_REASON_OTHER: _ClassVar[CancelReason]

class PassedBy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PASSED_BY_UNSPECIFIED: _ClassVar[PassedBy]
    PASSED_BY_FULL: _ClassVar[PassedBy]
    PASSED_BY_EARLY: _ClassVar[PassedBy]
REQUEST_STATUS_UNSPECIFIED: RequestStatus
REQUEST_STATUS_WAITING: RequestStatus
REQUEST_STATUS_MATCHED: RequestStatus
REQUEST_STATUS_PICKED_UP: RequestStatus
REQUEST_STATUS_DROPPED_OFF: RequestStatus
REQUEST_STATUS_CANCELLED: RequestStatus
REQUEST_STATUS_EXPIRED: RequestStatus
REQUEST_STATUS_NO_SHOW: RequestStatus
CANCEL_REASON_UNSPECIFIED: CancelReason
CANCEL_REASON_CHANGED_PLANS: CancelReason
CANCEL_REASON_DRIVER_TOO_FAR: CancelReason
CANCEL_REASON_FOUND_OTHER_RIDE: CancelReason
CANCEL_REASON_OTHER: CancelReason
PASSED_BY_UNSPECIFIED: PassedBy
PASSED_BY_FULL: PassedBy
PASSED_BY_EARLY: PassedBy

class RideRequest(_message.Message):
    __slots__ = ("id", "rider_id", "station_id", "destination_area_id", "arrival_time", "status", "trip_id", "route_id", "driver_id", "created_at", "updated_at", "pin", "fare", "cancel_reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    PIN_FIELD_NUMBER: _ClassVar[int]
    FARE_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    rider_id: str
    station_id: str
    destination_area_id: str
    arrival_time: _timestamp_pb2.Timestamp
    status: RequestStatus
    trip_id: str
    route_id: str
    driver_id: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    pin: str
    fare: Fare
    cancel_reason: str
    def __init__(self, id: _Optional[str] = ..., rider_id: _Optional[str] = ..., station_id: _Optional[str] = ..., destination_area_id: _Optional[str] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., trip_id: _Optional[str] = ..., route_id: _Optional[str] = ..., driver_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pin: _Optional[str] = ..., fare: _Optional[_Union[Fare, _Mapping]] = ..., cancel_reason: _Optional[str] = ...) -> None: ...

class Fare(_message.Message):
    __slots__ = ("amount", "currency", "final")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    FINAL_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    final: bool
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ..., final: _Optional[bool] = ...) -> None: ...

class CreateRideRequestRequest(_message.Message):
    __slots__ = ("rider_id", "station_id", "destination_area_id", "arrival_time", "idempotency_key")
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    ARRIVAL_TIME_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    rider_id: str
    station_id: str
    destination_area_id: str
    arrival_time: _timestamp_pb2.Timestamp
    idempotency_key: str
    def __init__(self, rider_id: _Optional[str] = ..., station_id: _Optional[str] = ..., destination_area_id: _Optional[str] = ..., arrival_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetRideRequestRequest(_message.Message):
    __slots__ = ("request_id",)
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    def __init__(self, request_id: _Optional[str] = ...) -> None: ...

class GetRideRequestsRequest(_message.Message):
    __slots__ = ("request_ids",)
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetRideRequestsResponse(_message.Message):
    __slots__ = ("requests",)
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[RideRequest]
    def __init__(self, requests: _Optional[_Iterable[_Union[RideRequest, _Mapping]]] = ...) -> None: ...

class ListRideRequestsRequest(_message.Message):
    __slots__ = ("rider_id", "page")
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    rider_id: str
    page: _common_pb2.PageRequest
    def __init__(self, rider_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListRideRequestsResponse(_message.Message):
    __slots__ = ("requests", "next_page_token")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[RideRequest]
    next_page_token: str
    def __init__(self, requests: _Optional[_Iterable[_Union[RideRequest, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelRideRequestRequest(_message.Message):
    __slots__ = ("request_id", "rider_id", "reason")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    rider_id: str
    reason: CancelReason
    def __init__(self, request_id: _Optional[str] = ..., rider_id: _Optional[str] = ..., reason: _Optional[_Union[CancelReason, str]] = ...) -> None: ...

class FindEligibleRequest(_message.Message):
    __slots__ = ("station_id", "destination_area_id", "latest_arrival", "limit", "trip_id", "also_destination_area_ids")
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    LATEST_ARRIVAL_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    ALSO_DESTINATION_AREA_IDS_FIELD_NUMBER: _ClassVar[int]
    station_id: str
    destination_area_id: str
    latest_arrival: _timestamp_pb2.Timestamp
    limit: int
    trip_id: str
    also_destination_area_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, station_id: _Optional[str] = ..., destination_area_id: _Optional[str] = ..., latest_arrival: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ..., trip_id: _Optional[str] = ..., also_destination_area_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class FindEligibleResponse(_message.Message):
    __slots__ = ("requests", "claimed", "later")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    LATER_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[RideRequest]
    claimed: _containers.RepeatedCompositeFieldContainer[RideRequest]
    later: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, requests: _Optional[_Iterable[_Union[RideRequest, _Mapping]]] = ..., claimed: _Optional[_Iterable[_Union[RideRequest, _Mapping]]] = ..., later: _Optional[_Iterable[str]] = ...) -> None: ...

class ClaimRequest(_message.Message):
    __slots__ = ("request_ids", "trip_id", "route_id", "driver_id")
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    trip_id: str
    route_id: str
    driver_id: str
    def __init__(self, request_ids: _Optional[_Iterable[str]] = ..., trip_id: _Optional[str] = ..., route_id: _Optional[str] = ..., driver_id: _Optional[str] = ...) -> None: ...

class ClaimResponse(_message.Message):
    __slots__ = ("claimed", "not_claimed")
    CLAIMED_FIELD_NUMBER: _ClassVar[int]
    NOT_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    claimed: _containers.RepeatedCompositeFieldContainer[RideRequest]
    not_claimed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, claimed: _Optional[_Iterable[_Union[RideRequest, _Mapping]]] = ..., not_claimed: _Optional[_Iterable[str]] = ...) -> None: ...

class UnclaimRequest(_message.Message):
    __slots__ = ("request_ids", "trip_id", "whole_trip", "except_request_ids")
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    WHOLE_TRIP_FIELD_NUMBER: _ClassVar[int]
    EXCEPT_REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    trip_id: str
    whole_trip: bool
    except_request_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request_ids: _Optional[_Iterable[str]] = ..., trip_id: _Optional[str] = ..., whole_trip: _Optional[bool] = ..., except_request_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class NotePassedRequest(_message.Message):
    __slots__ = ("request_ids", "how")
    REQUEST_IDS_FIELD_NUMBER: _ClassVar[int]
    HOW_FIELD_NUMBER: _ClassVar[int]
    request_ids: _containers.RepeatedScalarFieldContainer[str]
    how: PassedBy
    def __init__(self, request_ids: _Optional[_Iterable[str]] = ..., how: _Optional[_Union[PassedBy, str]] = ...) -> None: ...

class NotePassedResponse(_message.Message):
    __slots__ = ("marked",)
    MARKED_FIELD_NUMBER: _ClassVar[int]
    marked: int
    def __init__(self, marked: _Optional[int] = ...) -> None: ...

class UnclaimResponse(_message.Message):
    __slots__ = ("released",)
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    released: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, released: _Optional[_Iterable[str]] = ...) -> None: ...

class SetTripStatusRequest(_message.Message):
    __slots__ = ("request_id", "trip_id", "status", "riders_on_trip")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RIDERS_ON_TRIP_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    trip_id: str
    status: RequestStatus
    riders_on_trip: int
    def __init__(self, request_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., status: _Optional[_Union[RequestStatus, str]] = ..., riders_on_trip: _Optional[int] = ...) -> None: ...

class CountWaitingRequest(_message.Message):
    __slots__ = ("destination_area_id", "station_ids")
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_IDS_FIELD_NUMBER: _ClassVar[int]
    destination_area_id: str
    station_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, destination_area_id: _Optional[str] = ..., station_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class CountWaitingResponse(_message.Message):
    __slots__ = ("waiting_by_station",)
    class WaitingByStationEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    WAITING_BY_STATION_FIELD_NUMBER: _ClassVar[int]
    waiting_by_station: _containers.ScalarMap[str, int]
    def __init__(self, waiting_by_station: _Optional[_Mapping[str, int]] = ...) -> None: ...

class CountUnmatchedRequest(_message.Message):
    __slots__ = ("since",)
    SINCE_FIELD_NUMBER: _ClassVar[int]
    since: _timestamp_pb2.Timestamp
    def __init__(self, since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CountUnmatchedResponse(_message.Message):
    __slots__ = ("expired_by_reason",)
    class ExpiredByReasonEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    EXPIRED_BY_REASON_FIELD_NUMBER: _ClassVar[int]
    expired_by_reason: _containers.ScalarMap[str, int]
    def __init__(self, expired_by_reason: _Optional[_Mapping[str, int]] = ...) -> None: ...

class ExpireDueRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExpireDueResponse(_message.Message):
    __slots__ = ("expired",)
    EXPIRED_FIELD_NUMBER: _ClassVar[int]
    expired: int
    def __init__(self, expired: _Optional[int] = ...) -> None: ...
