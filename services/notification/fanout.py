"""Live subscribers in this process and what is waiting for each.

Notifications: the database is the source of truth; a wake-up only tells a subscriber to read
what is new, so a missed or repeated one costs a read, never a notification.

Positions are not stored in anyone's log: each subscriber holds the newest position per trip
not sent yet, and sends at most one a second per trip. A fix at least MIN_FIX_GAP_S newer than
the last one sent goes at once (a phone reporting once a second is never held back, whatever
the delays on the way; pacing by send time instead would carry every late delivery over to
the next one); a fix that comes sooner waits until a second has passed since the last send,
and is replaced meanwhile by any newer one. So a driver reporting faster, or two replicas
relaying the same fix, never floods a rider's stream.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

POSITION_INTERVAL_S = 1.0
MIN_FIX_GAP_S = 0.9  # a once-a-second fix, less the jitter of the device's clock


@dataclass(eq=False, slots=True)
class Subscriber:
    user_id: str
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # The log may hold something this subscriber has not read.
    notes: bool = True
    # Per trip: the newest position not sent yet, the fix time of the newest position taken
    # (older or repeated fixes are ignored), and the fix time and moment (monotonic) of the
    # last one sent.
    pending: dict[str, Any] = field(default_factory=dict)
    newest_fix: dict[str, float] = field(default_factory=dict)
    sent_fix: dict[str, float] = field(default_factory=dict)
    sent_at: dict[str, float] = field(default_factory=dict)

    def offer(self, trip_id: str, position: Any, fix_at: float) -> bool:
        """Takes a position unless a newer or equal fix of the trip was taken already."""
        if fix_at <= self.newest_fix.get(trip_id, float("-inf")):
            return False
        self.newest_fix[trip_id] = fix_at
        self.pending[trip_id] = position
        return True

    def due(self, now: float) -> tuple[list[Any], float | None]:
        """The positions to send now (marking them sent) and the seconds until the next
        pending one may go (None when nothing waits)."""
        ready, wait = [], None
        for trip_id in list(self.pending):
            last_at = self.sent_at.get(trip_id)
            fix = self.newest_fix[trip_id]
            if (
                last_at is None
                or fix - self.sent_fix[trip_id] >= MIN_FIX_GAP_S
                or now - last_at >= POSITION_INTERVAL_S
            ):
                ready.append(self.pending.pop(trip_id))
                self.sent_at[trip_id], self.sent_fix[trip_id] = now, fix
            else:
                left = POSITION_INTERVAL_S - (now - last_at)
                wait = left if wait is None else min(wait, left)
        return ready, wait


class Fanout:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[Subscriber]] = defaultdict(set)

    def subscribe(self, user_id: str) -> Subscriber:
        subscriber = Subscriber(user_id)
        self._subscribers[user_id].add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        subscribers = self._subscribers.get(subscriber.user_id)
        if subscribers is not None:
            subscribers.discard(subscriber)
            if not subscribers:
                del self._subscribers[subscriber.user_id]

    def publish(self, user_id: str) -> None:
        """Something new is in the user's log."""
        for subscriber in self._subscribers.get(user_id, ()):
            subscriber.notes = True
            subscriber.wake.set()

    def publish_all(self) -> None:
        for subscribers in self._subscribers.values():
            for subscriber in subscribers:
                subscriber.notes = True
                subscriber.wake.set()

    def offer_position(self, user_id: str, trip_id: str, position: Any, fix_at: float) -> bool:
        """Hands a position to the user's subscribers here; False when the user has none."""
        subscribers = self._subscribers.get(user_id)
        if not subscribers:
            return False
        for subscriber in subscribers:
            if subscriber.offer(trip_id, position, fix_at):
                subscriber.wake.set()
        return True

    def subscribers(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    def users(self) -> set[str]:
        """Users with a live subscriber in this process."""
        return set(self._subscribers)

    def has(self, user_id: str) -> bool:
        return user_id in self._subscribers
