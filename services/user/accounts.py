"""Account rules: what a valid sign-up is, what a phone number is, how passwords are hashed."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from common.errors import InvalidArgument

MIN_PASSWORD = 8
MAX_PASSWORD = 128
MAX_NAME = 80
MAX_VEHICLE_FIELD = 40
DEFAULT_REGION = "IN"
MAX_PHONE_INPUT = 40
# Joiners that Indic and Arabic scripts need inside words; every other format character
# (zero-width spaces, bidirectional overrides and isolates, BOM) is refused.
_ALLOWED_FORMAT = frozenset("\u200c\u200d")


class Role(StrEnum):
    RIDER = "rider"
    DRIVER = "driver"
    OPERATOR = "operator"


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


def normalize_phone(phone: str, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (`+919876543210`), whatever its spelling: spaces, dashes, brackets,
    national form with or without the trunk `0`, `+91`, `91` or `0091` in front. Numbers
    without a country code are read in `region`. InvalidArgument unless it is a valid number."""
    bad = InvalidArgument("phone must be a valid phone number, e.g. +91 98765 43210", "phone")
    if not phone or len(phone) > MAX_PHONE_INPUT:
        raise bad
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        raise bad from None
    if not phonenumbers.is_valid_number(number):
        raise bad
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def check_text(value: str, field: str, max_length: int) -> str:
    """`value` with its runs of white space made single spaces; InvalidArgument when it is
    empty, longer than `max_length`, or holds a control, unassigned or format character
    (bidirectional overrides, zero-width spaces) other than the joiners scripts need."""
    for char in value or "":
        category = unicodedata.category(char)
        if category in ("Cc", "Cs", "Co", "Cn") or (
            category == "Cf" and char not in _ALLOWED_FORMAT
        ):
            raise InvalidArgument(
                f"{field} must not contain control or invisible characters (U+{ord(char):04X})",
                field,
            )
    text = " ".join((value or "").split())
    if not text:
        raise InvalidArgument(f"{field} must not be empty", field)
    if len(text) > max_length:
        raise InvalidArgument(f"{field} must be at most {max_length} characters", field)
    if all(unicodedata.category(c) in ("Cf", "Zs", "Mn", "Me") for c in text):
        raise InvalidArgument(f"{field} must contain visible characters", field)
    return text


def validate_sign_up(
    name: str,
    phone: str,
    password: str,
    role: Role | None,
    vehicle: Vehicle | None,
    region: str = DEFAULT_REGION,
    roles: tuple[Role, ...] = (Role.RIDER, Role.DRIVER),
) -> NewAccount:
    """Checks a new account field by field; the first problem raises InvalidArgument naming it.
    Sign-up makes riders and drivers; the operators' tooling passes `roles=(Role.OPERATOR,)`."""
    name = check_text(name, "name", MAX_NAME)
    phone = normalize_phone(phone, region)
    if len(password or "") < MIN_PASSWORD:
        raise InvalidArgument(f"password must be at least {MIN_PASSWORD} characters", "password")
    if len(password) > MAX_PASSWORD:
        raise InvalidArgument(f"password must be at most {MAX_PASSWORD} characters", "password")
    if role not in roles:
        raise InvalidArgument(f"role must be {' or '.join(roles)}", "role")
    if vehicle is not None:
        if role is not Role.DRIVER:
            raise InvalidArgument("only drivers can register a vehicle", "vehicle")
        plate = check_text(vehicle.plate, "vehicle.plate", MAX_VEHICLE_FIELD)
        model = check_text(vehicle.model, "vehicle.model", MAX_VEHICLE_FIELD)
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
