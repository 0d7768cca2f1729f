"""Walk an ID-cursor-paged function page by page (no I/O of its own).

Mailkit's raw exports and its list reads (getstatus, engagement) take a start ID that
is INCLUSIVE: asking for the page after a row means asking from that row's ID, so each
later page repeats the previous page's last row. ``follow_cursor`` drops that repeat
and stops on an empty or short page, or on a page that brings no new rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Final, TypeVar

from .._exceptions import ConfigurationError

__all__ = ["MAX_PAGE_SIZE", "check_page_size", "follow_cursor"]

T = TypeVar("T")

MAX_PAGE_SIZE: Final = 25000
"""The most rows Mailkit returns from one raw export call."""


def check_page_size(page_size: int, function: str, maximum: int = MAX_PAGE_SIZE) -> int:
    """``page_size`` if it can make progress with an inclusive cursor, else ConfigurationError.

    One row per page would only ever return the row the cursor points at.
    """
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise ConfigurationError("page_size must be an int", function=function)
    if not 2 <= page_size <= maximum:
        raise ConfigurationError(
            f"page_size must be between 2 and {maximum}, not {page_size}", function=function
        )
    return page_size


async def follow_cursor(
    fetch: Callable[[int | None], Awaitable[list[T]]],
    row_id: Callable[[T], int | None],
    start: int | None,
    *,
    page_size: int | None = None,
) -> AsyncIterator[T]:
    """Yield every row of the pages ``fetch(cursor)`` returns, each row once, in order.

    Rows are taken to come in ascending ID order, as paging by an ID cursor implies: a
    row whose ID is not above the last one yielded is a repeat and is skipped. A row
    without an ID is yielded but cannot advance the cursor; when no row of a page has
    one, the walk ends after that page. With ``page_size`` a page shorter than it is
    the last. Only one page is held at a time.
    """
    cursor = start
    last: int | None = None
    while True:
        page = await fetch(cursor)
        short = page_size is not None and len(page) < page_size
        fresh = False
        for row in page:
            key = row_id(row)
            if key is not None:
                if last is not None and key <= last:
                    continue
                last = key
            fresh = True
            yield row
        del page
        if short or not fresh or last is None or last == cursor:
            return
        cursor = last
