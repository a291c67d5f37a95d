"""Reading a served call's metadata."""

from __future__ import annotations

import grpc


def value_of(context: grpc.aio.ServicerContext, key: str) -> str | None:
    """The first non-empty text value the caller sent under `key`, if any."""
    for name, value in context.invocation_metadata() or ():
        if name == key and isinstance(value, str) and value:
            return value
    return None
