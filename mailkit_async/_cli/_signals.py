"""Ctrl-C as a request to stop cleanly: the first press asks to stop, the second insists."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["Interrupts"]


class Interrupts:
    """Turns SIGINT into two events while in use (``with Interrupts(...) as stop:``).

    ``stop`` is set by the first Ctrl-C and ``force`` by the second; each press calls
    ``on_press(count)`` (to tell the user what happens now). Where the event loop
    cannot take signal handlers (Windows) nothing is installed and Ctrl-C raises
    ``KeyboardInterrupt`` as usual.
    """

    def __init__(self, on_press: Callable[[int], object] | None = None) -> None:
        self.stop = asyncio.Event()
        self.force = asyncio.Event()
        self.presses = 0
        self._on_press = on_press
        self._installed = False

    def __enter__(self) -> Interrupts:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, self._pressed)
            self._installed = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGINT)
            self._installed = False

    @property
    def interrupted(self) -> bool:
        """Whether Ctrl-C was pressed at least once."""
        return self.presses > 0

    def _pressed(self) -> None:
        self.presses += 1
        if self.presses == 1:
            self.stop.set()
        else:
            self.force.set()
        if self._on_press is not None:
            self._on_press(self.presses)

    async def run_until_stopped(self, work: asyncio.Future[Any]) -> bool:
        """Wait for ``work`` or the first Ctrl-C; cancel ``work`` if Ctrl-C came first.

        Returns True when ``work`` finished by itself. Never raises ``work``'s error;
        the caller reads it from the task.
        """
        waiter = asyncio.ensure_future(self.stop.wait())
        try:
            await asyncio.wait({work, waiter}, return_when=asyncio.FIRST_COMPLETED)
        except BaseException:
            work.cancel()  # we are being cancelled ourselves: do not leave the work running
            raise
        finally:
            waiter.cancel()
        if work.done():
            return True
        work.cancel()
        await asyncio.wait({work})
        return False
