import datetime

from api.lastmile.v1 import common_pb2 as _common_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class NotificationKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOTIFICATION_KIND_UNSPECIFIED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_MATCHED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_DRIVER_ARRIVING: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_PICKED_UP: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_DROPPED_OFF: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_NO_SHOW: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_REQUEST_EXPIRED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_REQUEST_CANCELLED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_TRIP_CANCELLED: _ClassVar[NotificationKind]
    NOTIFICATION_KIND_RIDER_CANCELLED: _ClassVar[NotificationKind]
NOTIFICATION_KIND_UNSPECIFIED: NotificationKind
NOTIFICATION_KIND_MATCHED: NotificationKind
NOTIFICATION_KIND_DRIVER_ARRIVING: NotificationKind
NOTIFICATION_KIND_PICKED_UP: NotificationKind
NOTIFICATION_KIND_DROPPED_OFF: NotificationKind
NOTIFICATION_KIND_NO_SHOW: NotificationKind
NOTIFICATION_KIND_REQUEST_EXPIRED: NotificationKind
NOTIFICATION_KIND_REQUEST_CANCELLED: NotificationKind
NOTIFICATION_KIND_TRIP_CANCELLED: NotificationKind
NOTIFICATION_KIND_RIDER_CANCELLED: NotificationKind

class Notification(_message.Message):
    __slots__ = ("seq", "user_id", "kind", "title", "body", "data", "created_at", "read")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    READ_FIELD_NUMBER: _ClassVar[int]
    seq: int
    user_id: str
    kind: NotificationKind
    title: str
    body: str
    data: _struct_pb2.Struct
    created_at: _timestamp_pb2.Timestamp
    read: bool
    def __init__(self, seq: _Optional[int] = ..., user_id: _Optional[str] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read: _Optional[bool] = ...) -> None: ...

class NotifyRequest(_message.Message):
    __slots__ = ("user_id", "kind", "title", "body", "data", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    BODY_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    kind: NotificationKind
    title: str
    body: str
    data: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., kind: _Optional[_Union[NotificationKind, str]] = ..., title: _Optional[str] = ..., body: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class NotifyBatchRequest(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[NotifyRequest]
    def __init__(self, notifications: _Optional[_Iterable[_Union[NotifyRequest, _Mapping]]] = ...) -> None: ...

class NotifyBatchResponse(_message.Message):
    __slots__ = ("notifications",)
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ...) -> None: ...

class SubscribeRequest(_message.Message):
    __slots__ = ("user_id", "after_seq", "heartbeat_seconds")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    after_seq: int
    heartbeat_seconds: int
    def __init__(self, user_id: _Optional[str] = ..., after_seq: _Optional[int] = ..., heartbeat_seconds: _Optional[int] = ...) -> None: ...

class Heartbeat(_message.Message):
    __slots__ = ("at",)
    AT_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubscribeEvent(_message.Message):
    __slots__ = ("notification", "heartbeat", "position")
    NOTIFICATION_FIELD_NUMBER: _ClassVar[int]
    HEARTBEAT_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    notification: Notification
    heartbeat: Heartbeat
    position: LivePosition
    def __init__(self, notification: _Optional[_Union[Notification, _Mapping]] = ..., heartbeat: _Optional[_Union[Heartbeat, _Mapping]] = ..., position: _Optional[_Union[LivePosition, _Mapping]] = ...) -> None: ...

class LivePosition(_message.Message):
    __slots__ = ("trip_id", "location", "speed_mps", "at", "eta_seconds")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    location: _common_pb2.LatLon
    speed_mps: float
    at: _timestamp_pb2.Timestamp
    eta_seconds: float
    def __init__(self, trip_id: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., speed_mps: _Optional[float] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., eta_seconds: _Optional[float] = ...) -> None: ...

class PositionRecipient(_message.Message):
    __slots__ = ("user_id", "eta_seconds")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    ETA_SECONDS_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    eta_seconds: float
    def __init__(self, user_id: _Optional[str] = ..., eta_seconds: _Optional[float] = ...) -> None: ...

class TripPosition(_message.Message):
    __slots__ = ("trip_id", "location", "speed_mps", "at", "recipients")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    SPEED_MPS_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    RECIPIENTS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    location: _common_pb2.LatLon
    speed_mps: float
    at: _timestamp_pb2.Timestamp
    recipients: _containers.RepeatedCompositeFieldContainer[PositionRecipient]
    def __init__(self, trip_id: _Optional[str] = ..., location: _Optional[_Union[_common_pb2.LatLon, _Mapping]] = ..., speed_mps: _Optional[float] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., recipients: _Optional[_Iterable[_Union[PositionRecipient, _Mapping]]] = ...) -> None: ...

class PublishPositionsRequest(_message.Message):
    __slots__ = ("positions",)
    POSITIONS_FIELD_NUMBER: _ClassVar[int]
    positions: _containers.RepeatedCompositeFieldContainer[TripPosition]
    def __init__(self, positions: _Optional[_Iterable[_Union[TripPosition, _Mapping]]] = ...) -> None: ...

class PublishPositionsResponse(_message.Message):
    __slots__ = ("delivered_here", "posted")
    DELIVERED_HERE_FIELD_NUMBER: _ClassVar[int]
    POSTED_FIELD_NUMBER: _ClassVar[int]
    delivered_here: int
    posted: int
    def __init__(self, delivered_here: _Optional[int] = ..., posted: _Optional[int] = ...) -> None: ...

class ListNotificationsRequest(_message.Message):
    __slots__ = ("user_id", "after_seq", "limit")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    after_seq: int
    limit: int
    def __init__(self, user_id: _Optional[str] = ..., after_seq: _Optional[int] = ..., limit: _Optional[int] = ...) -> None: ...

class ListNotificationsResponse(_message.Message):
    __slots__ = ("notifications", "has_more")
    NOTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    notifications: _containers.RepeatedCompositeFieldContainer[Notification]
    has_more: bool
    def __init__(self, notifications: _Optional[_Iterable[_Union[Notification, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class MarkReadRequest(_message.Message):
    __slots__ = ("user_id", "up_to_seq")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    up_to_seq: int
    def __init__(self, user_id: _Optional[str] = ..., up_to_seq: _Optional[int] = ...) -> None: ...

class MarkReadResponse(_message.Message):
    __slots__ = ("updated",)
    UPDATED_FIELD_NUMBER: _ClassVar[int]
    updated: int
    def __init__(self, updated: _Optional[int] = ...) -> None: ...
