"""Create-once semantics for RPCs a client may retry: the key the client sent is stored on the
document, so a retry that hits the unique index finds its own earlier result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

KEY_FIELD = "createKey"


async def create_once(
    doc: dict[str, Any],
    key: str,
    insert: Callable[[dict[str, Any]], Awaitable[None]],
    existing: Callable[[], Awaitable[dict[str, Any] | None]],
    conflict: type[Exception],
) -> dict[str, Any]:
    """Inserts `doc`. When `insert` raises `conflict` and the conflicting document was created
    with the same key, answers that document; otherwise the conflict stands."""
    if key:
        doc[KEY_FIELD] = key
    try:
        await insert(doc)
        return doc
    except conflict:
        found = await existing() if key else None
        if found is None or found.get(KEY_FIELD) != key:
            raise
        return found
