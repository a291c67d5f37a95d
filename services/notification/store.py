"""The `notifications` collection: a durable log per user, unique on (userId, seq), and on
(userId, key) so a repeated event is stored once."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError


class NotificationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["notifications"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("userId", ASCENDING), ("seq", ASCENDING)], unique=True, name="user_seq"
        )
        await self.collection.create_index(
            [("userId", ASCENDING), ("key", ASCENDING)],
            unique=True,
            partialFilterExpression={"key": {"$exists": True}},
            name="user_key",
        )
        await self.collection.create_index([("createdAt", ASCENDING)], name="created")

    async def by_key(self, user_id: str, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"userId": user_id, "key": key})

    async def last_seq(self, user_id: str) -> int:
        doc = await self.collection.find_one(
            {"userId": user_id}, {"seq": 1}, sort=[("seq", DESCENDING)]
        )
        return doc["seq"] if doc else 0

    async def insert(self, doc: dict[str, Any]) -> bool:
        """Stores `doc`; False when its seq or its key is taken already."""
        try:
            await self.collection.insert_one(doc)
            return True
        except DuplicateKeyError:
            return False

    async def after(self, user_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        cursor = (
            self.collection.find({"userId": user_id, "seq": {"$gt": after_seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        return await cursor.to_list()

    async def users_since(self, since: datetime) -> set[str]:
        """Users with a notification stored at or after `since` (by any replica)."""
        cursor = self.collection.find({"createdAt": {"$gte": since}}, {"userId": 1, "_id": 0})
        return {doc["userId"] async for doc in cursor}

    async def mark_read(self, user_id: str, up_to_seq: int) -> int:
        result = await self.collection.update_many(
            {"userId": user_id, "seq": {"$lte": up_to_seq}, "read": False},
            {"$set": {"read": True}},
        )
        return result.modified_count


class PositionRelay:
    """The `live_positions` collection: positions for riders whose stream is open on another
    replica, read by every replica a few times a second and kept a minute (TTL)."""

    KEEP_S = 60

    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["live_positions"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("postedAt", ASCENDING)], expireAfterSeconds=self.KEEP_S, name="posted_ttl"
        )

    async def post(self, docs: list[dict[str, Any]]) -> None:
        await self.collection.insert_many(docs, ordered=False)

    async def posted_since(self, since: datetime, origin: str) -> list[dict[str, Any]]:
        """Positions posted at or after `since` by replicas other than `origin`."""
        cursor = self.collection.find(
            {"postedAt": {"$gte": since}, "origin": {"$ne": origin}}, {"_id": 0, "postedAt": 0}
        )
        return await cursor.to_list()


class ListenerRegistry:
    """The `live_listeners` collection: one document per replica naming the users with a
    stream open there, so a replica relays a position only when some other replica could
    deliver it (riders with the app closed cost nothing). Replicas that stop refreshing
    theirs are forgotten (TTL)."""

    KEEP_S = 30

    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["live_listeners"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index(
            [("seenAt", ASCENDING)], expireAfterSeconds=self.KEEP_S, name="seen_ttl"
        )

    async def announce(self, replica_id: str, users: list[str], now: datetime) -> None:
        await self.collection.update_one(
            {"_id": replica_id}, {"$set": {"users": users, "seenAt": now}}, upsert=True
        )

    async def withdraw(self, replica_id: str) -> None:
        await self.collection.delete_one({"_id": replica_id})

    async def others(self, replica_id: str, since: datetime) -> set[str]:
        """Users listening on replicas other than `replica_id` seen at or after `since`."""
        cursor = self.collection.find(
            {"_id": {"$ne": replica_id}, "seenAt": {"$gte": since}}, {"users": 1}
        )
        return {u async for doc in cursor for u in doc.get("users", ())}
