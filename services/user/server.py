"""User service process."""

from __future__ import annotations

from datetime import timedelta

from api.lastmile.v1 import user_pb2, user_pb2_grpc
from common import mongo
from common.server import Service, run
from common.settings import JwtSettings, ServiceSettings
from services.user.accounts import Passwords, Tokens
from services.user.servicer import UserServicer
from services.user.store import UserStore


class UserSettings(ServiceSettings, JwtSettings):
    pass


async def build(settings: UserSettings) -> Service:
    store = UserStore(mongo.get_database(settings))
    await store.ensure_indexes()
    tokens = Tokens(settings.jwt_secret.get_secret_value(), timedelta(seconds=settings.jwt_ttl_s))
    servicer = UserServicer(store, Passwords(), tokens)
    return Service(
        servicers=[(user_pb2_grpc.add_UserServiceServicer_to_server, servicer)],
        service_names=[user_pb2.DESCRIPTOR.services_by_name["UserService"].full_name],
    )


def main() -> None:
    run(UserSettings, "user", build)


if __name__ == "__main__":
    main()
