"""The in-memory mirror of spent token ids that answers the gateway's revocation checks."""

from __future__ import annotations

from datetime import datetime, timedelta

from common.convert import utcnow
from services.user.spent import OVERLAP, SpentTokens


class FakeSource:
    """`spent_tokens` as a list of (id, expiry, spent at)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, datetime, datetime]] = []
        self.asked: list[datetime | None] = []

    async def spent_since(self, since: datetime | None) -> list[tuple[str, datetime]]:
        self.asked.append(since)
        now = utcnow()
        return [
            (t, exp)
            for t, exp, at in self.rows
            if (since is None and exp > now) or (since is not None and at >= since)
        ]


async def test_the_mirror_loads_everything_unexpired_then_what_others_spend() -> None:
    source = FakeSource()
    now = utcnow()
    source.rows = [
        ("old-revoked", now + timedelta(hours=1), now - timedelta(hours=1)),
        ("long-gone", now - timedelta(seconds=1), now - timedelta(hours=2)),
    ]
    spent = SpentTokens(source)
    await spent.refresh()
    assert source.asked == [None]
    assert spent.among(["old-revoked", "long-gone", "fresh"]) == ["old-revoked"]
    # Another replica revokes a token: the next read (from the last one, less an overlap).
    source.rows.append(("elsewhere", now + timedelta(hours=1), utcnow()))
    await spent.refresh()
    assert spent.among(["elsewhere"]) == ["elsewhere"]
    first_read = source.asked[1]
    assert first_read is not None and first_read <= utcnow() - OVERLAP


async def test_what_this_replica_spends_counts_at_once_and_expired_ids_are_forgotten() -> None:
    spent = SpentTokens(FakeSource())
    spent.add("mine", utcnow() + timedelta(minutes=1))
    spent.add("stale", utcnow() - timedelta(seconds=1))
    assert spent.among(["mine", "stale"]) == ["mine"]
    await spent.refresh()
    assert len(spent) == 1
