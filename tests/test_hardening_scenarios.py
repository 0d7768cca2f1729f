"""Reliability scenarios for single calls, over both transports, against the emulator.

Numbers refer to the scenarios in guides/reliability.md: 2 (refused then recovery,
DNS failure), 3 (pool-acquire timeout), 4 (read timeout after send), 6 (5xx storm,
Retry-After, retry budget), 8 (deadline discipline), 9 (auth failure), 12 (truncated
body). A safe call is ``mailkit.campaigns.list``; an unsafe one
``mailkit.mailinglist.create`` with a unique name.
"""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest

from mailkit_async import (
    AuthenticationError,
    CallAttempt,
    CallHooks,
    ConnectError,
    ConnectionLostError,
    HTTPStatusError,
    Limits,
    MailkitClient,
    MailkitTimeout,
    RequestNotSentError,
    RetryPolicy,
    Timeout,
)
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import (
    TRANSPORTS,
    assert_library_error,
    chain,
    eventually,
    free_port,
)
from tests.conftest import make_client

SAFE = "mailkit.campaigns.list"
UNSAFE = "mailkit.mailinglist.create"
FAST = RetryPolicy(max_attempts=3, initial_delay=0.02, max_delay=0.05)
_names = itertools.count()

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def unique_name() -> str:
    return f"list-{next(_names)}"


def creates(emu: MailkitEmulator, name: str) -> int:
    return sum(1 for r in emu.calls(UNSAFE) if r.params.get("name") == name)


# -- scenario 2: nothing was sent ---------------------------------------------------------


async def test_refused_then_recovery(transport: str) -> None:
    port = free_port()
    emu = MailkitEmulator(port=port)
    refused = asyncio.Event()
    attempts: list[CallAttempt] = []

    def on_attempt(event: CallAttempt) -> None:
        attempts.append(event)
        if event.error == "ConnectError":
            refused.set()

    async def open_port_later() -> None:
        await refused.wait()
        await emu.start()

    policy = RetryPolicy(max_attempts=8, initial_delay=0.3, max_delay=0.3)
    opener = asyncio.create_task(open_port_later())
    try:
        async with MailkitClient(
            emu.client_id,
            emu.client_md5,
            transport=transport,  # type: ignore[arg-type]
            base_url=f"http://127.0.0.1:{port}",
            retry=policy,
            timeout=Timeout(deadline=10.0),
            hooks=CallHooks(on_attempt=on_attempt),
        ) as client:
            name = unique_name()
            started = time.monotonic()
            await client.call(UNSAFE, {"name": name})
            elapsed = time.monotonic() - started
        await opener
        assert creates(emu, name) == 1
        assert attempts[0].error == "ConnectError"
        assert attempts[0].status is None
        assert attempts[-1].outcome == "ok"
        assert 2 <= len(attempts) <= policy.max_attempts
        assert elapsed <= 10.0
    finally:
        opener.cancel()
        await emu.aclose()


async def test_dns_failure_is_retried_then_raised_as_connect_error(transport: str) -> None:
    attempts: list[CallAttempt] = []
    async with MailkitClient(
        1,
        "0e6a9c4b1f2d3e5a7b8c9d0e1f2a3b4c",
        transport=transport,  # type: ignore[arg-type]
        base_url="https://mailkit-api.invalid",
        retry=RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.01),
        timeout=Timeout(connect=2.0, deadline=5.0),
        hooks=CallHooks(on_attempt=attempts.append),
    ) as client:
        with pytest.raises(ConnectError) as caught:
            await client.call(UNSAFE, {"name": unique_name()})
    assert isinstance(caught.value, RequestNotSentError)
    assert "mailkit-api.invalid" in str(caught.value)
    assert len(attempts) == 3  # an unsafe call, retried: nothing was sent
    assert_library_error(caught.value)


# -- scenario 3: pool-acquire timeout -------------------------------------------------------


async def test_pool_acquire_timeout_is_connect_error_and_pool_recovers(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(1.0, function=SAFE))
        client = make_client(
            emu,
            transport,
            limits=Limits(max_connections=1),
            timeout=Timeout(connect=0.15),
            retry=RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01),
        )
        async with client:
            blocker = asyncio.create_task(client.call(SAFE))
            await eventually(lambda: emu.calls(SAFE))
            name = unique_name()
            started = time.monotonic()
            with pytest.raises(ConnectError, match="pool wait"):
                await client.call(UNSAFE, {"name": name})
            assert time.monotonic() - started < 0.9  # two short waits, not the stall
            assert creates(emu, name) == 0  # the request never left
            assert await blocker == []
            # The slot is free again: the same unsafe call now goes through once.
            await client.call(UNSAFE, {"name": name})
            assert creates(emu, name) == 1
            connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
            assert not connector._acquired


async def test_pool_wait_then_success_sends_once(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(0.3, function=SAFE))
        client = make_client(
            emu,
            transport,
            limits=Limits(max_connections=1),
            timeout=Timeout(connect=0.1),
            retry=RetryPolicy(max_attempts=10, initial_delay=0.1, max_delay=0.1),
        )
        async with client:
            blocker = asyncio.create_task(client.call(SAFE))
            await eventually(lambda: emu.calls(SAFE))
            name = unique_name()
            await client.call(UNSAFE, {"name": name})
            await blocker
        assert creates(emu, name) == 1


# -- scenario 4: read timeout after send -------------------------------------------------


async def test_read_timeout_after_send_unsafe_not_retried(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(5.0, function=UNSAFE))
        async with make_client(emu, transport, timeout=Timeout(read=0.3), retry=FAST) as client:
            name = unique_name()
            started = time.monotonic()
            with pytest.raises(MailkitTimeout) as caught:
                await client.call(UNSAFE, {"name": name})
            elapsed = time.monotonic() - started
        assert 0.25 <= elapsed <= 0.3 + 1.0  # after sock_read, not total x attempts
        assert creates(emu, name) == 1
        assert not caught.value.repeat_safe
        assert_library_error(caught.value)


async def test_read_timeout_safe_call_retried(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(5.0, function=SAFE))
        async with make_client(emu, transport, timeout=Timeout(read=0.2), retry=FAST) as client:
            assert await client.call(SAFE) == []
        assert len(emu.calls(SAFE)) == 2


# -- scenario 6: 5xx storm ---------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408, 429])
async def test_storm_unsafe_call_attempted_once(transport: str, status: int) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(status, times=None))
        async with make_client(emu, transport, retry=FAST) as client:
            with pytest.raises(HTTPStatusError) as caught:
                await client.call(UNSAFE, {"name": unique_name()})
        assert caught.value.status == status
        assert str(status) in str(caught.value)
        assert len(emu.requests) == 1


async def test_storm_unsafe_call_retried_only_when_opted_in(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, times=2))
        policy = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.01, retry_unsafe=True)
        async with make_client(emu, transport, retry=policy) as client:
            await client.call(UNSAFE, {"name": unique_name()})
        assert len(emu.requests) == 3


async def test_storm_safe_call_retried_with_capped_jittered_backoff(transport: str) -> None:
    attempts: list[CallAttempt] = []
    policy = RetryPolicy(max_attempts=5, initial_delay=0.02, max_delay=0.04)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, times=None))
        async with make_client(
            emu, transport, retry=policy, hooks=CallHooks(on_attempt=attempts.append)
        ) as client:
            with pytest.raises(HTTPStatusError):
                await client.call(SAFE)
        assert len(emu.requests) == policy.max_attempts
    pauses = [a.retry_in for a in attempts if a.retry_in is not None]
    assert len(pauses) == policy.max_attempts - 1
    bounds = [0.02, 0.04, 0.04, 0.04]
    assert all(0.0 <= p <= b for p, b in zip(pauses, bounds, strict=True))
    assert attempts[-1].retry_in is None
    assert {a.status for a in attempts} == {503}


async def test_storm_retry_after_seconds_is_honoured(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, headers={"Retry-After": "1"}, times=1))
        async with make_client(emu, transport, retry=FAST) as client:
            started = time.monotonic()
            assert await client.call(SAFE) == []
            elapsed = time.monotonic() - started
        assert 0.95 <= elapsed < 2.0
        assert len(emu.requests) == 2


async def test_storm_retry_after_beyond_cap_stops_at_once(transport: str) -> None:
    policy = RetryPolicy(max_attempts=3, max_retry_after=5.0)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, headers={"Retry-After": "120"}, times=None))
        async with make_client(emu, transport, retry=policy) as client:
            started = time.monotonic()
            with pytest.raises(HTTPStatusError) as caught:
                await client.call(SAFE)
            assert time.monotonic() - started < 1.0
        assert caught.value.retry_after == 120.0
        assert len(emu.requests) == 1


async def test_storm_budget_caps_total_requests_across_concurrent_polls(transport: str) -> None:
    polls, budget = 50, 10
    policy = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.02, budget=budget)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, times=None))
        async with make_client(emu, transport, retry=policy) as client:
            results = await asyncio.gather(
                *(client.call(SAFE) for _ in range(polls)), return_exceptions=True
            )
        assert all(isinstance(r, HTTPStatusError) for r in results)
        assert len(emu.requests) <= polls * policy.max_attempts
        assert len(emu.requests) == polls + budget  # the budget, not the attempts, decided


# -- scenario 8: deadline discipline -----------------------------------------------------


async def test_deadline_bounds_the_whole_call(transport: str) -> None:
    attempts: list[CallAttempt] = []
    deadline, read = 1.0, 0.3
    policy = RetryPolicy(max_attempts=50, initial_delay=0.05, max_delay=0.1)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(30.0, function=SAFE, times=None))
        async with make_client(
            emu,
            transport,
            retry=policy,
            timeout=Timeout(read=read, deadline=deadline),
            hooks=CallHooks(on_attempt=attempts.append),
        ) as client:
            started = time.monotonic()
            with pytest.raises(MailkitTimeout):
                await client.call(SAFE)
            elapsed = time.monotonic() - started
    assert elapsed <= deadline + read + 0.1
    assert len(attempts) >= 3
    # No pause was started that would end past the deadline.
    spent = 0.0
    for event in attempts:
        spent += event.duration
        if event.retry_in is not None:
            assert spent + event.retry_in < deadline + 0.05
            spent += event.retry_in


async def test_attempt_timeouts_shrink_to_the_time_left(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(30.0, function=SAFE, times=None))
        timeout = Timeout(read=5.0, total=5.0, deadline=0.4)
        async with make_client(emu, transport, retry=FAST, timeout=timeout) as client:
            started = time.monotonic()
            with pytest.raises(MailkitTimeout):
                await client.call(SAFE)
            elapsed = time.monotonic() - started
    assert 0.35 <= elapsed <= 0.4 + 0.1  # the 5 s read limit was cut to the deadline
    assert len(emu.calls(SAFE)) == 1


# -- scenario 9: auth failure --------------------------------------------------------------


async def test_auth_failure_one_request_and_no_secret(transport: str) -> None:
    wrong = "f00dfeedf00dfeedf00dfeedf00dfeed"
    async with MailkitEmulator() as emu:
        async with MailkitClient(
            emu.client_id,
            wrong,
            transport=transport,  # type: ignore[arg-type]
            base_url=emu.url,
            retry=FAST,
        ) as client:
            with pytest.raises(AuthenticationError) as caught:
                await client.call(SAFE)
        assert len(emu.requests) == 1
    for link in chain(caught.value):
        for text in (str(link), repr(link), repr(link.args)):
            assert wrong not in text
    assert_library_error(caught.value)


# -- scenario 12: truncated body -----------------------------------------------------------


async def test_truncated_body_unsafe_outcome_unknown(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.truncate(function=UNSAFE))
        async with make_client(emu, transport, retry=FAST) as client:
            name = unique_name()
            with pytest.raises(ConnectionLostError) as caught:
                await client.call(UNSAFE, {"name": name})
            connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
            assert not connector._acquired
        assert creates(emu, name) == 1
        assert not caught.value.repeat_safe
        assert_library_error(caught.value)


async def test_truncated_body_safe_call_retried_and_pool_restored(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.truncate(function=SAFE))
        async with make_client(
            emu, transport, retry=FAST, limits=Limits(max_connections=2)
        ) as client:
            assert await client.call(SAFE) == []
            connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
            assert not connector._acquired
            # Both slots still usable at once.
            assert await asyncio.gather(client.call(SAFE), client.call(SAFE)) == [[], []]
        assert len(emu.calls(SAFE)) == 4
