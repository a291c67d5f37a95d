"""Wake-ups for live subscribers in this process. The database is the source of truth: a
wake-up only tells a subscriber to read what is new, so a missed or repeated one costs a read,
never a notification."""

from __future__ import annotations

import asyncio
from collections import defaultdict


class Fanout:
    def __init__(self) -> None:
        self._waiters: dict[str, set[asyncio.Event]] = defaultdict(set)

    def subscribe(self, user_id: str) -> asyncio.Event:
        event = asyncio.Event()
        self._waiters[user_id].add(event)
        return event

    def unsubscribe(self, user_id: str, event: asyncio.Event) -> None:
        waiters = self._waiters.get(user_id)
        if waiters is not None:
            waiters.discard(event)
            if not waiters:
                del self._waiters[user_id]

    def publish(self, user_id: str) -> None:
        for event in self._waiters.get(user_id, ()):
            event.set()

    def publish_all(self) -> None:
        for waiters in self._waiters.values():
            for event in waiters:
                event.set()

    def subscribers(self) -> int:
        return sum(len(w) for w in self._waiters.values())

    def users(self) -> set[str]:
        """Users with a live subscriber in this process."""
        return set(self._waiters)
