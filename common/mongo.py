"""One asynchronous MongoDB client per process (PyMongo's native asyncio API)."""

from __future__ import annotations

from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from common.settings import ServiceSettings

_client: AsyncMongoClient | None = None


def get_database(settings: ServiceSettings) -> AsyncDatabase:
    """The process's database handle; the client is created on first use and then shared."""
    global _client
    if _client is None:
        _client = AsyncMongoClient(
            settings.mongodb_uri,
            appname=f"lastmile-{settings.service_name}",
            tz_aware=True,
            serverSelectionTimeoutMS=int(settings.rpc_timeout_s * 1000),
            retryWrites=True,
        )
    return _client[settings.mongodb_db]


async def close() -> None:
    global _client
    if _client is not None:
        client, _client = _client, None
        await client.close()


def is_duplicate_key(error: Exception) -> bool:
    return getattr(error, "code", None) == 11000
