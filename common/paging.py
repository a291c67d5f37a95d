"""Offset paging behind opaque tokens, for the small lists LastMile pages through."""

from __future__ import annotations

from api.lastmile.v1 import common_pb2
from common.errors import InvalidArgument

DEFAULT_PAGE = 50
MAX_PAGE = 500
# Most items one batched call (e.g. UpdatePositions, GetRequests) takes.
MAX_BATCH = 500


def check_batch(count: int, field: str) -> None:
    """INVALID_ARGUMENT naming `field` when a batched call carries more than MAX_BATCH items."""
    if count > MAX_BATCH:
        raise InvalidArgument(f"at most {MAX_BATCH} items per call", field)


def page_of(page: common_pb2.PageRequest) -> tuple[int, int]:
    """(skip, limit) of a page request; INVALID_ARGUMENT for a token we did not issue."""
    limit = min(page.page_size or DEFAULT_PAGE, MAX_PAGE)
    if limit < 0:
        raise InvalidArgument("page_size must not be negative", "page.page_size")
    if not page.page_token:
        return 0, limit
    if not page.page_token.isdigit():
        raise InvalidArgument("page_token is not one this service issued", "page.page_token")
    return int(page.page_token), limit


def next_token(skip: int, limit: int, fetched: int) -> str:
    """The token of the next page, given that `limit + 1` items were asked and `fetched` came."""
    return str(skip + limit) if fetched > limit else ""
