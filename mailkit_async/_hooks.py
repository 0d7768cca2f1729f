"""Observability hooks: small event objects handed to callables of your own.

``MailkitClient(..., hooks=CallHooks(on_attempt=..., on_call=...))`` calls
``on_attempt`` after every HTTP attempt with a ``CallAttempt`` and ``on_call`` once
per call with a ``CallFinished``. The events carry no parameters, bodies or
secrets, only what a metrics or tracing system needs. A hook that raises is logged
and otherwise ignored: observability never breaks a call.

``EventHook`` and ``emit`` are generic, so other parts of the library (the bulk
engine) report their own events the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Literal, TypeAlias, TypeVar

import attrs

__all__ = ["CallAttempt", "CallFinished", "CallHooks", "CallOutcome", "EventHook", "emit"]

_logger = logging.getLogger("mailkit_async")

E = TypeVar("E")

EventHook: TypeAlias = Callable[[E], object]
"""A callable receiving one event object; its return value is ignored."""

CallOutcome: TypeAlias = Literal["ok", "error", "cancelled"]
"""How an attempt or a call ended."""


@attrs.frozen
class CallAttempt:
    """One HTTP attempt of one call has ended.

    Attributes:
        function: The Mailkit function, e.g. ``"mailkit.mailinglist.list"``.
        transport: ``"json"``, ``"xmlrpc"`` or a custom transport's name.
        attempt: 1 for the first attempt, 2 for the first retry, ...
        outcome: ``"ok"``, ``"error"`` or ``"cancelled"``.
        status: The HTTP status when an answer arrived, else None.
        duration: Seconds the attempt took (monotonic clock).
        error: The error's class name (e.g. ``"ConnectError"``), None on success.
        retry_in: The pause before the next attempt, or None when there is none.
    """

    function: str
    transport: str
    attempt: int
    outcome: CallOutcome
    status: int | None
    duration: float
    error: str | None = None
    retry_in: float | None = None


@attrs.frozen
class CallFinished:
    """A call has ended, after all its attempts.

    Attributes:
        function: The Mailkit function.
        transport: The transport's name.
        attempts: How many attempts were made.
        outcome: ``"ok"``, ``"error"`` or ``"cancelled"``.
        status: The HTTP status of the last answer, else None.
        duration: Seconds from the call's start to its end, pauses included.
        error: The raised error's class name, None on success.
    """

    function: str
    transport: str
    attempts: int
    outcome: CallOutcome
    status: int | None
    duration: float
    error: str | None = None


@attrs.frozen
class CallHooks:
    """Callables the client tells about each attempt and each finished call.

    Both are optional, synchronous, and should return quickly (they run on the event
    loop); start a task from them for slow work. An exception inside a hook is logged
    at WARNING on the ``mailkit_async`` logger and otherwise ignored.

    Example, counting attempts for Prometheus and timing calls::

        from prometheus_client import Counter, Histogram

        ATTEMPTS = Counter("mailkit_attempts", "HTTP attempts", ["function", "outcome"])
        LATENCY = Histogram("mailkit_call_seconds", "Call latency", ["function"])

        hooks = CallHooks(
            on_attempt=lambda e: ATTEMPTS.labels(e.function, e.outcome).inc(),
            on_call=lambda e: LATENCY.labels(e.function).observe(e.duration),
        )
        client = MailkitClient(client_id, client_md5, hooks=hooks)

    For OpenTelemetry, ``on_call`` can record a span from ``duration`` and ``error``,
    and aiohttp-level tracing can be added with ``MailkitClient(trace_configs=[...])``.

    Attributes:
        on_attempt: Receives a ``CallAttempt`` after every attempt.
        on_call: Receives a ``CallFinished`` when a call returns or raises.
    """

    on_attempt: EventHook[CallAttempt] | None = None
    on_call: EventHook[CallFinished] | None = None


def emit(hook: EventHook[E] | None, event: E) -> None:
    """Hand ``event`` to ``hook`` if there is one; a failing hook is logged, not raised."""
    if hook is None:
        return
    try:
        hook(event)
    except Exception as exc:
        _logger.warning(
            "an observability hook failed on %s: %s", type(event).__name__, type(exc).__name__
        )
