"""UserService: protobuf in and out; the rules live in accounts.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from api.lastmile.v1 import common_pb2, user_pb2, user_pb2_grpc
from common.convert import from_timestamp, to_timestamp, utcnow
from common.errors import AlreadyExists, InvalidArgument, NotFound, Unauthenticated
from common.idempotency import create_once
from common.ids import new_id
from common.paging import check_batch
from common.peers import client_address
from common.tokens import TokenSigner, TokenVerifier
from services.user.accounts import (
    NewAccount,
    Passwords,
    Role,
    Vehicle,
    normalize_phone,
    validate_sign_up,
)
from services.user.hashing import HashGate, Priority
from services.user.limits import Limiter
from services.user.store import UserStore

ROLE_FROM_PROTO = {
    user_pb2.ROLE_RIDER: Role.RIDER,
    user_pb2.ROLE_DRIVER: Role.DRIVER,
    user_pb2.ROLE_OPERATOR: Role.OPERATOR,
}
ROLE_TO_PROTO = {v: k for k, v in ROLE_FROM_PROTO.items()}
BAD_LOGIN = "phone number or password is wrong"
# Limiter kinds
LOGIN_PHONE, LOGIN_ADDRESS, SIGN_UP_ADDRESS = "login-phone", "login-address", "signup-address"


@dataclass(frozen=True)
class Accounts:
    """What the servicer works with, built once by the server."""

    store: UserStore
    passwords: Passwords
    gate: HashGate
    limiter: Limiter
    signer: TokenSigner
    verifier: TokenVerifier
    phone_region: str


def user_message(doc: dict[str, Any]) -> user_pb2.User:
    user = user_pb2.User(
        id=doc["_id"],
        name=doc["name"],
        phone=doc["phone"],
        role=ROLE_TO_PROTO[Role(doc["role"])],
        created_at=to_timestamp(doc["createdAt"]),
    )
    if doc.get("vehicle"):
        user.vehicle.CopyFrom(common_pb2.Vehicle(**doc["vehicle"]))
    return user


async def create_account(
    store: UserStore,
    gate: HashGate,
    passwords: Passwords,
    account: NewAccount,
    idempotency_key: str = "",
) -> dict[str, Any]:
    """Hashes the password (through the gate) and stores the account; ALREADY_EXISTS when the
    phone is taken by another sign-up. Also used by the operators' tooling."""
    password_hash = await gate.run(Priority.SIGN_UP, passwords.hash, account.password)
    doc: dict[str, Any] = {
        "_id": new_id(),
        "name": account.name,
        "phone": account.phone,
        "role": account.role.value,
        "passwordHash": password_hash,
        "createdAt": utcnow(),
    }
    if account.vehicle:
        doc["vehicle"] = {"plate": account.vehicle.plate, "model": account.vehicle.model}
    return await create_once(
        doc, idempotency_key, store.insert, lambda: store.by_phone(account.phone), AlreadyExists
    )


class UserServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(self, accounts: Accounts) -> None:
        self.accounts = accounts
        self.store = accounts.store

    def _auth(self, doc: dict[str, Any]) -> user_pb2.AuthResponse:
        token, expires = self.accounts.signer.issue(doc["_id"], doc["role"])
        return user_pb2.AuthResponse(
            token=token, expires_at=to_timestamp(expires), user=user_message(doc)
        )

    async def SignUp(
        self, request: user_pb2.SignUpRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.AuthResponse:
        vehicle = (
            Vehicle(request.vehicle.plate, request.vehicle.model)
            if request.HasField("vehicle")
            else None
        )
        account = validate_sign_up(
            request.name,
            request.phone,
            request.password,
            ROLE_FROM_PROTO.get(request.role),
            vehicle,
            self.accounts.phone_region,
        )
        await self.accounts.limiter.attempt(SIGN_UP_ADDRESS, client_address(context))
        accounts = self.accounts
        doc = await create_account(
            accounts.store, accounts.gate, accounts.passwords, account, request.idempotency_key
        )
        return self._auth(doc)

    async def Login(
        self, request: user_pb2.LoginRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.AuthResponse:
        try:
            phone = normalize_phone(request.phone, self.accounts.phone_region)
        except InvalidArgument:
            phone = None
        limiter = self.accounts.limiter
        await limiter.attempt(LOGIN_ADDRESS, client_address(context))
        if phone:
            await limiter.attempt(LOGIN_PHONE, phone)
        doc = await self.store.by_phone(phone) if phone else None
        stored_hash = doc["passwordHash"] if doc else None
        ok = await self.accounts.gate.run(
            Priority.LOGIN, self.accounts.passwords.verify, stored_hash, request.password
        )
        if not ok or doc is None:
            raise Unauthenticated(BAD_LOGIN)
        return self._auth(doc)

    async def VerifyToken(
        self, request: user_pb2.VerifyTokenRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.VerifyTokenResponse:
        claims = self.accounts.verifier.verify(request.token)
        if await self.store.spent_among([claims.token_id]):
            raise Unauthenticated("token was revoked; log in again")
        role = ROLE_TO_PROTO.get(claims.role)  # type: ignore[call-overload]
        if role is None:
            raise Unauthenticated("token is invalid")
        return user_pb2.VerifyTokenResponse(
            user_id=claims.user_id,
            role=role,
            expires_at=to_timestamp(claims.expires_at),
            token_id=claims.token_id,
        )

    async def RevokeToken(
        self, request: user_pb2.RevokeTokenRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.RevokeTokenResponse:
        claims = self.accounts.verifier.verify(request.token)
        await self.store.spend(claims.token_id, "revoked", claims.expires_at)
        return user_pb2.RevokeTokenResponse()

    async def FindSpent(
        self, request: user_pb2.FindSpentRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.FindSpentResponse:
        check_batch(len(request.token_ids), "token_ids")
        ids = list(set(request.token_ids))
        return user_pb2.FindSpentResponse(
            token_ids=await self.store.spent_among(ids) if ids else []
        )

    async def SpendOnce(
        self, request: user_pb2.SpendOnceRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.SpendOnceResponse:
        if not request.token_id or len(request.token_id) > 64:
            raise InvalidArgument("token_id must be 1 to 64 characters", "token_id")
        if not request.HasField("expires_at"):
            raise InvalidArgument("expires_at is required", "expires_at")
        expires = from_timestamp(request.expires_at)
        if not await self.store.spend(request.token_id, "used", expires):
            raise AlreadyExists("this ticket was already used", "token_id")
        return user_pb2.SpendOnceResponse()

    async def GetUser(
        self, request: user_pb2.GetUserRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.User:
        doc = await self.store.by_id(request.user_id) if request.user_id else None
        if doc is None:
            raise NotFound(f"no user with id {request.user_id!r}", "user_id")
        return user_message(doc)

    async def GetUsers(
        self, request: user_pb2.GetUsersRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.GetUsersResponse:
        check_batch(len(request.user_ids), "user_ids")
        docs = await self.store.by_ids(list(set(request.user_ids))) if request.user_ids else []
        return user_pb2.GetUsersResponse(users=[user_message(d) for d in docs])
