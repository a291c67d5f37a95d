import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TripStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIP_STATUS_UNSPECIFIED: _ClassVar[TripStatus]
    TRIP_STATUS_SCHEDULED: _ClassVar[TripStatus]
    TRIP_STATUS_ACTIVE: _ClassVar[TripStatus]
    TRIP_STATUS_COMPLETED: _ClassVar[TripStatus]
    TRIP_STATUS_CANCELLED: _ClassVar[TripStatus]

class TripRiderStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIP_RIDER_STATUS_UNSPECIFIED: _ClassVar[TripRiderStatus]
    TRIP_RIDER_STATUS_MATCHED: _ClassVar[TripRiderStatus]
    TRIP_RIDER_STATUS_PICKED_UP: _ClassVar[TripRiderStatus]
    TRIP_RIDER_STATUS_DROPPED_OFF: _ClassVar[TripRiderStatus]
    TRIP_RIDER_STATUS_NO_SHOW: _ClassVar[TripRiderStatus]
    TRIP_RIDER_STATUS_CANCELLED: _ClassVar[TripRiderStatus]

class BookingOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOOKING_OUTCOME_UNSPECIFIED: _ClassVar[BookingOutcome]
    BOOKING_OUTCOME_BOOKED: _ClassVar[BookingOutcome]
    BOOKING_OUTCOME_FULL: _ClassVar[BookingOutcome]
    BOOKING_OUTCOME_CLOSED: _ClassVar[BookingOutcome]
    BOOKING_OUTCOME_ENDED: _ClassVar[BookingOutcome]
    BOOKING_OUTCOME_DUPLICATE_RIDER: _ClassVar[BookingOutcome]
TRIP_STATUS_UNSPECIFIED: TripStatus
TRIP_STATUS_SCHEDULED: TripStatus
TRIP_STATUS_ACTIVE: TripStatus
TRIP_STATUS_COMPLETED: TripStatus
TRIP_STATUS_CANCELLED: TripStatus
TRIP_RIDER_STATUS_UNSPECIFIED: TripRiderStatus
TRIP_RIDER_STATUS_MATCHED: TripRiderStatus
TRIP_RIDER_STATUS_PICKED_UP: TripRiderStatus
TRIP_RIDER_STATUS_DROPPED_OFF: TripRiderStatus
TRIP_RIDER_STATUS_NO_SHOW: TripRiderStatus
TRIP_RIDER_STATUS_CANCELLED: TripRiderStatus
BOOKING_OUTCOME_UNSPECIFIED: BookingOutcome
BOOKING_OUTCOME_BOOKED: BookingOutcome
BOOKING_OUTCOME_FULL: BookingOutcome
BOOKING_OUTCOME_CLOSED: BookingOutcome
BOOKING_OUTCOME_ENDED: BookingOutcome
BOOKING_OUTCOME_DUPLICATE_RIDER: BookingOutcome

class TripRider(_message.Message):
    __slots__ = ("rider_id", "request_id", "station_id", "status", "destination_area_id", "detour_m", "drop_order")
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    DETOUR_M_FIELD_NUMBER: _ClassVar[int]
    DROP_ORDER_FIELD_NUMBER: _ClassVar[int]
    rider_id: str
    request_id: str
    station_id: str
    status: TripRiderStatus
    destination_area_id: str
    detour_m: float
    drop_order: int
    def __init__(self, rider_id: _Optional[str] = ..., request_id: _Optional[str] = ..., station_id: _Optional[str] = ..., status: _Optional[_Union[TripRiderStatus, str]] = ..., destination_area_id: _Optional[str] = ..., detour_m: _Optional[float] = ..., drop_order: _Optional[int] = ...) -> None: ...

class Trip(_message.Message):
    __slots__ = ("id", "route_id", "driver_id", "status", "riders", "created_at", "updated_at", "seats_total", "seats_free")
    ID_FIELD_NUMBER: _ClassVar[int]
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    RIDERS_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    SEATS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    SEATS_FREE_FIELD_NUMBER: _ClassVar[int]
    id: str
    route_id: str
    driver_id: str
    status: TripStatus
    riders: _containers.RepeatedCompositeFieldContainer[TripRider]
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    seats_total: int
    seats_free: int
    def __init__(self, id: _Optional[str] = ..., route_id: _Optional[str] = ..., driver_id: _Optional[str] = ..., status: _Optional[_Union[TripStatus, str]] = ..., riders: _Optional[_Iterable[_Union[TripRider, _Mapping]]] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., seats_total: _Optional[int] = ..., seats_free: _Optional[int] = ...) -> None: ...

class NewTripRider(_message.Message):
    __slots__ = ("rider_id", "request_id", "station_id", "destination_area_id", "detour_m", "drop_along_m")
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    DESTINATION_AREA_ID_FIELD_NUMBER: _ClassVar[int]
    DETOUR_M_FIELD_NUMBER: _ClassVar[int]
    DROP_ALONG_M_FIELD_NUMBER: _ClassVar[int]
    rider_id: str
    request_id: str
    station_id: str
    destination_area_id: str
    detour_m: float
    drop_along_m: float
    def __init__(self, rider_id: _Optional[str] = ..., request_id: _Optional[str] = ..., station_id: _Optional[str] = ..., destination_area_id: _Optional[str] = ..., detour_m: _Optional[float] = ..., drop_along_m: _Optional[float] = ...) -> None: ...

class BookSeatsRequest(_message.Message):
    __slots__ = ("route_id", "driver_id", "trip_id", "seats_total", "riders")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    SEATS_TOTAL_FIELD_NUMBER: _ClassVar[int]
    RIDERS_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    driver_id: str
    trip_id: str
    seats_total: int
    riders: _containers.RepeatedCompositeFieldContainer[NewTripRider]
    def __init__(self, route_id: _Optional[str] = ..., driver_id: _Optional[str] = ..., trip_id: _Optional[str] = ..., seats_total: _Optional[int] = ..., riders: _Optional[_Iterable[_Union[NewTripRider, _Mapping]]] = ...) -> None: ...

class Booking(_message.Message):
    __slots__ = ("request_id", "outcome")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    request_id: str
    outcome: BookingOutcome
    def __init__(self, request_id: _Optional[str] = ..., outcome: _Optional[_Union[BookingOutcome, str]] = ...) -> None: ...

class BookSeatsResponse(_message.Message):
    __slots__ = ("trip", "bookings")
    TRIP_FIELD_NUMBER: _ClassVar[int]
    BOOKINGS_FIELD_NUMBER: _ClassVar[int]
    trip: Trip
    bookings: _containers.RepeatedCompositeFieldContainer[Booking]
    def __init__(self, trip: _Optional[_Union[Trip, _Mapping]] = ..., bookings: _Optional[_Iterable[_Union[Booking, _Mapping]]] = ...) -> None: ...

class GetTripsByRoutesRequest(_message.Message):
    __slots__ = ("route_ids",)
    ROUTE_IDS_FIELD_NUMBER: _ClassVar[int]
    route_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, route_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class GetTripsByRoutesResponse(_message.Message):
    __slots__ = ("trips",)
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    trips: _containers.RepeatedCompositeFieldContainer[Trip]
    def __init__(self, trips: _Optional[_Iterable[_Union[Trip, _Mapping]]] = ...) -> None: ...

class CancelTripRequest(_message.Message):
    __slots__ = ("route_id", "driver_id")
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    driver_id: str
    def __init__(self, route_id: _Optional[str] = ..., driver_id: _Optional[str] = ...) -> None: ...

class GetTripRequest(_message.Message):
    __slots__ = ("trip_id",)
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    def __init__(self, trip_id: _Optional[str] = ...) -> None: ...

class GetTripByRouteRequest(_message.Message):
    __slots__ = ("route_id",)
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    route_id: str
    def __init__(self, route_id: _Optional[str] = ...) -> None: ...

class TripRidersRequest(_message.Message):
    __slots__ = ("trip_id", "driver_id", "rider_ids", "pins")
    class PinsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_IDS_FIELD_NUMBER: _ClassVar[int]
    PINS_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    driver_id: str
    rider_ids: _containers.RepeatedScalarFieldContainer[str]
    pins: _containers.ScalarMap[str, str]
    def __init__(self, trip_id: _Optional[str] = ..., driver_id: _Optional[str] = ..., rider_ids: _Optional[_Iterable[str]] = ..., pins: _Optional[_Mapping[str, str]] = ...) -> None: ...

class TripActionRequest(_message.Message):
    __slots__ = ("trip_id", "driver_id")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    driver_id: str
    def __init__(self, trip_id: _Optional[str] = ..., driver_id: _Optional[str] = ...) -> None: ...

class RemoveRiderRequest(_message.Message):
    __slots__ = ("trip_id", "rider_id", "request_id", "route_id", "driver_id", "station_id", "reason")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    ROUTE_ID_FIELD_NUMBER: _ClassVar[int]
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    STATION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    rider_id: str
    request_id: str
    route_id: str
    driver_id: str
    station_id: str
    reason: str
    def __init__(self, trip_id: _Optional[str] = ..., rider_id: _Optional[str] = ..., request_id: _Optional[str] = ..., route_id: _Optional[str] = ..., driver_id: _Optional[str] = ..., station_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RateTripRequest(_message.Message):
    __slots__ = ("trip_id", "from_user_id", "rider_id", "stars", "comment")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    RIDER_ID_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    from_user_id: str
    rider_id: str
    stars: int
    comment: str
    def __init__(self, trip_id: _Optional[str] = ..., from_user_id: _Optional[str] = ..., rider_id: _Optional[str] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ...) -> None: ...

class Rating(_message.Message):
    __slots__ = ("trip_id", "from_user_id", "to_user_id", "stars", "comment", "created_at")
    TRIP_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_USER_ID_FIELD_NUMBER: _ClassVar[int]
    TO_USER_ID_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    trip_id: str
    from_user_id: str
    to_user_id: str
    stars: int
    comment: str
    created_at: _timestamp_pb2.Timestamp
    def __init__(self, trip_id: _Optional[str] = ..., from_user_id: _Optional[str] = ..., to_user_id: _Optional[str] = ..., stars: _Optional[int] = ..., comment: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetRatingsRequest(_message.Message):
    __slots__ = ("user_ids",)
    USER_IDS_FIELD_NUMBER: _ClassVar[int]
    user_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, user_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class RatingSummary(_message.Message):
    __slots__ = ("user_id", "average", "count")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    AVERAGE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    average: float
    count: int
    def __init__(self, user_id: _Optional[str] = ..., average: _Optional[float] = ..., count: _Optional[int] = ...) -> None: ...

class GetRatingsResponse(_message.Message):
    __slots__ = ("ratings",)
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    ratings: _containers.RepeatedCompositeFieldContainer[RatingSummary]
    def __init__(self, ratings: _Optional[_Iterable[_Union[RatingSummary, _Mapping]]] = ...) -> None: ...

class GetEarningsRequest(_message.Message):
    __slots__ = ("driver_id", "since")
    DRIVER_ID_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    driver_id: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, driver_id: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Earnings(_message.Message):
    __slots__ = ("amount", "currency", "trips", "rides")
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    TRIPS_FIELD_NUMBER: _ClassVar[int]
    RIDES_FIELD_NUMBER: _ClassVar[int]
    amount: int
    currency: str
    trips: int
    rides: int
    def __init__(self, amount: _Optional[int] = ..., currency: _Optional[str] = ..., trips: _Optional[int] = ..., rides: _Optional[int] = ...) -> None: ...

class CountTripsRequest(_message.Message):
    __slots__ = ("created_since",)
    CREATED_SINCE_FIELD_NUMBER: _ClassVar[int]
    created_since: _timestamp_pb2.Timestamp
    def __init__(self, created_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CountTripsResponse(_message.Message):
    __slots__ = ("trips_by_status", "created_since_count")
    class TripsByStatusEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    TRIPS_BY_STATUS_FIELD_NUMBER: _ClassVar[int]
    CREATED_SINCE_COUNT_FIELD_NUMBER: _ClassVar[int]
    trips_by_status: _containers.ScalarMap[str, int]
    created_since_count: int
    def __init__(self, trips_by_status: _Optional[_Mapping[str, int]] = ..., created_since_count: _Optional[int] = ...) -> None: ...
