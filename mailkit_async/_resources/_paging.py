"""Keyset paging for the list functions that take a start ``ID_email`` and a limit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

__all__ = ["keyset_rows"]

R = TypeVar("R")


async def keyset_rows(
    fetch: Callable[[int], Awaitable[Sequence[R]]],
    key: Callable[[R], int],
    page_size: int,
) -> AsyncIterator[R]:
    """Yield every row of a keyset-paged function once, in ID order, one page in memory.

    ``fetch(start_id)`` returns the page that starts at ``start_id``, which Mailkit
    includes: the last row of one page comes back first on the next and is skipped
    (as is any row not above the last ID yielded). Paging stops on a short page, or
    on a page that brings nothing new (a server ignoring the cursor).
    """
    cursor = 0
    last: int | None = None
    while True:
        page = await fetch(cursor)
        fresh = False
        for row in page:
            ident = key(row)
            if last is not None and ident <= last:
                continue
            last = ident
            fresh = True
            yield row
        if len(page) < page_size or not fresh or last is None:
            return
        cursor = last
