"""Timeouts, retry policy and limits, with their documented defaults."""

from __future__ import annotations

import attrs

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "Limits",
    "RetryPolicy",
    "Timeout",
]


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be positive, got {value!r}")


@attrs.frozen
class Timeout:
    """Time limits of one call, in seconds.

    Attributes:
        connect: Opening a connection, including the wait for a free pool slot.
        read: The longest pause while reading the answer.
        total: One attempt from start to finish.
        deadline: The whole call, retries and their pauses included (monotonic clock).
    """

    connect: float = attrs.field(default=10.0, validator=_positive)
    read: float = attrs.field(default=60.0, validator=_positive)
    total: float = attrs.field(default=120.0, validator=_positive)
    deadline: float = attrs.field(default=300.0, validator=_positive)


@attrs.frozen
class RetryPolicy:
    """When and how often a failed call is tried again.

    Calls that are safe to repeat (reads, reports, status and results calls) are
    retried on transient failures: connection errors, timeouts, dropped connections and
    HTTP 408/429/500/502/503/504. Calls that are not safe (sends, creates, deletes,
    other writes) are retried only when the request provably never left. Pauses use
    full-jitter exponential backoff, honour ``Retry-After`` up to ``max_retry_after``,
    and never run past the call's deadline.

    Attributes:
        max_attempts: Attempts per call, the first one included (1 turns retries off).
        initial_delay: Upper bound of the first pause.
        max_delay: Upper bound of any pause.
        max_retry_after: The longest ``Retry-After`` the client will honour.
        budget: Retry tokens per client (a storm cannot multiply traffic): each retry
            spends one, each success returns ``budget_refill``.
        budget_refill: Tokens a successful call gives back.
    """

    max_attempts: int = 3
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 30.0
    budget: float = 50.0
    budget_refill: float = 0.1


@attrs.frozen
class Limits:
    """Size and concurrency limits.

    Attributes:
        max_connections: Connections the client keeps open at most.
        max_response_bytes: Largest response body read, after decompression.
        max_request_bytes: Largest request body sent (Mailkit accepts up to 128 MB).
    """

    max_connections: int = 100
    max_response_bytes: int = 64 * 1024 * 1024
    max_request_bytes: int = 100 * 1024 * 1024


DEFAULT_TIMEOUT = Timeout()
"""10 s to connect, 60 s between reads, 120 s per attempt, 300 s per call."""
DEFAULT_RETRY = RetryPolicy()
"""3 attempts, 0.5 s to 8 s full-jitter backoff, a budget of 50 retries."""
DEFAULT_LIMITS = Limits()
"""100 connections, 64 MiB responses, 100 MiB requests."""
