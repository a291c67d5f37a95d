"""One asynchronous MongoDB client per process (PyMongo's native asyncio API)."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.db_metrics import CommandMetrics
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
            # Every operation has a time limit: this one by default, the served call's
            # remaining deadline inside an RPC (common.deadlines).
            timeoutMS=int(settings.rpc_timeout_s * 1000),
            retryWrites=True,
            event_listeners=[CommandMetrics()],
        )
    return _client[settings.mongodb_db]


async def close() -> None:
    global _client
    if _client is not None:
        client, _client = _client, None
        await client.close()


async def insert_unique(
    collection: AsyncCollection, doc: dict[str, Any], conflict: Exception
) -> None:
    """Inserts `doc`; raises `conflict` when a unique index refuses it."""
    try:
        await collection.insert_one(doc)
    except DuplicateKeyError:
        raise conflict from None
