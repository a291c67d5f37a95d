"""The `users` collection: one document per account, phone unique."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from common.errors import AlreadyExists
from common.mongo import insert_unique


class UserStore:
    def __init__(self, db: AsyncDatabase) -> None:
        self.collection = db["users"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index("phone", unique=True, name="phone_unique")

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
