"""The REST contract's bodies, as pydantic models: they validate requests and generate the
OpenAPI document. Field names are camelCase on the wire; unknown fields, wrong types and
non-finite numbers are refused (strict mode)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]


class Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True
    )


# --- requests ------------------------------------------------------------------------------


class VehicleIn(Model):
    plate: Annotated[str, Field(min_length=1, max_length=40)]
    model: Annotated[str, Field(min_length=1, max_length=40)]


class SignUpBody(Model):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    phone: Annotated[str, Field(min_length=1, max_length=24)]
    password: Annotated[str, Field(min_length=8, max_length=128)]
    role: Literal["rider", "driver"]
    vehicle: VehicleIn | None = None


class LoginBody(Model):
    phone: Annotated[str, Field(min_length=1, max_length=24)]
    password: Annotated[str, Field(min_length=1, max_length=128)]


class CreateRouteBody(Model):
    station_ids: Annotated[list[Id], Field(min_length=1, max_length=10)]
    destination_area_id: Id
    seats: Annotated[int, Field(ge=1, le=8)]


class LocationBody(Model):
    lat: Lat
    lon: Lon
    at: datetime | None = None
    speed_mps: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None


class CreateRequestBody(Model):
    station_id: Id
    destination_area_id: Id
    arrival_time: datetime


class RiderIdsBody(Model):
    rider_ids: Annotated[list[Id], Field(min_length=1, max_length=8)]


Pin = Annotated[str, Field(pattern=r"^[0-9]{4}$")]


class RiderPin(Model):
    rider_id: Id
    pin: Pin


class PickUpBody(Model):
    riders: Annotated[list[RiderPin], Field(min_length=1, max_length=8)]


class RatingBody(Model):
    stars: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Field(max_length=280)] = ""
    rider_id: Id | None = None


class MarkReadBody(Model):
    up_to: Annotated[int, Field(ge=0, le=2**63 - 1)]


# --- answers -------------------------------------------------------------------------------


class LatLon(Model):
    lat: float
    lon: float


class Vehicle(Model):
    plate: str
    model: str


class RatingSummary(Model):
    average: float
    count: int


class User(Model):
    id: str
    name: str
    phone: str
    role: Literal["rider", "driver", "operator"]
    vehicle: Vehicle | None = None
    rating: RatingSummary | None = None


class Auth(Model):
    token: str
    user: User


class Area(Model):
    id: str
    name: str
    location: LatLon


class Station(Model):
    id: str
    name: str
    location: LatLon
    trigger_radius_m: float
    areas: list[Area]


class Route(Model):
    id: str
    driver_id: str
    station_ids: list[str]
    destination_area_id: str
    seats_total: int
    seats_free: int
    status: Literal["OPEN", "COMPLETED", "CANCELLED"]
    trip_id: str | None = None


class Triggered(Model):
    station_id: str
    trip_id: str
    rider_ids: list[str]


class LocationAccepted(Model):
    triggered: list[Triggered]


class DriverInfo(Model):
    id: str
    name: str
    vehicle: Vehicle | None = None
    rating: RatingSummary | None = None


class Fare(Model):
    amount: int
    currency: str
    final: bool


class RideRequest(Model):
    id: str
    rider_id: str
    station_id: str
    destination_area_id: str
    arrival_time: str
    status: Literal[
        "WAITING", "MATCHED", "PICKED_UP", "DROPPED_OFF", "CANCELLED", "EXPIRED", "NO_SHOW"
    ]
    trip_id: str | None = None
    driver: DriverInfo | None = None
    pin: str | None = None
    fare: Fare
    cancel_reason: str | None = None


class TripRider(Model):
    rider_id: str
    request_id: str
    station_id: str
    status: Literal["MATCHED", "PICKED_UP", "DROPPED_OFF", "NO_SHOW", "CANCELLED"]
    rating: RatingSummary | None = None
    # Where the rider leaves the driver, how far off the driver's way (en-route matching),
    # and in which order among the riders holding a seat (from 1; null for the others).
    destination_area_id: str | None = None
    detour_m: int = 0
    drop_order: int | None = None


class Trip(Model):
    id: str
    route_id: str
    driver_id: str
    status: Literal["SCHEDULED", "ACTIVE", "COMPLETED", "CANCELLED"]
    riders: list[TripRider]
    created_at: str
    updated_at: str


class Notification(Model):
    seq: int
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    created_at: str
    read: bool


class Rating(Model):
    trip_id: str
    to_user_id: str
    stars: int
    comment: str
    created_at: str


class Earnings(Model):
    amount: int
    currency: str
    trips: int
    rides: int
    since: str


class Waiting(Model):
    route_id: str
    waiting: dict[str, int]


class Ticket(Model):
    ticket: str


class Updated(Model):
    updated: int


class SnapshotDriver(Model):
    driver_id: str
    location: LatLon
    route_id: str
    seats_free: int | None = None
    # When the position was taken (ISO 8601): how fresh the dot on the map is.
    last_seen: str | None = None


class Snapshot(Model):
    stations: list[Station]
    drivers: list[SnapshotDriver]
    waiting: dict[str, int]
    trips: dict[str, int]
    # Riders whose requests expired unmatched in the last hour, by why: no_driver (none came
    # their way), no_seat (one came by full), window (one came by before their window).
    unmatched_last_hour: dict[str, int]


class Position(Model):
    trip_id: str
    location: LatLon
    speed_mps: float
    at: datetime
    eta_s: float | None = None


class SummaryStation(Model):
    id: str
    name: str
    waiting: int


class Summary(Model):
    """The public view of the fleet: counts only, no ids of people, no positions."""

    stations: list[SummaryStation]
    trips: dict[str, int]
    drivers_on_road: int
    matches_last_hour: int


class ErrorDetail(Model):
    code: str
    message: str
    field: str | None = None


class Error(Model):
    error: ErrorDetail
