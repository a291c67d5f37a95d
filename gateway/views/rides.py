"""The driver's and the rider's endpoints, and trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import grpc
from flask import Blueprint, current_app, g, request

from api.lastmile.v1 import (
    common_pb2,
    driver_pb2,
    location_pb2,
    rider_pb2,
    trip_pb2,
)
from common.convert import to_timestamp
from gateway import backends, convert, models
from gateway.backends import stub
from gateway.errors import ApiError
from gateway.spec import endpoint

bp = Blueprint("rides", __name__)


# --- driver --------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    "/driver/routes",
    "Register a route",
    role="driver",
    body=models.CreateRouteBody,
    response=models.Route,
    status=201,
)
def create_route(body: models.CreateRouteBody) -> models.Route:
    return convert.route(
        stub("driver").CreateRoute(
            driver_pb2.CreateRouteRequest(
                driver_id=g.principal.user_id,
                station_ids=body.station_ids,
                destination_area_id=body.destination_area_id,
                seats=body.seats,
                idempotency_key=backends.idempotency_key(),
            )
        )
    )


@endpoint(
    bp,
    "GET",
    "/driver/routes/current",
    "The driver's open route",
    role="driver",
    response=models.Route,
)
def current_route() -> models.Route:
    route = stub("driver").GetCurrentRoute(
        driver_pb2.GetCurrentRouteRequest(driver_id=g.principal.user_id)
    )
    return convert.route(route, _ledger(route.id))


@endpoint(
    bp,
    "DELETE",
    "/driver/routes/{route_id}",
    "Cancel a route",
    role="driver",
    response=models.Route,
)
def cancel_route(route_id: str) -> models.Route:
    route = stub("driver").CancelRoute(
        driver_pb2.CancelRouteRequest(route_id=route_id, driver_id=g.principal.user_id)
    )
    return convert.route(route, _ledger(route.id))


@endpoint(
    bp,
    "GET",
    "/driver/waiting",
    "Riders waiting at each station of the driver's route for its destination",
    role="driver",
    response=models.Waiting,
)
def waiting_for_me() -> models.Waiting:
    route = stub("driver").GetCurrentRoute(
        driver_pb2.GetCurrentRouteRequest(driver_id=g.principal.user_id)
    )
    counts = (
        stub("rider")
        .CountWaiting(
            rider_pb2.CountWaitingRequest(
                destination_area_id=route.destination_area_id, station_ids=list(route.station_ids)
            )
        )
        .waiting_by_station
    )
    return models.Waiting(
        route_id=route.id, waiting={s: counts.get(s, 0) for s in route.station_ids}
    )


def _ledger(route_id: str) -> trip_pb2.Trip | None:
    """The route's booking ledger (its trip), or None before the first booking."""
    try:
        return stub("trip").GetTripByRoute(trip_pb2.GetTripByRouteRequest(route_id=route_id))
    except grpc.RpcError as exc:
        if exc.code() != grpc.StatusCode.NOT_FOUND:
            raise
        return None


@endpoint(
    bp,
    "POST",
    "/driver/location",
    "Report a position",
    role="driver",
    body=models.LocationBody,
    response=models.LocationAccepted,
    status=202,
)
def location(body: models.LocationBody) -> models.LocationAccepted:
    update = location_pb2.PositionUpdate(
        driver_id=g.principal.user_id,
        position=common_pb2.LatLon(lat=body.lat, lon=body.lon),
        speed_mps=body.speed_mps or 0.0,
    )
    if body.at is not None:
        update.at.CopyFrom(to_timestamp(body.at))
    result = backends.update_position(update)
    return models.LocationAccepted(
        triggered=[
            models.Triggered(
                station_id=t.station_id, trip_id=t.trip_id, rider_ids=list(t.rider_ids)
            )
            for t in result.triggered
        ]
    )


# --- rider ---------------------------------------------------------------------------------


@endpoint(
    bp,
    "POST",
    "/rider/requests",
    "Ask for a ride from a station",
    role="rider",
    body=models.CreateRequestBody,
    response=models.RideRequest,
    status=201,
)
def create_request(body: models.CreateRequestBody) -> models.RideRequest:
    if body.arrival_time.tzinfo is None:
        raise ApiError(
            400, "INVALID_ARGUMENT", "arrivalTime must carry a time zone (Z)", "arrivalTime"
        )
    return convert.ride_request(
        stub("rider").CreateRequest(
            rider_pb2.CreateRideRequestRequest(
                rider_id=g.principal.user_id,
                station_id=body.station_id,
                destination_area_id=body.destination_area_id,
                arrival_time=to_timestamp(body.arrival_time),
                idempotency_key=backends.idempotency_key(),
            )
        )
    )


def _with_driver(r: rider_pb2.RideRequest) -> models.RideRequest:
    driver = rated = None
    if r.driver_id:
        try:
            driver = backends.get_user(r.driver_id)
        except grpc.RpcError as exc:
            if exc.code() != grpc.StatusCode.NOT_FOUND:
                raise
        rated = backends.rating_of(r.driver_id)
    return convert.ride_request(r, driver, rated)


def _own_request(request_id: str) -> rider_pb2.RideRequest:
    r = backends.get_ride_request(request_id)
    if r.rider_id != g.principal.user_id:
        raise ApiError(404, "NOT_FOUND", f"no ride request with id {request_id!r}")
    return r


@endpoint(
    bp,
    "GET",
    "/rider/requests",
    "The rider's requests, newest first",
    role="rider",
    response=list[models.RideRequest],
)
def list_requests() -> list[models.RideRequest]:
    answer = stub("rider").ListRequests(
        rider_pb2.ListRideRequestsRequest(
            rider_id=g.principal.user_id, page=common_pb2.PageRequest(page_size=100)
        )
    )
    return [convert.ride_request(r) for r in answer.requests]


@endpoint(
    bp,
    "GET",
    "/rider/requests/{request_id}",
    "One of the rider's requests",
    role="rider",
    response=models.RideRequest,
)
def get_request(request_id: str) -> models.RideRequest:
    return _with_driver(_own_request(request_id))


@endpoint(
    bp,
    "DELETE",
    "/rider/requests/{request_id}",
    "Cancel a request",
    role="rider",
    response=models.RideRequest,
    query=(("reason", "string"),),
)
def cancel_request(request_id: str) -> models.RideRequest:
    raw = request.args.get("reason", "")
    if raw and raw not in CANCEL_REASONS:
        raise ApiError(
            400, "INVALID_ARGUMENT", f"reason must be one of {', '.join(CANCEL_REASONS)}", "reason"
        )
    reason = rider_pb2.CancelReason.Value(f"CANCEL_REASON_{raw.upper()}") if raw else 0
    return convert.ride_request(
        stub("rider").CancelRequest(
            rider_pb2.CancelRideRequestRequest(
                request_id=request_id, rider_id=g.principal.user_id, reason=reason
            )
        )
    )


CANCEL_REASONS = ("changed_plans", "driver_too_far", "found_other_ride", "other")


# --- trips ---------------------------------------------------------------------------------


@endpoint(
    bp, "GET", "/trips/{trip_id}", "A trip (its driver or a rider on it)", response=models.Trip
)
def get_trip(trip_id: str) -> models.Trip:
    t = stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    me = g.principal.user_id
    if t.driver_id != me and all(r.rider_id != me for r in t.riders):
        raise ApiError(404, "NOT_FOUND", f"no trip with id {trip_id!r}")
    if t.driver_id != me or not t.riders:
        return convert.trip(t)
    # The driver sees the riders' ratings on their matched cards.
    rated = stub("trip").GetRatings(
        trip_pb2.GetRatingsRequest(user_ids=list({r.rider_id for r in t.riders}))
    )
    return convert.trip(t, {r.user_id: r for r in rated.ratings})


ON_BOARD = (trip_pb2.TRIP_RIDER_STATUS_MATCHED, trip_pb2.TRIP_RIDER_STATUS_PICKED_UP)


@endpoint(
    bp,
    "GET",
    "/trips/{trip_id}/position",
    "The trip's driver's last known position (its driver, or a rider matched or on board)",
    response=models.Position,
)
def trip_position(trip_id: str) -> models.Position:
    t = stub("trip").GetTrip(trip_pb2.GetTripRequest(trip_id=trip_id))
    me = g.principal.user_id
    if t.driver_id != me and all(r.rider_id != me or r.status not in ON_BOARD for r in t.riders):
        raise ApiError(404, "NOT_FOUND", f"no trip with id {trip_id!r}")
    try:
        p = stub("location").GetPosition(location_pb2.GetPositionRequest(driver_id=t.driver_id))
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.NOT_FOUND:
            raise ApiError(404, "NOT_FOUND", "no position of this trip's driver yet") from None
        raise
    return models.Position(
        trip_id=trip_id,
        location=convert.latlon(p.position),
        speed_mps=p.speed_mps,
        at=p.at.ToDatetime(tzinfo=UTC),
    )


def _riders_action(call: str, trip_id: str, body: models.RiderIdsBody) -> models.Trip:
    method = getattr(stub("trip"), call)
    return convert.trip(
        method(
            trip_pb2.TripRidersRequest(
                trip_id=trip_id, driver_id=g.principal.user_id, rider_ids=body.rider_ids
            )
        )
    )


@endpoint(
    bp,
    "POST",
    "/trips/{trip_id}/pickup",
    "Mark riders picked up, each with the PIN they tell the driver",
    role="driver",
    body=models.PickUpBody,
    response=models.Trip,
)
def pickup(trip_id: str, body: models.PickUpBody) -> models.Trip:
    return convert.trip(
        stub("trip").PickUp(
            trip_pb2.TripRidersRequest(
                trip_id=trip_id,
                driver_id=g.principal.user_id,
                rider_ids=[r.rider_id for r in body.riders],
                pins={r.rider_id: r.pin for r in body.riders},
            )
        )
    )


@endpoint(
    bp,
    "POST",
    "/trips/{trip_id}/no-show",
    "Mark riders absent",
    role="driver",
    body=models.RiderIdsBody,
    response=models.Trip,
)
def no_show(trip_id: str, body: models.RiderIdsBody) -> models.Trip:
    return _riders_action("MarkNoShow", trip_id, body)


@endpoint(
    bp,
    "POST",
    "/trips/{trip_id}/complete",
    "Complete the trip",
    role="driver",
    response=models.Trip,
)
def complete(trip_id: str) -> models.Trip:
    return convert.trip(
        stub("trip").CompleteTrip(
            trip_pb2.TripActionRequest(trip_id=trip_id, driver_id=g.principal.user_id)
        )
    )


@endpoint(
    bp,
    "POST",
    "/trips/{trip_id}/rating",
    "Rate the other side of a ride once it is over",
    body=models.RatingBody,
    response=models.Rating,
    status=201,
)
def rate(trip_id: str, body: models.RatingBody) -> models.Rating:
    r = stub("trip").RateTrip(
        trip_pb2.RateTripRequest(
            trip_id=trip_id,
            from_user_id=g.principal.user_id,
            rider_id=body.rider_id or "",
            stars=body.stars,
            comment=body.comment,
        )
    )
    return models.Rating(
        trip_id=r.trip_id,
        to_user_id=r.to_user_id,
        stars=r.stars,
        comment=r.comment,
        created_at=convert.iso(r.created_at),
    )


@endpoint(
    bp,
    "GET",
    "/driver/earnings",
    "What the driver earned today (since the city's midnight)",
    role="driver",
    response=models.Earnings,
)
def earnings() -> models.Earnings:
    offset = timedelta(minutes=current_app.config["SETTINGS"].city_utc_offset_minutes)
    local_now = datetime.now(timezone(offset))
    since = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    e = stub("trip").GetEarnings(
        trip_pb2.GetEarningsRequest(driver_id=g.principal.user_id, since=to_timestamp(since))
    )
    return models.Earnings(
        amount=e.amount,
        currency=e.currency,
        trips=e.trips,
        rides=e.rides,
        since=since.isoformat(timespec="seconds"),
    )
