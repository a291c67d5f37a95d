"""Bearer tokens: signatures checked here with the user service's public keys (the gateway
holds no key that signs), revocations asked of the user service on every request.

A token's signature and claims never change, so a verified token is remembered (by its hash)
until it expires; whether it was revoked can change at any moment on any replica, so that is
asked every time, in batches shared with the worker's other requests (`FindSpent`)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, request

from api.lastmile.v1 import user_pb2
from common.errors import DomainError
from common.tokens import TokenVerifier, load_public_keys
from gateway import backends, convert
from gateway.errors import ApiError
from gateway.settings import GatewaySettings

ROLES = tuple(convert.ROLE.values())
_CACHE_MAX = 10_000


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: str
    token_id: str = ""
    expires_at: float = 0.0  # unix time


def verifier_for(settings: GatewaySettings) -> TokenVerifier:
    return TokenVerifier(
        load_public_keys(settings.jwt_public_keys_file), timedelta(seconds=settings.jwt_ttl_s)
    )


_cache: dict[str, Principal] = {}
_cache_lock = threading.Lock()


def _signed(token: str) -> Principal:
    key = hashlib.sha256(token.encode()).hexdigest()
    with _cache_lock:
        hit = _cache.get(key)
    if hit is not None and hit.expires_at > time.time():
        return hit
    try:
        claims = current_app.config["TOKEN_VERIFIER"].verify(token)
    except DomainError as exc:
        raise ApiError(401, "UNAUTHENTICATED", exc.message) from None
    if claims.role not in ROLES:
        raise ApiError(401, "UNAUTHENTICATED", "token is invalid")
    principal = Principal(
        claims.user_id, claims.role, claims.token_id, claims.expires_at.timestamp()
    )
    with _cache_lock:
        if len(_cache) >= _CACHE_MAX:
            _cache.clear()
        _cache[key] = principal
    return principal


def bearer_token() -> str:
    header = request.environ.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "UNAUTHENTICATED", "send Authorization: Bearer <token>")
    return token.strip()


def require(role: str) -> Principal:
    principal = _signed(bearer_token())
    if backends.is_spent(principal.token_id):
        raise ApiError(401, "UNAUTHENTICATED", "token was revoked; log in again")
    if role in ROLES and principal.role != role:
        raise ApiError(403, "PERMISSION_DENIED", f"only a {role} may do this")
    return principal


def revoke() -> None:
    """Logs the caller's token out, for every worker and replica."""
    token = bearer_token()
    _signed(token)
    backends.stub("user").RevokeToken(user_pb2.RevokeTokenRequest(token=token))
