"""Identifiers for stored documents."""

from __future__ import annotations

import uuid


def new_id() -> str:
    """A random, URL-safe, 32-character id."""
    return uuid.uuid4().hex
