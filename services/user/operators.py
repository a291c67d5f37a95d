"""Operator accounts, made by the operators' own tooling (`lastmile operator create`, also run
as a Kubernetes Job), never through the public API: straight into the user service's
collection, with the same rules and hashing as a sign-up."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient

from services.user.accounts import DEFAULT_REGION, Passwords, Role, validate_sign_up
from services.user.hashing import HashGate
from services.user.servicer import create_account
from services.user.store import UserStore


async def create_operator(
    mongodb_uri: str,
    db_name: str,
    name: str,
    phone: str,
    password: str,
    region: str = DEFAULT_REGION,
) -> dict[str, Any]:
    """The new operator's account document; InvalidArgument naming a bad field,
    AlreadyExists when the phone has an account."""
    account = validate_sign_up(name, phone, password, Role.OPERATOR, None, region, (Role.OPERATOR,))
    client: AsyncMongoClient = AsyncMongoClient(
        mongodb_uri, tz_aware=True, serverSelectionTimeoutMS=10_000
    )
    try:
        store = UserStore(client[db_name])
        await store.ensure_indexes()
        gate = HashGate(capacity=1, max_waiting=1)
        try:
            return await create_account(store, gate, Passwords(), account)
        finally:
            gate.close()
    finally:
        await client.close()
