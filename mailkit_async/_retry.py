"""Retry decisions and the retry loop. The only module that imports ``backoff``.

The decisions are small pure functions, tested without sleeping: ``should_retry``
says whether an error may be retried for a function of a given safety,
``parse_retry_after`` reads a ``Retry-After`` header, ``next_delay`` picks the pause
and ``plan_retry`` puts them together with the deadline. ``RetryBudget`` caps the
retries of one client; ``retry_call`` is the loop.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC
from typing import TypeVar

import backoff

from ._config import RetryPolicy
from ._exceptions import (
    HTTPStatusError,
    MailkitError,
    MailkitTimeout,
    OutcomeUnknownError,
    RateLimitError,
    RequestNotSentError,
)

__all__ = [
    "RetryBudget",
    "backoff_delays",
    "next_delay",
    "parse_retry_after",
    "plan_retry",
    "retry_call",
    "should_retry",
]

T = TypeVar("T")

_MAX_RETRY_AFTER_DIGITS = 10


def should_retry(error: BaseException, *, idempotent: bool, retry_unsafe: bool = False) -> bool:
    """Whether a failed attempt may be tried again.

    A request that provably never left is retried for every function, unless the
    failure is not transient (a TLS certificate error). Mailkit's own throttling answer
    means nothing was done, so it is retried too. Anything that may have reached
    Mailkit (timeouts, dropped connections, HTTP 408/429/5xx) is retried only for calls
    that are safe to repeat, or with ``retry_unsafe``. Everything else is final.
    """
    if isinstance(error, RequestNotSentError):
        return error.transient
    if isinstance(error, RateLimitError):
        return True
    repeatable = idempotent or retry_unsafe
    if isinstance(error, OutcomeUnknownError):
        return repeatable
    if isinstance(error, HTTPStatusError):
        return repeatable and error.transient
    return False


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date.

    ``now`` is the wall-clock time (``time.time()`` by default) an HTTP date is
    measured from; a date in the past gives 0. Unreadable values give None.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.replace(".", "", 1).isdigit():
        if len(text) > _MAX_RETRY_AFTER_DIGITS:
            return None
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    reference = time.time() if now is None else now
    return max(0.0, when.timestamp() - reference)


def backoff_delays(policy: RetryPolicy) -> Iterator[float]:
    """The upper bounds of successive pauses: exponential, capped at ``max_delay``."""
    gen = backoff.expo(base=2, factor=policy.initial_delay, max_value=policy.max_delay)
    next(gen)  # backoff's generators are primed with one send(None)
    return gen


def next_delay(
    bound: float,
    *,
    retry_after: float | None,
    policy: RetryPolicy,
    rng: Callable[[float], float] | None = None,
) -> float | None:
    """The pause before the next attempt, or None when the server asks for too long.

    Without ``Retry-After`` it is full jitter: a random pause between 0 and ``bound``.
    A server's ``Retry-After`` replaces it when at most ``max_retry_after``; a longer
    one gives None, so the error is raised instead of retrying early.
    """
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    jitter = rng or backoff.full_jitter
    return float(jitter(bound))


def plan_retry(
    error: MailkitError,
    attempt: int,
    *,
    idempotent: bool,
    policy: RetryPolicy,
    bound: float,
    now: float,
    deadline: float,
    rng: Callable[[float], float] | None = None,
) -> float | None:
    """The pause before retrying after failed attempt number ``attempt``, or None to stop.

    Stops when the attempts are used up, the error may not be retried, the server's
    ``Retry-After`` is beyond the policy's cap, or the pause would end at or after
    ``deadline``. The retry budget is not consulted here.
    """
    if attempt >= policy.max_attempts:
        return None
    if not should_retry(error, idempotent=idempotent, retry_unsafe=policy.retry_unsafe):
        return None
    retry_after = getattr(error, "retry_after", None)
    pause = next_delay(bound, retry_after=retry_after, policy=policy, rng=rng)
    if pause is None or now + pause >= deadline:
        return None
    return pause


class RetryBudget:
    """A token bucket shared by all calls of one client (botocore's retry quota).

    Each retry spends one token; each successful call returns ``budget_refill``.
    When the bucket is empty, failures are raised at once instead of retried, so a
    storm of errors cannot multiply the traffic sent to Mailkit.
    """

    def __init__(self, policy: RetryPolicy) -> None:
        self.capacity = policy.budget
        self.refill = policy.budget_refill
        self.tokens = policy.budget

    def try_spend(self) -> bool:
        """Take one token for a retry; False when none is left."""
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def on_success(self) -> None:
        """Give back part of a token after a successful call."""
        self.tokens = min(self.capacity, self.tokens + self.refill)

    def __repr__(self) -> str:
        return f"RetryBudget({self.tokens:g}/{self.capacity:g})"


AttemptObserver = Callable[[int, MailkitError | None, float | None], None]
"""Told after every attempt: (attempt number, its error or None, the pause before the
next attempt or None when there is none)."""


async def retry_call(
    attempt: Callable[[float], Awaitable[T]],
    *,
    idempotent: bool,
    policy: RetryPolicy,
    deadline: float,
    budget: RetryBudget | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.monotonic,
    on_retry: Callable[[int, MailkitError, float], None] | None = None,
    on_attempt: AttemptObserver | None = None,
    rng: Callable[[float], float] | None = None,
) -> T:
    """Run ``attempt(time_left)`` until it succeeds or may not be retried.

    ``deadline`` is an absolute time on ``clock`` (monotonic). No pause is started that
    would end past the deadline; each attempt is told how much time is left. The last
    error is raised unchanged.
    """
    do_sleep = sleep or asyncio.sleep
    bounds: Iterator[float] | None = None  # made at the first failure: most calls have none
    attempt_no = 0
    last_error: MailkitError | None = None
    while True:
        attempt_no += 1
        left = deadline - clock()
        if left <= 0:
            if last_error is not None:
                # A pause overran the deadline: the last attempt's own error says best
                # what happened (e.g. that nothing was sent), not a generic timeout.
                raise last_error
            raise MailkitTimeout("the call's deadline passed before an attempt could start")
        try:
            result = await attempt(left)
        except MailkitError as error:
            if bounds is None:
                bounds = backoff_delays(policy)
            pause = plan_retry(
                error,
                attempt_no,
                idempotent=idempotent,
                policy=policy,
                bound=next(bounds),
                now=clock(),
                deadline=deadline,
                rng=rng,
            )
            if pause is not None and budget is not None and not budget.try_spend():
                pause = None
            if on_attempt is not None:
                on_attempt(attempt_no, error, pause)
            if pause is None:
                raise
            if on_retry is not None:
                on_retry(attempt_no, error, pause)
            last_error = error
            await do_sleep(pause)
            continue
        if budget is not None:
            budget.on_success()
        if on_attempt is not None:
            on_attempt(attempt_no, None, None)
        return result
