"""One-minute, single-use stream tickets, for browsers whose EventSource cannot send an
Authorization header: the long-lived token never goes into a URL. Signed with the gateway's
own key (not the user service's); single use is recorded by the user service, so a ticket
opens one stream on whichever worker or replica it reaches."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import grpc
import jwt
from flask import current_app

from api.lastmile.v1 import user_pb2
from common.convert import to_timestamp
from common.ids import new_id
from gateway.auth import Principal
from gateway.backends import stub
from gateway.errors import ApiError, from_rpc

TICKET_TTL_S = 60
AUDIENCE = "lastmile-stream"


def _secret() -> str:
    return current_app.config["SETTINGS"].stream_ticket_secret.get_secret_value()


def issue(principal: Principal) -> str:
    now = int(time.time())
    claims = {
        "sub": principal.user_id,
        "role": principal.role,
        "aud": AUDIENCE,
        "iat": now,
        # Never outlives the token it was exchanged for.
        "exp": min(now + TICKET_TTL_S, int(principal.expires_at) or now + TICKET_TTL_S),
        "jti": new_id(),
    }
    return jwt.encode(claims, _secret(), algorithm="HS256")


def redeem(ticket: str) -> Principal:
    """The principal of a valid ticket not used before, anywhere."""
    try:
        claims = jwt.decode(
            ticket,
            _secret(),
            algorithms=["HS256"],
            audience=AUDIENCE,
            options={"require": ["sub", "exp", "iat", "jti", "aud"]},
        )
    except jwt.InvalidTokenError:
        raise ApiError(401, "UNAUTHENTICATED", "ticket is invalid or expired") from None
    if claims["exp"] - claims["iat"] > TICKET_TTL_S:
        raise ApiError(401, "UNAUTHENTICATED", "ticket is invalid or expired")
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    try:
        stub("user").SpendOnce(
            user_pb2.SpendOnceRequest(token_id=str(claims["jti"]), expires_at=to_timestamp(expires))
        )
    except grpc.RpcError as exc:
        if exc.code() == grpc.StatusCode.ALREADY_EXISTS:
            raise ApiError(401, "UNAUTHENTICATED", "ticket was already used") from None
        raise from_rpc(exc) from None
    return Principal(str(claims["sub"]), str(claims.get("role", "")), expires_at=claims["exp"])
