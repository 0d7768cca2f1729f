"""A live progress line on stderr: redrawn in place on a terminal, periodic lines otherwise."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

from .._bulk import BulkProgress

__all__ = ["ProgressLine", "describe_sending", "describe_settling"]

_REDRAW_EVERY = 0.1  # seconds between redraws on a terminal
_CLEAR_TO_END = "\x1b[K"


class ProgressLine:
    """Shows the latest status text without flooding the stream.

    On a terminal the line is redrawn in place at most every 0.1 s. Elsewhere (a pipe, a
    log file) a full line is written when ``interval`` seconds have passed since the
    last one (0 writes every change). A text equal to the one shown is skipped.
    ``finish`` writes the last text if it was not shown yet and ends the line.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        interval: float = 10.0,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._every = _REDRAW_EVERY if self._tty else interval
        self._clock = clock
        self._last_shown: float | None = None
        self._pending: str | None = None
        self._shown_text: str | None = None
        self._drawn = False

    def show(self, text: str) -> None:
        """Make ``text`` the current status (written now or at the next chance)."""
        if text == self._shown_text:
            self._pending = None
            return
        now = self._clock()
        if self._last_shown is not None and now - self._last_shown < self._every:
            self._pending = text
            return
        self._write(text)
        self._last_shown = now

    def note(self, text: str) -> None:
        """Write a message on its own line, keeping the status line intact below it."""
        if self._tty and self._drawn:
            self._stream.write("\r" + _CLEAR_TO_END)
            self._drawn = False
        self._stream.write(text + "\n")
        self._stream.flush()

    def finish(self) -> None:
        """Write the last status if it is still pending and end the line."""
        if self._pending is not None:
            self._write(self._pending)
        if self._tty and self._drawn:
            self._stream.write("\n")
            self._stream.flush()
            self._drawn = False

    def _write(self, text: str) -> None:
        self._pending = None
        self._shown_text = text
        if self._tty:
            self._stream.write("\r" + text + _CLEAR_TO_END)
            self._drawn = True
        else:
            self._stream.write(text + "\n")
        self._stream.flush()


def describe_sending(snapshot: BulkProgress, total: int | None) -> str:
    """One line about a bulk send: batches, recipients done, accepted, rejected, unknown."""
    done = snapshot.accepted + snapshot.rejected + snapshot.unknown
    of_total = f"/{total}" if total is not None else ""
    return (
        f"batches {snapshot.batches_sent} sent, {snapshot.in_flight} in flight"
        f" | recipients {done}{of_total}"
        f" | accepted {snapshot.accepted} | rejected {snapshot.rejected}"
        f" | unknown {snapshot.unknown}"
    )


def describe_settling(settled: int, batches: int, polls: int, counts: tuple[int, int, int]) -> str:
    """One line about results polling: batches settled, polls made, current counts."""
    accepted, rejected, unknown = counts
    return (
        f"results: batches settled {settled}/{batches}, polls {polls}"
        f" | accepted {accepted} | rejected {rejected} | unknown {unknown}"
    )
