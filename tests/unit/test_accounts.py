from datetime import UTC, datetime, timedelta

import jwt
import pytest
from argon2 import PasswordHasher

from common.errors import InvalidArgument, Unauthenticated
from services.user.accounts import (
    Passwords,
    Role,
    Tokens,
    Vehicle,
    normalize_phone,
    validate_sign_up,
)

SECRET = "unit-test-secret-that-is-long-enough-000"


def test_valid_sign_up_is_tidied() -> None:
    account = validate_sign_up(
        "  Ravi   Kumar ", "+91 98450-12345", "password1", Role.DRIVER, Vehicle(" ka01 ", "Swift")
    )
    assert account.name == "Ravi Kumar"
    assert account.phone == "+919845012345"
    assert account.vehicle == Vehicle("KA01", "Swift")


@pytest.mark.parametrize(
    "args,field",
    [
        (("", "+919845012345", "password1", Role.RIDER, None), "name"),
        (("A", "98450", "password1", Role.RIDER, None), "phone"),
        (("A", "+91984501234567890", "password1", Role.RIDER, None), "phone"),
        (("A", "+919845012345", "1234567", Role.RIDER, None), "password"),
        (("A", "+919845012345", "password1", None, None), "role"),
        (("A", "+919845012345", "password1", Role.RIDER, Vehicle("K", "S")), "vehicle"),
        (("A", "+919845012345", "password1", Role.DRIVER, Vehicle("K", " ")), "vehicle.model"),
    ],
)
def test_invalid_sign_up_names_the_field(args, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_sign_up(*args)
    assert err.value.field == field


def test_eight_character_password_is_enough() -> None:
    assert validate_sign_up("A", "12345678", "12345678", Role.RIDER, None).password == "12345678"


@pytest.mark.parametrize(
    "raw,clean", [("(080) 2345-6789", "08023456789"), ("+1.555.010.9999", "+15550109999")]
)
def test_phone_normalisation(raw: str, clean: str) -> None:
    assert normalize_phone(raw) == clean


def test_passwords_verify_only_the_right_one() -> None:
    passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    stored = passwords.hash("open sesame")
    assert stored.startswith("$argon2id$") and "open sesame" not in stored
    assert passwords.verify(stored, "open sesame")
    assert not passwords.verify(stored, "open sesame!")
    assert not passwords.verify(None, "open sesame")
    assert not passwords.verify("not-a-hash", "open sesame")


def test_token_round_trip_and_expiry() -> None:
    tokens = Tokens(SECRET, timedelta(hours=12))
    now = datetime.now(UTC)
    token, expires = tokens.issue("u1", Role.RIDER, now)
    claims = tokens.verify(token)
    assert (claims.user_id, claims.role) == ("u1", Role.RIDER)
    assert claims.expires_at == expires
    assert timedelta(hours=11, minutes=59) < expires - now <= timedelta(hours=12)

    old, _ = tokens.issue("u1", Role.RIDER, now - timedelta(hours=13))
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.verify(old)


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u1", "role": "admin"},
        {"sub": "u1"},
        {"role": "rider"},
    ],
)
def test_tokens_with_missing_or_unknown_claims_are_refused(claims: dict) -> None:
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        {"iss": "lastmile", "iat": now, "exp": now + 60, **claims}, SECRET, algorithm="HS256"
    )
    with pytest.raises(Unauthenticated):
        Tokens(SECRET, timedelta(hours=1)).verify(token)


def test_token_signed_with_another_key_is_refused() -> None:
    token, _ = Tokens("x" * 40, timedelta(hours=1)).issue("u1", Role.DRIVER)
    with pytest.raises(Unauthenticated):
        Tokens(SECRET, timedelta(hours=1)).verify(token)
