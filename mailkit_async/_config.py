"""Timeouts, retry policy and limits, with their documented defaults.

The defaults in one place:

=====================  ==========================================================
``Timeout``            connect 10 s (pool wait included), read 60 s between bytes,
                       total 120 s per attempt, deadline 300 s per call
``RetryPolicy``        3 attempts; full-jitter backoff 0.5 s doubling to 8 s;
                       Retry-After honoured up to 30 s; a per-client budget of 50
                       retries, refilled by 0.1 per successful call; calls that are
                       not safe to repeat retried only when nothing was sent
``Limits``             100 connections; responses up to 64 MiB (checked against
                       Content-Length and again after decompression); requests up
                       to 100 MiB (Mailkit accepts 128 MB)
=====================  ==========================================================
"""

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


def _positive_int(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a positive int, got {value!r}")


def _not_negative(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


@attrs.frozen
class Timeout:
    """Time limits of one call, in seconds; every request gets all of them explicitly.

    Attributes:
        connect: Getting a connection: the wait for a free slot in the connection pool,
            DNS, TCP and TLS together. Running out of it raises ``ConnectError`` (the
            request was not sent, so any call may be retried). Default 10 s.
        read: The longest pause while waiting for or reading the answer; running out
            raises ``MailkitTimeout`` (the outcome is unknown). Default 60 s.
        total: One attempt from start to finish. Default 120 s.
        deadline: The whole call, retries and their pauses included, on the monotonic
            clock. Each attempt's limits shrink to the time left, and no pause is
            started that would end after the deadline. Default 300 s.
    """

    connect: float = attrs.field(default=10.0, validator=_positive)
    read: float = attrs.field(default=60.0, validator=_positive)
    total: float = attrs.field(default=120.0, validator=_positive)
    deadline: float = attrs.field(default=300.0, validator=_positive)

    def for_attempt(self, time_left: float) -> Timeout:
        """The limits of one attempt when ``time_left`` seconds remain before the deadline."""
        left = max(time_left, 0.001)
        return Timeout(
            connect=min(self.connect, left),
            read=min(self.read, left),
            total=min(self.total, left),
            deadline=left,
        )


@attrs.frozen
class RetryPolicy:
    """When and how often a failed call is tried again.

    Calls that are safe to repeat (reads, reports, status and results calls) are
    retried on transient failures: connection errors, timeouts, dropped connections and
    HTTP 408/429/500/502/503/504. Calls that are not safe (sends, creates, deletes,
    other writes) are retried only when the request provably never left (or Mailkit
    answered that it throttled the call), unless ``retry_unsafe`` is set. Pauses use
    full-jitter exponential backoff (a random pause between 0 and
    ``initial_delay * 2**n``, capped at ``max_delay``); a server's ``Retry-After``
    (seconds or an HTTP date) replaces the backoff when it is at most
    ``max_retry_after``; a longer one ends the retries at once (the error carries
    ``retry_after``). No pause is started that would end past the call's deadline.

    Attributes:
        max_attempts: Attempts per call, the first one included (1 turns retries off).
        initial_delay: Upper bound of the first pause (default 0.5 s).
        max_delay: Upper bound of any backoff pause (default 8 s).
        max_retry_after: The longest ``Retry-After`` the client waits for (default 30 s).
        budget: Retry tokens per client, shared by all its calls so a storm of failures
            cannot multiply traffic: each retry spends one; when none is left, failures
            are raised at once (default 50).
        budget_refill: Tokens a successful call gives back (default 0.1).
        retry_unsafe: Also retry calls that are not safe to repeat after failures that
            may have reached Mailkit. Off by default: it can send an e-mail twice.
    """

    max_attempts: int = attrs.field(default=3, validator=_positive_int)
    initial_delay: float = attrs.field(default=0.5, validator=_not_negative)
    max_delay: float = attrs.field(default=8.0, validator=_not_negative)
    max_retry_after: float = attrs.field(default=30.0, validator=_not_negative)
    budget: float = attrs.field(default=50.0, validator=_not_negative)
    budget_refill: float = attrs.field(default=0.1, validator=_not_negative)
    retry_unsafe: bool = False


@attrs.frozen
class Limits:
    """Size and concurrency limits.

    Attributes:
        max_connections: Connections the client keeps open at most (default 100).
            Calls beyond that wait for a free one within ``Timeout.connect``.
        max_response_bytes: Largest response body, checked against Content-Length
            before reading and again while reading the decompressed body (default
            64 MiB); a larger one raises ``ResponseTooLargeError`` and its connection
            is closed.
        max_request_bytes: Largest request body sent (default 100 MiB; Mailkit accepts
            up to 128 MB).
    """

    max_connections: int = attrs.field(default=100, validator=_positive_int)
    max_response_bytes: int = attrs.field(default=64 * 1024 * 1024, validator=_positive_int)
    max_request_bytes: int = attrs.field(default=100 * 1024 * 1024, validator=_positive_int)


DEFAULT_TIMEOUT = Timeout()
"""10 s to connect (pool wait included), 60 s between reads, 120 s per attempt, 300 s per call."""
DEFAULT_RETRY = RetryPolicy()
"""3 attempts, 0.5 s to 8 s full-jitter backoff, Retry-After up to 30 s, a budget of 50."""
DEFAULT_LIMITS = Limits()
"""100 connections, 64 MiB responses, 100 MiB requests."""
