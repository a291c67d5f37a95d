from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pymongo import AsyncMongoClient

from api.lastmile.v1 import common_pb2, user_pb2
from common.errors import field_of
from services.user.store import UserStore
from tests.harness import PUBLIC_KEYS, TEST_KEY_ID, Cluster, forge_token
from tests.unit.test_accounts import hs256

pytestmark = pytest.mark.integration

PASSWORD = "correct horse battery"


def phone() -> str:
    return "+9198" + str(uuid.uuid4().int)[:8]


def signup(**overrides) -> user_pb2.SignUpRequest:
    fields = dict(name="Asha Rao", phone=phone(), password=PASSWORD, role=user_pb2.ROLE_RIDER)
    fields.update(overrides)
    return user_pb2.SignUpRequest(**fields)


@pytest.fixture
async def users(cluster: Cluster):
    cluster.start("user")
    return cluster.stub("user")


async def _code(coro) -> tuple[grpc.StatusCode, str, str | None]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await coro
    return err.value.code(), err.value.details(), field_of(err.value)


async def test_sign_up_login_verify_round_trip(users) -> None:
    request = signup(
        role=user_pb2.ROLE_DRIVER,
        vehicle=common_pb2.Vehicle(plate="ka01ab1234", model="Maruti Swift"),
    )
    created = await users.SignUp(request)
    assert created.user.name == "Asha Rao"
    assert created.user.role == user_pb2.ROLE_DRIVER
    assert created.user.vehicle.plate == "KA01AB1234"

    logged_in = await users.Login(user_pb2.LoginRequest(phone=request.phone, password=PASSWORD))
    assert logged_in.user.id == created.user.id
    claims = await users.VerifyToken(user_pb2.VerifyTokenRequest(token=logged_in.token))
    assert claims.user_id == created.user.id
    assert claims.role == user_pb2.ROLE_DRIVER
    assert claims.expires_at.seconds > time.time() + 11 * 3600

    got = await users.GetUser(user_pb2.GetUserRequest(user_id=created.user.id))
    assert got == created.user
    many = await users.GetUsers(
        user_pb2.GetUsersRequest(user_ids=[created.user.id, "nobody", created.user.id])
    )
    assert [u.id for u in many.users] == [created.user.id]
    code, _, field = await _code(users.GetUsers(user_pb2.GetUsersRequest(user_ids=["x"] * 501)))
    assert (code, field) == (grpc.StatusCode.INVALID_ARGUMENT, "user_ids")


async def test_phone_is_normalised_for_login(users) -> None:
    number = phone()
    spaced = f"{number[:3]} {number[3:8]}-{number[8:]}"
    await users.SignUp(signup(phone=spaced))
    answer = await users.Login(user_pb2.LoginRequest(phone=number, password=PASSWORD))
    assert answer.user.phone == number


async def test_duplicate_phone_is_already_exists(users) -> None:
    first = signup()
    await users.SignUp(first)
    code, message, field = await _code(users.SignUp(signup(phone=first.phone, name="Other")))
    assert code == grpc.StatusCode.ALREADY_EXISTS
    assert field == "phone"
    assert "phone" in message


async def test_retried_sign_up_with_the_same_key_answers_the_same_account(users) -> None:
    request = signup(idempotency_key="signup-" + uuid.uuid4().hex)
    first = await users.SignUp(request)
    again = await users.SignUp(request)
    assert again.user.id == first.user.id


@pytest.mark.parametrize(
    "overrides,field",
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 81}, "name"),
        ({"role": user_pb2.ROLE_UNSPECIFIED}, "role"),
        ({"role": 7}, "role"),
        ({"phone": "12ab"}, "phone"),
        ({"phone": ""}, "phone"),
        ({"vehicle": common_pb2.Vehicle(plate="KA01", model="Swift")}, "vehicle"),
        (
            {"role": user_pb2.ROLE_DRIVER, "vehicle": common_pb2.Vehicle(plate="", model="Swift")},
            "vehicle.plate",
        ),
    ],
)
async def test_bad_sign_up_is_invalid_argument_naming_the_field(
    users, mongo_db, overrides, field
) -> None:
    code, message, got_field = await _code(users.SignUp(signup(**overrides)))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert got_field == field
    assert field.split(".")[-1] in message
    assert mongo_db["users"].count_documents({}) == 0


async def test_unknown_phone_and_wrong_password_give_the_same_error(users) -> None:
    request = signup()
    await users.SignUp(request)
    wrong = await _code(
        users.Login(user_pb2.LoginRequest(phone=request.phone, password="nope-nope"))
    )
    unknown = await _code(users.Login(user_pb2.LoginRequest(phone=phone(), password=PASSWORD)))
    garbage = await _code(users.Login(user_pb2.LoginRequest(phone="x", password=PASSWORD)))
    assert wrong == unknown == garbage
    assert wrong[0] == grpc.StatusCode.UNAUTHENTICATED


def _forge(claims: dict, key=None) -> str:
    return forge_token(claims, key=key)


async def test_tampered_forged_and_expired_tokens_are_unauthenticated(users) -> None:
    token = (await users.SignUp(signup())).token
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    promoted = _forge({**claims, "role": "driver"}).split(".")[1]
    now = int(time.time())
    bad_tokens = {
        "tampered payload": f"{header}.{promoted}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-4]}AAAA",
        "other key": _forge(claims, key=Ed25519PrivateKey.generate()),
        "unknown kid": forge_token(claims, kid="nobody"),
        "HS256 with the public key as secret": hs256(claims, PUBLIC_KEYS.read_bytes(), TEST_KEY_ID),
        "ten years": _forge({**claims, "iat": now, "exp": now + 10 * 365 * 86400}),
        "expired": _forge({**claims, "iat": now - 7200, "exp": now - 60}),
        "no expiry": _forge({k: v for k, v in claims.items() if k != "exp"}),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "garbage": "not.a.token",
        "empty": "",
    }
    for label, bad in bad_tokens.items():
        code, message, _ = await _code(users.VerifyToken(user_pb2.VerifyTokenRequest(token=bad)))
        assert code == grpc.StatusCode.UNAUTHENTICATED, label
        if label == "expired":
            assert "expired" in message


async def test_stored_account_holds_only_a_slow_hash(users, mongo_db) -> None:
    request = signup()
    created = await users.SignUp(request)
    doc = mongo_db["users"].find_one({"_id": created.user.id})
    assert PASSWORD not in str(doc)
    assert doc["passwordHash"].startswith("$argon2id$")
    assert "password" not in doc


async def test_unknown_user_is_not_found(users) -> None:
    code, _, field = await _code(users.GetUser(user_pb2.GetUserRequest(user_id="nobody")))
    assert (code, field) == (grpc.StatusCode.NOT_FOUND, "user_id")


async def test_concurrent_attempts_are_each_counted_once(embedded_mongo, db_name) -> None:
    """The limit counters against the real (embedded) database: 50 attempts at once on one key,
    five times over, each answered, the stored count exact."""
    client = AsyncMongoClient(embedded_mongo.uri, tz_aware=True)
    try:
        store = UserStore(client[db_name])
        await store.ensure_indexes()
        until = datetime.now(UTC) + timedelta(minutes=5)
        for round_ in range(5):
            key = f"login-phone:+919876543210:{round_}"
            counts = await asyncio.gather(*(store.count(key, until) for _ in range(50)))
            assert len(counts) == 50 and max(counts) == 50
            stored = await client[db_name]["attempt_counters"].find_one({"_id": key})
            assert stored["count"] == 50
    finally:
        await client.close()
