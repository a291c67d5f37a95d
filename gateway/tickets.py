"""One-minute, single-use stream tickets, for browsers whose EventSource cannot send an
Authorization header: the long-lived token never goes into a URL."""

from __future__ import annotations

import threading
import time
import uuid

import jwt
from flask import current_app

from gateway.auth import Principal
from gateway.errors import ApiError

TICKET_TTL_S = 60
AUDIENCE = "lastmile-stream"
_used: dict[str, float] = {}
_lock = threading.Lock()


def _secret() -> str:
    return current_app.config["SETTINGS"].jwt_secret.get_secret_value()


def issue(principal: Principal) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.user_id,
        "role": principal.role,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + TICKET_TTL_S,
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _secret(), algorithm="HS256")


def redeem(ticket: str) -> Principal:
    """The principal of a valid ticket not used before (in this worker process)."""
    try:
        claims = jwt.decode(
            ticket,
            _secret(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "jti", "aud"]},
        )
    except jwt.InvalidTokenError:
        raise ApiError(401, "UNAUTHENTICATED", "ticket is invalid or expired") from None
    now = time.time()
    with _lock:
        for jti, until in list(_used.items()):
            if until < now:
                del _used[jti]
        if claims["jti"] in _used:
            raise ApiError(401, "UNAUTHENTICATED", "ticket was already used")
        _used[claims["jti"]] = claims["exp"]
    return Principal(claims["sub"], claims.get("role", ""))
