import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.errors import InvalidArgument, Unauthenticated
from common.tokens import (
    TokenSigner,
    TokenVerifier,
    load_private_key,
    load_public_keys,
    write_key_pair,
)
from services.user.accounts import (
    Passwords,
    Role,
    Vehicle,
    check_text,
    normalize_phone,
    validate_sign_up,
)


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
        (("A", "+919845012345", "password1", Role.OPERATOR, None), "role"),
        (("A", "+919845012345", "password1", Role.RIDER, Vehicle("K", "S")), "vehicle"),
        (("A", "+919845012345", "password1", Role.DRIVER, Vehicle("K", " ")), "vehicle.model"),
        (("A", "+919845012345", "password1", Role.DRIVER, Vehicle("K\x00", "S")), "vehicle.plate"),
    ],
)
def test_invalid_sign_up_names_the_field(args, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        validate_sign_up(*args)
    assert err.value.field == field


def test_operators_are_made_only_when_asked_for() -> None:
    account = validate_sign_up(
        "Ops", "9845012345", "password1", Role.OPERATOR, None, roles=(Role.OPERATOR,)
    )
    assert account.role is Role.OPERATOR


@pytest.mark.parametrize(
    "raw",
    [
        "+919876543210",
        "+91 98765 43210",
        "98765 43210",
        "98765-43210",
        "(98765) 43210",
        "9876543210",
        "09876543210",
        "919876543210",
        "0091 98765 43210",
        "+91-98765-43210",
    ],
)
def test_every_spelling_of_an_indian_number_is_one_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+919876543210"


def test_numbers_with_a_country_code_keep_it_and_the_region_is_configurable() -> None:
    assert normalize_phone("+1 415 555 2671") == "+14155552671"
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"


@pytest.mark.parametrize("raw", ["", "12345", "98450", "+91 00000 00000", "abc", "9" * 41])
def test_invalid_numbers_are_refused_naming_the_phone(raw: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        normalize_phone(raw)
    assert err.value.field == "phone"


@pytest.mark.parametrize(
    "name",
    [
        "Asha\x00",
        "Asha\x1b[31m",
        "Asha\u0085",  # C1 control
        "Asha\u202egnp.exe",  # right-to-left override
        "\u2066Asha\u2069",  # isolates
        "\u200b",  # zero-width space only
        "\u200b\u200c",
        "Asha\ufeff",
    ],
)
def test_control_invisible_and_bidi_override_characters_are_refused(name: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        check_text(name, "name", 80)
    assert err.value.field == "name"


@pytest.mark.parametrize("name", ["Ravi Kumar", "रवि कुमार", "ശ്രീ\u200dനി", "محمد", "José Ñúñez"])
def test_names_in_any_script_are_kept(name: str) -> None:
    assert check_text(name, "name", 80) == name


def test_eight_character_password_is_enough() -> None:
    account = validate_sign_up("A", "9845012345", "12345678", Role.RIDER, None)
    assert account.password == "12345678"


def test_passwords_verify_only_the_right_one() -> None:
    passwords = Passwords(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    stored = passwords.hash("open sesame")
    assert stored.startswith("$argon2id$") and "open sesame" not in stored
    assert passwords.verify(stored, "open sesame")
    assert not passwords.verify(stored, "open sesame!")
    assert not passwords.verify(None, "open sesame")
    assert not passwords.verify("not-a-hash", "open sesame")


@pytest.fixture
def keys(tmp_path):
    write_key_pair(tmp_path / "private" / "old.pem", tmp_path / "jwks.json", "old")
    write_key_pair(tmp_path / "private" / "new.pem", tmp_path / "jwks.json", "new")
    return tmp_path


def _signer(keys, kid: str, hours: int = 12) -> TokenSigner:
    key = load_private_key(keys / "private" / f"{kid}.pem")
    return TokenSigner(key, kid, timedelta(hours=hours))


def _verifier(keys, hours: int = 12) -> TokenVerifier:
    return TokenVerifier(load_public_keys(keys / "jwks.json"), timedelta(hours=hours))


def test_token_round_trip_and_expiry(keys) -> None:
    signer, verifier = _signer(keys, "new"), _verifier(keys)
    now = datetime.now(UTC).replace(microsecond=0)
    token, expires = signer.issue("u1", "rider", now)
    claims = verifier.verify(token)
    assert (claims.user_id, claims.role, claims.expires_at) == ("u1", "rider", expires)
    assert jwt.get_unverified_header(token)["kid"] == "new"
    assert expires - now == timedelta(hours=12)
    assert claims.token_id != verifier.verify(signer.issue("u1", "rider", now)[0]).token_id
    old, _ = signer.issue("u1", "rider", now - timedelta(hours=13))
    with pytest.raises(Unauthenticated, match="expired"):
        verifier.verify(old)


def test_during_a_key_roll_both_keys_verify_and_a_removed_key_does_not(keys) -> None:
    by_old, _ = _signer(keys, "old").issue("u1", "driver")
    by_new, _ = _signer(keys, "new").issue("u1", "driver")
    assert _verifier(keys).verify(by_old).user_id == _verifier(keys).verify(by_new).user_id
    # The next roll drops the oldest key (two are kept).
    write_key_pair(keys / "private" / "newer.pem", keys / "jwks.json", "newer")
    with pytest.raises(Unauthenticated):
        _verifier(keys).verify(by_old)
    assert _verifier(keys).verify(by_new).role == "driver"


def test_a_lifetime_past_the_cap_is_refused_whoever_signed_it(keys) -> None:
    long_lived, _ = _signer(keys, "new", hours=24 * 3650).issue("u1", "rider")
    with pytest.raises(Unauthenticated, match="longer"):
        _verifier(keys).verify(long_lived)


@pytest.mark.parametrize(
    "change",
    [
        {"role": None},
        {"sub": None},
        {"jti": None},
        {"iat": None},
        {"iss": "someone-else"},
        {"iat": "yesterday"},
    ],
)
def test_tokens_with_missing_or_wrong_claims_are_refused(keys, change: dict) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "u1", "role": "rider", "iss": "lastmile", "jti": "j", "iat": now}
    claims |= {"exp": now + 60, **change}
    claims = {k: v for k, v in claims.items() if v is not None}
    key = load_private_key(keys / "private" / "new.pem")
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "new"})
    with pytest.raises(Unauthenticated):
        _verifier(keys).verify(token)


def hs256(claims: dict, secret: bytes, kid: str) -> str:
    """An HS256 token made by hand (PyJWT refuses to use a public key as an HMAC secret)."""

    def part(data: bytes) -> bytes:
        return base64.urlsafe_b64encode(data).rstrip(b"=")

    head = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(claims).encode())
    signature = part(hmac.new(secret, head + b"." + body, hashlib.sha256).digest())
    return (head + b"." + body + b"." + signature).decode()


def test_tokens_signed_otherwise_are_refused(keys) -> None:
    now = int(datetime.now(UTC).timestamp())
    claims = {"sub": "u1", "role": "rider", "iss": "lastmile", "jti": "j", "iat": now}
    claims["exp"] = now + 60
    public_pem = (keys / "jwks.json").read_bytes()
    forged = [
        jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA", headers={"kid": "new"}),
        hs256(claims, public_pem, "new"),  # the public key used as an HMAC secret
        jwt.encode(claims, None, algorithm="none", headers={"kid": "new"}),
        jwt.encode(claims, Ed25519PrivateKey.generate(), algorithm="EdDSA"),  # no kid
    ]
    for token in forged:
        with pytest.raises(Unauthenticated):
            _verifier(keys).verify(token)
