"""Create-once semantics for RPCs a client may retry: the key the client sent is stored with
what it created, so a retry that hits the unique index finds its own earlier result."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

KEY_FIELD = "createKey"

T = TypeVar("T")


def _key_of_document(found: Any) -> str:
    return found.get(KEY_FIELD, "")


async def create_once(
    new: T,
    key: str,
    insert: Callable[[T], Awaitable[None]],
    existing: Callable[[], Awaitable[T | None]],
    conflict: type[Exception],
    key_of: Callable[[T], str] = _key_of_document,
) -> T:
    """Inserts `new` (a document, which gets the key stamped on it, or a value that carries
    its key). When `insert` raises `conflict` and the conflicting item was created with the
    same key, answers that item; otherwise the conflict stands."""
    if key and isinstance(new, dict):
        new[KEY_FIELD] = key
    try:
        await insert(new)
        return new
    except conflict:
        found = await existing() if key else None
        if found is None or key_of(found) != key:
            raise
        return found
