"""Logging and hook events for one call: one DEBUG line and one ``CallAttempt`` per attempt.

Log lines name the function, transport, attempt number, HTTP status or error class,
duration and what happens next; never parameters or bodies. With
``debug_bodies=True`` the request and response bodies are logged too, at DEBUG, cut
to ``BODY_LOG_LIMIT`` characters and with the API secret redacted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from ._exceptions import HTTPStatusError, MailkitError
from ._hooks import CallAttempt, CallFinished, CallHooks, CallOutcome, emit
from ._probe import AttemptProbe
from ._redact import Redactor

__all__ = ["BODY_LOG_LIMIT", "CallObserver"]

BODY_LOG_LIMIT: Final = 4096
"""Characters of a body a ``debug_bodies`` log line shows at most."""

logger = logging.getLogger("mailkit_async")

_NO_HOOKS: Final = CallHooks()


class CallObserver:
    """Follows the attempts of one call and reports them to the log and the hooks."""

    def __init__(
        self,
        function: str,
        transport: str,
        *,
        hooks: CallHooks | None,
        redactor: Redactor,
        debug_bodies: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function = function
        self.transport = transport
        self.attempts = 0
        self.status: int | None = None
        self._hooks = hooks or _NO_HOOKS
        self._redactor = redactor
        self._debug_bodies = debug_bodies
        self._clock = clock
        self._started = clock()
        self._attempt_started = self._started
        self._probe: AttemptProbe | None = None

    def start_attempt(self) -> AttemptProbe:
        """A fresh probe for the next attempt."""
        self.attempts += 1
        self._attempt_started = self._clock()
        self._probe = AttemptProbe(capture_bodies=self._debug_bodies)
        return self._probe

    def attempt_done(
        self, attempt: int, error: MailkitError | None, retry_in: float | None
    ) -> None:
        """Log and report one finished attempt (the retry loop's ``on_attempt``)."""
        probe, self._probe = self._probe, None
        duration = self._clock() - self._attempt_started
        status = probe.status if probe is not None else None
        if isinstance(error, HTTPStatusError):
            status = error.status
        self.status = status
        if logger.isEnabledFor(logging.DEBUG):
            self._log_attempt(attempt, error, retry_in, status, duration)
            if probe is not None and self._debug_bodies:
                self._log_bodies(attempt, probe)
        if self._hooks.on_attempt is not None:  # events are built only for a listener
            emit(
                self._hooks.on_attempt,
                CallAttempt(
                    function=self.function,
                    transport=self.transport,
                    attempt=attempt,
                    outcome="ok" if error is None else "error",
                    status=status,
                    duration=duration,
                    error=None if error is None else type(error).__name__,
                    retry_in=retry_in,
                ),
            )

    def finish(self, outcome: CallOutcome, error: BaseException | None = None) -> None:
        """Report the end of the call (and of an attempt a cancellation interrupted)."""
        if outcome == "cancelled" and self._probe is not None:
            probe, self._probe = self._probe, None
            logger.debug(
                "%s via %s attempt %d cancelled", self.function, self.transport, self.attempts
            )
            emit(
                self._hooks.on_attempt,
                CallAttempt(
                    function=self.function,
                    transport=self.transport,
                    attempt=self.attempts,
                    outcome="cancelled",
                    status=probe.status,
                    duration=self._clock() - self._attempt_started,
                    error="CancelledError",
                ),
            )
        if self._hooks.on_call is None:
            return
        emit(
            self._hooks.on_call,
            CallFinished(
                function=self.function,
                transport=self.transport,
                attempts=self.attempts,
                outcome=outcome,
                status=self.status,
                duration=self._clock() - self._started,
                error=None if error is None else type(error).__name__,
            ),
        )

    def _log_attempt(
        self,
        attempt: int,
        error: MailkitError | None,
        retry_in: float | None,
        status: int | None,
        duration: float,
    ) -> None:
        result = f"HTTP {status}" if status is not None else "no HTTP answer"
        if error is not None:
            result = f"{result}, {type(error).__name__}"
        if error is None:
            after = ""
        elif retry_in is None:
            after = "; not retried"
        else:
            after = f"; retry in {retry_in:.3f}s"
        logger.debug(
            "%s via %s attempt %d: %s in %.3fs%s",
            self.function,
            self.transport,
            attempt,
            result,
            duration,
            after,
        )

    def _log_bodies(self, attempt: int, probe: AttemptProbe) -> None:
        redact = self._redactor.bytes
        if probe.request_body is not None:
            logger.debug(
                "%s attempt %d request body: %s",
                self.function,
                attempt,
                redact(probe.request_body, BODY_LOG_LIMIT),
            )
        if probe.response_body is not None:
            logger.debug(
                "%s attempt %d response body: %s",
                self.function,
                attempt,
                redact(probe.response_body, BODY_LOG_LIMIT),
            )
