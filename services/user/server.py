"""User service process."""

from __future__ import annotations

import os
from datetime import timedelta

from pydantic import Field, field_validator

from api.lastmile.v1 import user_pb2, user_pb2_grpc
from common import mongo
from common.server import Service, run
from common.settings import ServiceSettings, SigningKeySettings
from common.tokens import (
    TokenSigner,
    TokenVerifier,
    kid_of,
    load_private_key,
    load_public_keys,
)
from services.user.accounts import DEFAULT_REGION, Passwords
from services.user.hashing import HashGate
from services.user.limits import Limiter, Rate
from services.user.servicer import (
    LOGIN_ADDRESS,
    LOGIN_PHONE,
    SIGN_UP_ADDRESS,
    Accounts,
    UserServicer,
)
from services.user.store import UserStore


class UserSettings(ServiceSettings, SigningKeySettings):
    phone_region: str = Field(
        DEFAULT_REGION,
        pattern=r"^[A-Z]{2}$",
        description="Region (ISO 3166 code) of phone numbers given without a country code.",
    )
    login_limit_per_phone: str = Field(
        "10/minute", description="Log-in attempts allowed per phone number (any spelling)."
    )
    login_limit_per_address: str = Field(
        "60/minute", description="Log-in attempts allowed per client address."
    )
    signup_limit_per_address: str = Field(
        "20/hour", description="Sign-ups allowed per client address."
    )
    hash_concurrency: int = Field(
        0,
        ge=0,
        le=64,
        description="Password hashes run at once; 0 = half the cores (an argon2id hash keeps "
        "about 1.6 cores busy: it hashes 4 lanes on threads of its own).",
    )
    hash_queue: int = Field(
        32, ge=0, le=10_000, description="Password hashes that may wait; more are refused."
    )

    @field_validator("login_limit_per_phone", "login_limit_per_address", "signup_limit_per_address")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        Rate.parse(value)  # ValueError names the notation: "10/minute", "20 per hour"
        return value


def build_accounts(settings: UserSettings) -> Accounts:
    store = UserStore(mongo.get_database(settings))
    lifetime = timedelta(seconds=settings.jwt_ttl_s)
    public_keys = load_public_keys(settings.jwt_public_keys_file)
    signing_key = load_private_key(settings.jwt_private_key_file)
    key_id = settings.jwt_key_id or kid_of(signing_key, public_keys)
    if key_id not in public_keys:
        raise ValueError(f"no public key {key_id!r} in {settings.jwt_public_keys_file}")
    rates = {
        LOGIN_PHONE: Rate.parse(settings.login_limit_per_phone),
        LOGIN_ADDRESS: Rate.parse(settings.login_limit_per_address),
        SIGN_UP_ADDRESS: Rate.parse(settings.signup_limit_per_address),
    }
    return Accounts(
        store=store,
        passwords=Passwords(),
        gate=HashGate(
            settings.hash_concurrency or max(1, (os.cpu_count() or 1) // 2), settings.hash_queue
        ),
        limiter=Limiter(store.count, store.read_count, rates),
        signer=TokenSigner(signing_key, key_id, lifetime),
        verifier=TokenVerifier(public_keys, lifetime),
        phone_region=settings.phone_region,
    )


async def build(settings: UserSettings) -> Service:
    accounts = build_accounts(settings)
    await accounts.store.ensure_indexes()
    return Service(
        servicers=[(user_pb2_grpc.add_UserServiceServicer_to_server, UserServicer(accounts))],
        service_names=[user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name],
    )


def main() -> None:
    run(UserSettings, "user", build)


if __name__ == "__main__":
    main()
