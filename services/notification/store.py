"""The `notifications` collection (and its per-user sequence counters): a durable log per user,
unique on (userId, seq), and on (userId, key) so a repeated event is stored once."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from common.mongo import is_duplicate_key


class NotificationStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["notifications"]
        self.counters = db["notification_counters"]

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

    async def by_key(self, user_id: str, key: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"userId": user_id, "key": key})

    async def next_seq(self, user_id: str) -> int:
        counter = await self.counters.find_one_and_update(
            {"_id": user_id},
            {"$inc": {"seq": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return counter["seq"]

    async def insert(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Stores `doc`; when its key was stored meanwhile, answers that one instead."""
        try:
            await self.collection.insert_one(doc)
            return doc
        except Exception as exc:
            if not is_duplicate_key(exc):
                raise
        existing = await self.by_key(doc["userId"], doc["key"])
        if existing is None:
            raise RuntimeError("duplicate notification vanished")
        return existing

    async def after(self, user_id: str, after_seq: int, limit: int) -> list[dict[str, Any]]:
        cursor = (
            self.collection.find({"userId": user_id, "seq": {"$gt": after_seq}})
            .sort("seq", ASCENDING)
            .limit(limit)
        )
        return await cursor.to_list()

    async def mark_read(self, user_id: str, up_to_seq: int) -> int:
        result = await self.collection.update_many(
            {"userId": user_id, "seq": {"$lte": up_to_seq}, "read": False},
            {"$set": {"read": True}},
        )
        return result.modified_count
