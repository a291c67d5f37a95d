"""Drivers' positions on their way to the riders of their trips: checked, turned into the
message each rider's stream carries, and into the relay document another replica reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from api.lastmile.v1 import common_pb2, notification_pb2
from common.errors import InvalidArgument
from common.geo import is_valid_lat_lon

MAX_POSITIONS = 500


def check(request: notification_pb2.PublishPositionsRequest) -> None:
    if len(request.positions) > MAX_POSITIONS:
        raise InvalidArgument(f"at most {MAX_POSITIONS} positions per call", "positions")
    for p in request.positions:
        if not p.trip_id:
            raise InvalidArgument("trip_id is required", "trip_id")
        if not is_valid_lat_lon(p.location.lat, p.location.lon):
            raise InvalidArgument("location is not a valid latitude/longitude", "location")
        if any(not r.user_id for r in p.recipients):
            raise InvalidArgument("every recipient needs a user_id", "recipients")


def for_recipient(
    p: notification_pb2.TripPosition, recipient: notification_pb2.PositionRecipient
) -> notification_pb2.LivePosition:
    message = notification_pb2.LivePosition(
        trip_id=p.trip_id, location=p.location, speed_mps=p.speed_mps, at=p.at
    )
    if recipient.HasField("eta_seconds"):
        message.eta_seconds = recipient.eta_seconds
    return message


def fix_time(message: notification_pb2.LivePosition) -> float:
    return message.at.ToNanoseconds() / 1e9


def relay_doc(
    user_id: str, message: notification_pb2.LivePosition, origin: str, posted_at: datetime
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "userId": user_id,
        "tripId": message.trip_id,
        "lat": message.location.lat,
        "lon": message.location.lon,
        "speedMps": message.speed_mps,
        "atNs": message.at.ToNanoseconds(),
        "origin": origin,
        "postedAt": posted_at,
    }
    if message.HasField("eta_seconds"):
        doc["etaS"] = message.eta_seconds
    return doc


def from_relay_doc(doc: dict[str, Any]) -> notification_pb2.LivePosition:
    message = notification_pb2.LivePosition(
        trip_id=doc["tripId"],
        location=common_pb2.LatLon(lat=doc["lat"], lon=doc["lon"]),
        speed_mps=doc["speedMps"],
    )
    message.at.FromNanoseconds(doc["atNs"])
    if "etaS" in doc:
        message.eta_seconds = doc["etaS"]
    return message
