"""Pure retry decisions, Retry-After parsing, the budget and the loop under a fake clock."""

from __future__ import annotations

import email.utils
import time

import pytest

from mailkit_async import (
    FUNCTIONS,
    APIError,
    ConnectError,
    ConnectionLostError,
    HTTPStatusError,
    Limits,
    MailkitError,
    MailkitTimeout,
    MalformedResponseError,
    RateLimitError,
    RedirectError,
    RetryPolicy,
    Timeout,
    TLSError,
)
from mailkit_async._retry import (
    RetryBudget,
    parse_retry_after,
    plan_retry,
    retry_call,
    should_retry,
)

TRANSIENT = [408, 429, 500, 502, 503, 504]


@pytest.mark.parametrize("status", TRANSIENT)
def test_transient_statuses_retried_only_for_safe_calls(status: int) -> None:
    error = HTTPStatusError("x", status=status)
    assert should_retry(error, idempotent=True)
    assert not should_retry(error, idempotent=False)
    assert should_retry(error, idempotent=False, retry_unsafe=True)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 413, 501, 505])
def test_other_statuses_never_retried(status: int) -> None:
    assert not should_retry(HTTPStatusError("x", status=status), idempotent=True)


@pytest.mark.parametrize(
    ("error", "safe", "unsafe"),
    [
        (ConnectError("refused"), True, True),
        (TLSError("bad certificate"), False, False),
        (MailkitTimeout("slow"), True, False),
        (ConnectionLostError("reset"), True, False),
        (RedirectError("307", status=307, location_host="x"), False, False),
        (RateLimitError("Too many requests"), True, True),
        (APIError("Invalid ID_message"), False, False),
        (MalformedResponseError("garbled"), False, False),
    ],
)
def test_should_retry_by_safety(error: MailkitError, safe: bool, unsafe: bool) -> None:
    assert should_retry(error, idempotent=True) is safe
    assert should_retry(error, idempotent=False) is unsafe


def test_every_function_has_a_safety_class() -> None:
    assert FUNCTIONS
    for spec in FUNCTIONS.values():
        assert isinstance(spec.idempotent, bool)
    unknown = MailkitTimeout("slow")
    sends = [s for s in FUNCTIONS.values() if s.name.startswith("mailkit.sendmail")]
    assert sends
    for spec in sends:
        if not spec.name.endswith(".results"):
            assert not should_retry(unknown, idempotent=spec.idempotent), spec.name


def test_parse_retry_after() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("") is None
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(" 2.5 ") == 2.5
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after("-3") is None
    assert parse_retry_after("9" * 50) is None
    assert parse_retry_after("soon") is None
    assert parse_retry_after("٣") is None  # a non-ASCII digit
    future = email.utils.formatdate(now + 42, usegmt=True)
    assert parse_retry_after(future, now=now) == pytest.approx(42.0)
    past = email.utils.formatdate(now - 42, usegmt=True)
    assert parse_retry_after(past, now=now) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0.0


def test_plan_retry_respects_attempts_cap_and_deadline() -> None:
    policy = RetryPolicy(max_attempts=3, max_retry_after=10.0)
    error = HTTPStatusError("503", status=503)
    plan = {"idempotent": True, "policy": policy, "bound": 1.0, "now": 0.0, "rng": lambda b: b}
    assert plan_retry(error, 1, deadline=100.0, **plan) == 1.0  # type: ignore[arg-type]
    assert plan_retry(error, 3, deadline=100.0, **plan) is None  # type: ignore[arg-type]
    assert plan_retry(error, 1, deadline=1.0, **plan) is None  # type: ignore[arg-type]
    assert plan_retry(error, 1, deadline=0.5, **plan) is None  # type: ignore[arg-type]
    hinted = HTTPStatusError("503", status=503, retry_after=4.0)
    assert plan_retry(hinted, 1, deadline=100.0, **plan) == 4.0  # type: ignore[arg-type]
    too_long = HTTPStatusError("503", status=503, retry_after=11.0)
    assert plan_retry(too_long, 1, deadline=100.0, **plan) is None  # type: ignore[arg-type]
    assert (
        plan_retry(MailkitTimeout("x"), 1, deadline=100.0, **{**plan, "idempotent": False}) is None
    )  # type: ignore[arg-type]


def test_budget_is_botocore_like_and_bounded() -> None:
    budget = RetryBudget(RetryPolicy(budget=3.0, budget_refill=1.0))
    assert [budget.try_spend() for _ in range(4)] == [True, True, True, False]
    for _ in range(10):
        budget.on_success()
    assert budget.tokens == 3.0  # never above capacity
    assert "3/3" in repr(budget)


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=True)
    with pytest.raises(ValueError, match="initial_delay"):
        RetryPolicy(initial_delay=-1)
    with pytest.raises(ValueError, match="max_response_bytes"):
        Limits(max_response_bytes=0)
    with pytest.raises(ValueError, match="deadline"):
        Timeout(deadline=-5)


class FakeClock:
    """Monotonic time that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


async def test_loop_never_sleeps_past_the_deadline_and_ignores_the_wall_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = FakeClock()
    seen: list[tuple[int, str | None, float | None]] = []
    wall = [time.time()]

    def jumping_wall_clock() -> float:
        wall[0] += 3600.0 if len(seen) % 2 else -3600.0
        return wall[0]

    monkeypatch.setattr(time, "time", jumping_wall_clock)

    async def attempt(left: float) -> str:
        clock.now += min(0.3, left)  # each attempt uses up to 0.3 s of the time left
        raise MailkitTimeout("slow")

    deadline = clock.now + 2.0
    with pytest.raises(MailkitTimeout):
        await retry_call(
            attempt,
            idempotent=True,
            policy=RetryPolicy(max_attempts=100, initial_delay=0.2, max_delay=0.4),
            deadline=deadline,
            sleep=clock.sleep,
            clock=clock,
            on_attempt=lambda n, e, p: seen.append((n, type(e).__name__ if e else None, p)),
            rng=lambda bound: bound,
        )
    assert clock.now <= deadline
    assert seen[-1][2] is None
    assert len(seen) == len(clock.sleeps) + 1
    assert clock.sleeps == [0.2, 0.4, 0.4, 0.4][: len(clock.sleeps)]


async def test_loop_reports_every_attempt_and_refills_the_budget() -> None:
    clock = FakeClock()
    budget = RetryBudget(RetryPolicy(budget=5.0, budget_refill=0.5))
    outcomes: list[Exception | str] = [ConnectError("refused"), "ok"]
    seen: list[tuple[int, bool, float | None]] = []

    async def attempt(left: float) -> str:
        item = outcomes.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    result = await retry_call(
        attempt,
        idempotent=False,
        policy=RetryPolicy(),
        deadline=clock.now + 10,
        budget=budget,
        sleep=clock.sleep,
        clock=clock,
        on_attempt=lambda n, e, p: seen.append((n, e is None, p)),
        rng=lambda bound: bound / 2,
    )
    assert result == "ok"
    assert seen == [(1, False, 0.25), (2, True, None)]
    assert budget.tokens == 4.5
