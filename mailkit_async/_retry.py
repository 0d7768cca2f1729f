"""Retry decisions and the retry loop. The only module that imports ``backoff``.

The decisions are small pure functions, so they are tested without sleeping:
``should_retry`` says whether an error may be retried for a function of a given
safety, ``next_delay`` how long to pause. ``RetryBudget`` caps retries per client.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
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

__all__ = ["RetryBudget", "backoff_delays", "next_delay", "retry_call", "should_retry"]

T = TypeVar("T")


def should_retry(error: BaseException, *, idempotent: bool) -> bool:
    """Whether a failed attempt may be tried again.

    A request that provably never left is always retried. Anything that may have
    reached Mailkit (timeouts, dropped connections, 5xx) is retried only for calls
    that are safe to repeat; 429 and Mailkit's own throttling answer too.
    """
    if isinstance(error, RequestNotSentError):
        return True
    if isinstance(error, RateLimitError):
        return True  # Mailkit refused the call, so nothing happened
    if isinstance(error, OutcomeUnknownError):
        return idempotent
    if isinstance(error, HTTPStatusError):
        return idempotent and error.transient
    return False


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
) -> float:
    """The pause before the next attempt: full jitter below ``bound``, or Retry-After.

    A server's ``Retry-After`` wins when given, capped at ``max_retry_after``.
    """
    if retry_after is not None:
        return min(retry_after, policy.max_retry_after)
    jitter = rng or backoff.full_jitter
    return float(jitter(bound))


class RetryBudget:
    """A token bucket shared by all calls of one client (botocore's scheme).

    Each retry spends one token; each successful call returns a fraction of one.
    When the bucket is empty, failures are raised at once instead of retried.
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
    rng: Callable[[float], float] | None = None,
) -> T:
    """Run ``attempt(time_left)`` until it succeeds or may not be retried.

    ``deadline`` is an absolute time on ``clock`` (monotonic). No pause is started that
    would end past the deadline; each attempt is told how much time is left.
    """
    import asyncio

    do_sleep = sleep or asyncio.sleep
    bounds = backoff_delays(policy)
    attempt_no = 0
    while True:
        attempt_no += 1
        left = deadline - clock()
        if left <= 0:
            raise MailkitTimeout("the call's deadline passed before an attempt could start")
        try:
            result = await attempt(left)
        except MailkitError as error:
            if attempt_no >= policy.max_attempts or not should_retry(error, idempotent=idempotent):
                raise
            retry_after = getattr(error, "retry_after", None)
            pause = next_delay(next(bounds), retry_after=retry_after, policy=policy, rng=rng)
            if clock() + pause >= deadline:
                raise
            if budget is not None and not budget.try_spend():
                raise
            if on_retry is not None:
                on_retry(attempt_no, error, pause)
            await do_sleep(pause)
            continue
        if budget is not None:
            budget.on_success()
        return result
