"""Protobuf answers of the backends -> the REST models of API.md."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from api.lastmile.v1 import (
    driver_pb2,
    notification_pb2,
    rider_pb2,
    station_pb2,
    trip_pb2,
    user_pb2,
)
from gateway import models

ROLE = {
    user_pb2.ROLE_RIDER: "rider",
    user_pb2.ROLE_DRIVER: "driver",
    user_pb2.ROLE_OPERATOR: "operator",
}


def _enum(enum: Any, value: int, prefix: str) -> str:
    return enum.Name(value).removeprefix(prefix)


def iso(ts: Timestamp) -> str:
    return ts.ToDatetime().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def latlon(p: Any) -> models.LatLon:
    return models.LatLon(lat=p.lat, lon=p.lon)


def vehicle(v: Any) -> models.Vehicle:
    return models.Vehicle(plate=v.plate, model=v.model)


def rating(r: trip_pb2.RatingSummary | None) -> models.RatingSummary | None:
    return models.RatingSummary(average=r.average, count=r.count) if r is not None else None


def user(u: user_pb2.User, rated: trip_pb2.RatingSummary | None = None) -> models.User:
    return models.User(
        id=u.id,
        name=u.name,
        phone=u.phone,
        role=ROLE[u.role],
        vehicle=vehicle(u.vehicle) if u.HasField("vehicle") else None,
        rating=rating(rated),
    )


def station(s: station_pb2.Station) -> models.Station:
    return models.Station(
        id=s.id,
        name=s.name,
        location=latlon(s.location),
        trigger_radius_m=s.trigger_radius_m,
        areas=[models.Area(id=a.id, name=a.name, location=latlon(a.location)) for a in s.areas],
    )


def route(r: driver_pb2.Route, ledger: trip_pb2.Trip | None = None) -> models.Route:
    """The route's plan, with its seats from the trip's ledger (all free before one exists, and
    once it is cancelled)."""
    holds = ledger is not None and ledger.status != trip_pb2.TRIP_STATUS_CANCELLED
    return models.Route(
        id=r.id,
        driver_id=r.driver_id,
        station_ids=list(r.station_ids),
        destination_area_id=r.destination_area_id,
        seats_total=r.seats_total,
        seats_free=ledger.seats_free if holds else r.seats_total,
        status=_enum(driver_pb2.RouteStatus, r.status, "ROUTE_STATUS_"),
        trip_id=ledger.id if ledger is not None else None,
    )


def ride_request(
    r: rider_pb2.RideRequest,
    driver: user_pb2.User | None = None,
    driver_rating: trip_pb2.RatingSummary | None = None,
) -> models.RideRequest:
    """A request as its rider sees it: the PIN only while MATCHED (it is for the pick-up)."""
    return models.RideRequest(
        id=r.id,
        rider_id=r.rider_id,
        station_id=r.station_id,
        destination_area_id=r.destination_area_id,
        arrival_time=iso(r.arrival_time),
        status=_enum(rider_pb2.RequestStatus, r.status, "REQUEST_STATUS_"),
        trip_id=r.trip_id or None,
        driver=models.DriverInfo(
            id=driver.id,
            name=driver.name,
            vehicle=vehicle(driver.vehicle) if driver.HasField("vehicle") else None,
            rating=rating(driver_rating),
        )
        if driver is not None
        else None,
        pin=r.pin or None if r.status == rider_pb2.REQUEST_STATUS_MATCHED else None,
        fare=models.Fare(amount=r.fare.amount, currency=r.fare.currency, final=r.fare.final),
        cancel_reason=r.cancel_reason.lower() or None,
    )


def trip(t: trip_pb2.Trip, ratings: dict[str, trip_pb2.RatingSummary] | None = None) -> models.Trip:
    """A trip; with `ratings` (for its driver), each rider's average rating."""
    return models.Trip(
        id=t.id,
        route_id=t.route_id,
        driver_id=t.driver_id,
        status=_enum(trip_pb2.TripStatus, t.status, "TRIP_STATUS_"),
        riders=[
            models.TripRider(
                rider_id=r.rider_id,
                request_id=r.request_id,
                station_id=r.station_id,
                status=_enum(trip_pb2.TripRiderStatus, r.status, "TRIP_RIDER_STATUS_"),
                rating=rating((ratings or {}).get(r.rider_id)),
                destination_area_id=r.destination_area_id or None,
                detour_m=round(r.detour_m),
                drop_order=r.drop_order or None,
            )
            for r in t.riders
        ],
        created_at=iso(t.created_at),
        updated_at=iso(t.updated_at),
    )


def notification(n: notification_pb2.Notification) -> models.Notification:
    return models.Notification(
        seq=n.seq,
        kind=_enum(notification_pb2.NotificationKind, n.kind, "NOTIFICATION_KIND_"),
        title=n.title,
        body=n.body,
        data=json_format.MessageToDict(n.data),
        created_at=iso(n.created_at),
        read=n.read,
    )


def live_position(p: notification_pb2.LivePosition) -> dict[str, Any]:
    """A pushed position as the stream's `position` event carries it (built by hand: the
    stream sends a thousand a second, and a model per event costs more than the send)."""
    out: dict[str, Any] = {
        "tripId": p.trip_id,
        "location": {"lat": p.location.lat, "lon": p.location.lon},
        "speedMps": round(p.speed_mps, 2),
        "at": iso(p.at),
    }
    if p.HasField("eta_seconds"):
        out["etaS"] = round(p.eta_seconds)
    return out
