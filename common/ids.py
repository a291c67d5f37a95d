"""Identifiers for stored documents."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A random, URL-safe, 32-character id."""
    return uuid.uuid4().hex


_TRIP_NAMESPACE = uuid.UUID("5b0f6f0e-6c1d-4d8e-9a53-1a57c0ffee01")


def trip_id_for_route(route_id: str) -> str:
    """The id of a route's trip. Derived, not stored, so that every match of the route, on any
    replica, and every retry agrees on it before the trip exists."""
    return uuid.uuid5(_TRIP_NAMESPACE, route_id).hex
