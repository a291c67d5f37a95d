"""UserService: protobuf in and out; the rules live in accounts.py."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc

from api.lastmile.v1 import common_pb2, user_pb2, user_pb2_grpc
from common.convert import to_timestamp, utcnow
from common.errors import AlreadyExists, InvalidArgument, NotFound, Unauthenticated
from common.idempotency import create_once
from common.ids import new_id
from common.paging import check_batch
from services.user.accounts import (
    Passwords,
    Role,
    Tokens,
    Vehicle,
    normalize_phone,
    validate_sign_up,
)
from services.user.store import UserStore

ROLE_FROM_PROTO = {user_pb2.ROLE_RIDER: Role.RIDER, user_pb2.ROLE_DRIVER: Role.DRIVER}
ROLE_TO_PROTO = {v: k for k, v in ROLE_FROM_PROTO.items()}
BAD_LOGIN = "phone number or password is wrong"


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


class UserServicer(user_pb2_grpc.UserServiceServicer):
    def __init__(self, store: UserStore, passwords: Passwords, tokens: Tokens) -> None:
        self.store = store
        self.passwords = passwords
        self.tokens = tokens

    def _auth(self, doc: dict[str, Any]) -> user_pb2.AuthResponse:
        token, expires = self.tokens.issue(doc["_id"], Role(doc["role"]))
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
        )
        # argon2 is CPU-bound for tens of milliseconds: keep it off the event loop.
        password_hash = await asyncio.to_thread(self.passwords.hash, account.password)
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
        doc = await create_once(
            doc,
            request.idempotency_key,
            self.store.insert,
            lambda: self.store.by_phone(account.phone),
            AlreadyExists,
        )
        return self._auth(doc)

    async def Login(
        self, request: user_pb2.LoginRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.AuthResponse:
        try:
            phone = normalize_phone(request.phone)
        except InvalidArgument:
            phone = None
        doc = await self.store.by_phone(phone) if phone else None
        stored_hash = doc["passwordHash"] if doc else None
        ok = await asyncio.to_thread(self.passwords.verify, stored_hash, request.password)
        if not ok or doc is None:
            raise Unauthenticated(BAD_LOGIN)
        return self._auth(doc)

    async def VerifyToken(
        self, request: user_pb2.VerifyTokenRequest, context: grpc.aio.ServicerContext
    ) -> user_pb2.VerifyTokenResponse:
        claims = self.tokens.verify(request.token)
        return user_pb2.VerifyTokenResponse(
            user_id=claims.user_id,
            role=ROLE_TO_PROTO[claims.role],
            expires_at=to_timestamp(claims.expires_at),
        )

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
