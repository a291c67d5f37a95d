"""Spent token ids (revoked tokens, used tickets), mirrored in memory from `spent_tokens`, so
the gateway's per-request "was this token revoked?" costs no database query.

The mirror loads every unexpired id at start, adds what this replica spends at once, and reads
what other replicas spent every SPENT_POLL_S (with an overlap, so a write in flight during a
read is not missed). A log-out through another user replica takes effect here within that
interval; spending a ticket stays a unique insert in the database (`store.spend`)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Protocol

from common.convert import utcnow

OVERLAP = timedelta(seconds=2)


class SpentSource(Protocol):
    async def spent_since(self, since: datetime | None) -> list[tuple[str, datetime]]: ...


class SpentTokens:
    def __init__(self, source: SpentSource) -> None:
        self.source = source
        self._expires: dict[str, float] = {}  # token id -> unix expiry
        self._read_at: datetime | None = None

    def add(self, token_id: str, expires_at: datetime) -> None:
        self._expires[token_id] = expires_at.timestamp()

    def among(self, token_ids: list[str]) -> list[str]:
        now = time.time()
        return [t for t in token_ids if self._expires.get(t, 0.0) > now]

    async def refresh(self) -> None:
        """Reads what was spent since the last read (everything unexpired, the first time),
        and forgets what has expired."""
        started = utcnow()
        since = self._read_at - OVERLAP if self._read_at is not None else None
        for token_id, expires_at in await self.source.spent_since(since):
            self.add(token_id, expires_at)
        self._read_at = started
        now = time.time()
        for token_id in [t for t, e in self._expires.items() if e <= now]:
            del self._expires[token_id]

    def __len__(self) -> int:
        return len(self._expires)
