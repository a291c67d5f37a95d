"""Bearer tokens: verified by the user service (which issued them), trusted for a short while."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

import grpc
from flask import current_app, request

from api.lastmile.v1 import user_pb2
from gateway.backends import stub
from gateway.errors import ApiError, from_rpc

ROLES = {user_pb2.ROLE_RIDER: "rider", user_pb2.ROLE_DRIVER: "driver"}
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str


_cache: dict[str, tuple[Principal, float]] = {}
_cache_lock = threading.Lock()


def _verify(token: str) -> Principal:
    key = hashlib.sha256(token.encode()).hexdigest()
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
    if hit and hit[1] > now:
        return hit[0]
    try:
        claims = stub("user").VerifyToken(user_pb2.VerifyTokenRequest(token=token))
    except grpc.RpcError as exc:
        raise from_rpc(exc) from None
    principal = Principal(claims.user_id, ROLES.get(claims.role, ""))
    ttl = current_app.config["SETTINGS"].token_cache_s
    # Never trust a token past its own expiry.
    until = min(now + ttl, now + max(0.0, claims.expires_at.seconds - time.time()))
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = (principal, until)
    return principal


def require(role: str) -> Principal:
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "UNAUTHENTICATED", "send Authorization: Bearer <token>")
    principal = _verify(token.strip())
    if role in ("rider", "driver") and principal.role != role:
        raise ApiError(403, "PERMISSION_DENIED", f"only a {role} may do this")
    return principal
