"""Retry decisions (pure) and the retry loop with a fake clock."""

from __future__ import annotations

import pytest

from mailkit_async import (
    AuthenticationError,
    ConnectError,
    ConnectionLostError,
    HTTPStatusError,
    MailkitTimeout,
    RateLimitError,
    RetryPolicy,
)
from mailkit_async._exceptions import MailkitError
from mailkit_async._retry import RetryBudget, backoff_delays, next_delay, retry_call, should_retry


@pytest.mark.parametrize(
    ("error", "idempotent", "expected"),
    [
        (ConnectError("refused"), False, True),
        (ConnectError("refused"), True, True),
        (MailkitTimeout("slow"), True, True),
        (MailkitTimeout("slow"), False, False),
        (ConnectionLostError("reset"), False, False),
        (HTTPStatusError("503", status=503), True, True),
        (HTTPStatusError("503", status=503), False, False),
        (HTTPStatusError("404", status=404), True, False),
        (RateLimitError("Too many requests"), False, True),
        (AuthenticationError("Unauthorized"), True, False),
    ],
)
def test_should_retry(error: MailkitError, idempotent: bool, expected: bool) -> None:
    assert should_retry(error, idempotent=idempotent) is expected


def test_backoff_bounds_grow_and_cap() -> None:
    bounds = backoff_delays(RetryPolicy(initial_delay=0.5, max_delay=3.0))
    assert [next(bounds) for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_next_delay_full_jitter_and_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=10.0)
    assert next_delay(4.0, retry_after=None, policy=policy, rng=lambda b: b / 2) == 2.0
    assert 0.0 <= next_delay(4.0, retry_after=None, policy=policy) <= 4.0
    assert next_delay(4.0, retry_after=3.0, policy=policy) == 3.0
    assert next_delay(4.0, retry_after=10.0, policy=policy) == 10.0
    assert next_delay(4.0, retry_after=99.0, policy=policy) is None  # beyond the cap: stop


def test_budget_spends_and_refills() -> None:
    budget = RetryBudget(RetryPolicy(budget=2.0, budget_refill=0.5))
    assert budget.try_spend()
    assert budget.try_spend()
    assert not budget.try_spend()
    budget.on_success()
    budget.on_success()
    assert budget.try_spend()


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_retries_until_success() -> None:
    clock = FakeClock()
    outcomes: list[Exception | str] = [ConnectError("a"), ConnectError("b"), "ok"]

    async def attempt(left: float) -> str:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    result = await retry_call(
        attempt,
        idempotent=False,
        policy=RetryPolicy(max_attempts=3),
        deadline=200.0,
        sleep=clock.sleep,
        clock=clock,
        rng=lambda b: b,
    )
    assert result == "ok"
    assert clock.sleeps == [0.5, 1.0]


async def test_unsafe_call_not_retried_after_unknown_outcome() -> None:
    calls = 0

    async def attempt(left: float) -> str:
        nonlocal calls
        calls += 1
        raise ConnectionLostError("reset after send")

    with pytest.raises(ConnectionLostError):
        await retry_call(attempt, idempotent=False, policy=RetryPolicy(), deadline=1e12)
    assert calls == 1


async def test_no_sleep_past_the_deadline() -> None:
    clock = FakeClock()
    calls = 0

    async def attempt(left: float) -> str:
        nonlocal calls
        calls += 1
        raise MailkitTimeout("slow")

    with pytest.raises(MailkitTimeout):
        await retry_call(
            attempt,
            idempotent=True,
            policy=RetryPolicy(max_attempts=10, initial_delay=4.0),
            deadline=clock.now + 5.0,
            sleep=clock.sleep,
            clock=clock,
            rng=lambda b: b,
        )
    assert calls == 2
    assert sum(clock.sleeps) <= 5.0


async def test_deadline_already_passed() -> None:
    clock = FakeClock()

    async def attempt(left: float) -> str:
        raise AssertionError("must not run")

    with pytest.raises(MailkitTimeout, match="deadline"):
        await retry_call(
            attempt, idempotent=True, policy=RetryPolicy(), deadline=clock.now - 1, clock=clock
        )


async def test_empty_budget_stops_retries_and_on_retry_is_told() -> None:
    budget = RetryBudget(RetryPolicy(budget=1.0))
    seen: list[tuple[int, float]] = []
    calls = 0

    async def attempt(left: float) -> str:
        nonlocal calls
        calls += 1
        raise HTTPStatusError("503", status=503, retry_after=0.0)

    with pytest.raises(HTTPStatusError):
        await retry_call(
            attempt,
            idempotent=True,
            policy=RetryPolicy(max_attempts=5),
            deadline=1e12,
            budget=budget,
            on_retry=lambda n, e, p: seen.append((n, p)),
        )
    assert calls == 2
    assert seen == [(1, 0.0)]


async def test_a_pause_that_overruns_the_deadline_raises_the_last_error() -> None:
    clock = FakeClock()

    async def oversleep(seconds: float) -> None:
        clock.now += seconds + 10.0  # the event loop woke far too late

    async def attempt(left: float) -> str:
        raise ConnectError("refused")

    with pytest.raises(ConnectError, match="refused"):
        await retry_call(
            attempt,
            idempotent=False,
            policy=RetryPolicy(max_attempts=5),
            deadline=clock.now + 5.0,
            sleep=oversleep,
            clock=clock,
            rng=lambda b: b,
        )
