"""The user service's collections: `users` (one document per account, phone unique),
`attempt_counters` (log-in and sign-up counts per window) and `spent_tokens` (token ids that
are no longer good: revoked tokens, used stream tickets). Counters and spent tokens carry
`expiresAt` and a TTL index deletes them once it passed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from common.errors import AlreadyExists
from common.mongo import insert_unique


class UserStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["users"]
        self.counters = db["attempt_counters"]
        self.spent = db["spent_tokens"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("phone", unique=True, name="phone_unique")
        for collection in (self.counters, self.spent):
            await collection.create_index("expiresAt", expireAfterSeconds=0, name="expires_ttl")

    async def insert(self, doc: dict[str, Any]) -> None:
        """Stores a new account; ALREADY_EXISTS when the phone is taken."""
        await insert_unique(
            self.collection,
            doc,
            AlreadyExists("an account with this phone already exists", "phone"),
        )

    async def by_phone(self, phone: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"phone": phone})

    async def by_id(self, user_id: str) -> dict[str, Any] | None:
        return await self.collection.find_one({"_id": user_id})

    async def by_ids(self, user_ids: list[str]) -> list[dict[str, Any]]:
        return await self.collection.find({"_id": {"$in": user_ids}}).to_list()

    async def count(self, counter_id: str, expires_at: datetime) -> int:
        """Adds one to a counter (created at 1) and answers its new value."""
        for _ in range(3):  # two first attempts at once: one insert wins, the other increments
            try:
                doc = await self.counters.find_one_and_update(
                    {"_id": counter_id},
                    {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": expires_at}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:
                continue
            if doc is None:
                # The embedded stand-in database sometimes answers a concurrent upsert with no
                # document although it applied it; the stored count includes this attempt.
                doc = await self.counters.find_one({"_id": counter_id})
            if doc is not None:
                return int(doc["count"])
        raise RuntimeError(f"counter {counter_id} could not be counted")

    async def read_count(self, counter_id: str) -> int:
        """A counter's value; 0 when it was never counted or is forgotten."""
        doc = await self.counters.find_one({"_id": counter_id}, {"count": 1})
        return int(doc["count"]) if doc else 0

    async def spend(self, token_id: str, reason: str, expires_at: datetime) -> bool:
        """Records a token id as spent; False when it already was."""
        try:
            await self.spent.insert_one(
                {"_id": token_id, "reason": reason, "expiresAt": expires_at}
            )
        except DuplicateKeyError:
            return False
        return True

    async def spent_among(self, token_ids: list[str]) -> list[str]:
        docs = self.spent.find({"_id": {"$in": token_ids}}, projection={"_id": 1})
        return [d["_id"] async for d in docs]
