"""Account rules: what a valid sign-up is, how passwords are hashed, how tokens are made."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from common.errors import InvalidArgument, Unauthenticated

MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_NAME = 80
MAX_VEHICLE_FIELD = 40
_PHONE = re.compile(r"^\+?[0-9]{8,15}$")
_PHONE_NOISE = re.compile(r"[\s\-().]")
TOKEN_ISSUER = "lastmile"
TOKEN_ALGORITHM = "HS256"


class Role(StrEnum):
    RIDER = "rider"
    DRIVER = "driver"


@dataclass(frozen=True, slots=True)
class Vehicle:
    plate: str
    model: str


@dataclass(frozen=True, slots=True)
class NewAccount:
    """A sign-up that passed validation; the password is still plain and must be hashed."""

    name: str
    phone: str
    password: str
    role: Role
    vehicle: Vehicle | None


def normalize_phone(phone: str) -> str:
    """Strips spaces, dashes, dots, brackets; InvalidArgument unless 8..15 digits remain."""
    compact = _PHONE_NOISE.sub("", phone or "")
    if not _PHONE.match(compact):
        raise InvalidArgument("phone must be 8 to 15 digits, optionally starting with +", "phone")
    return compact


def validate_sign_up(
    name: str, phone: str, password: str, role: Role | None, vehicle: Vehicle | None
) -> NewAccount:
    """Checks a sign-up field by field; the first problem raises InvalidArgument naming it."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidArgument("name must not be empty", "name")
    if len(name) > MAX_NAME:
        raise InvalidArgument(f"name must be at most {MAX_NAME} characters", "name")
    phone = normalize_phone(phone)
    if len(password or "") < MIN_PASSWORD:
        raise InvalidArgument(f"password must be at least {MIN_PASSWORD} characters", "password")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(f"password must be at most {MAX_PASSWORD} characters", "password")
    if role is None:
        raise InvalidArgument("role must be rider or driver", "role")
    if vehicle is not None:
        if role is not Role.DRIVER:
            raise InvalidArgument("only drivers can register a vehicle", "vehicle")
        plate, model = vehicle.plate.strip(), vehicle.model.strip()
        for field, value in (("plate", plate), ("model", model)):
            if not value or len(value) > MAX_VEHICLE_FIELD:
                raise InvalidArgument(
                    f"vehicle {field} must be 1 to {MAX_VEHICLE_FIELD} characters",
                    f"vehicle.{field}",
                )
        vehicle = Vehicle(plate.upper(), model)
    return NewAccount(name, phone, password, role, vehicle)


class Passwords:
    """argon2id hashing; a dummy hash keeps the timing of unknown phones like wrong passwords."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy = self._hasher.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy, password) and bool(stored_hash)
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: str
    role: Role
    expires_at: datetime


class Tokens:
    """HS256 JWTs: subject = user id, claim `role`, issuer and expiry always checked."""

    def __init__(self, secret: str, ttl: timedelta) -> None:
        self._secret = secret
        self._ttl = ttl

    def issue(self, user_id: str, role: Role, now: datetime | None = None) -> tuple[str, datetime]:
        now = now or datetime.now(UTC)
        expires = now + self._ttl
        claims = {
            "sub": user_id,
            "role": role.value,
            "iss": TOKEN_ISSUER,
            "iat": int(now.timestamp()),
            "exp": int(expires.timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=TOKEN_ALGORITHM), expires.replace(
            microsecond=0
        )

    def verify(self, token: str) -> Claims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[TOKEN_ALGORITHM],
                issuer=TOKEN_ISSUER,
                options={"require": ["sub", "exp", "iat", "iss", "role"]},
            )
            role = Role(claims["role"])
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("token has expired; log in again") from None
        except (jwt.InvalidTokenError, ValueError):
            raise Unauthenticated("token is invalid") from None
        return Claims(
            user_id=str(claims["sub"]),
            role=role,
            expires_at=datetime.fromtimestamp(claims["exp"], UTC),
        )
