"""Observability (log lines, hooks, debug bodies) and per-client / per-call options."""

from __future__ import annotations

import asyncio
import logging

import pytest

from mailkit_async import (
    CallAttempt,
    CallFinished,
    CallHooks,
    ClientClosedError,
    HTTPStatusError,
    MailkitTimeout,
    RetryPolicy,
    Timeout,
)
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import TRANSPORTS, eventually
from tests.conftest import make_client

SAFE = "mailkit.campaigns.list"
UNSAFE = "mailkit.mailinglist.create"
FAST = RetryPolicy(max_attempts=3, initial_delay=0.01, max_delay=0.01)

pytestmark = pytest.mark.parametrize("transport", TRANSPORTS)


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "mailkit_async"]


async def test_one_debug_line_per_attempt_without_bodies(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mailkit_async")
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503))
        async with make_client(emu, transport, retry=FAST) as client:
            await client.call(SAFE)
            await client.call(UNSAFE, {"name": "Very Private List Name"})
    lines = _lines(caplog)
    assert len(lines) == 3
    assert lines[0].startswith(f"{SAFE} via {transport} attempt 1: HTTP 503, HTTPStatusError in ")
    assert "retry in" in lines[0]
    assert lines[1].startswith(f"{SAFE} via {transport} attempt 2: HTTP 200 in ")
    assert lines[2].startswith(f"{UNSAFE} via {transport} attempt 1: HTTP 200 in ")
    assert not any("Very Private" in line or "body" in line for line in lines)


async def test_debug_bodies_logs_redacted_bodies(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="mailkit_async")
    async with MailkitEmulator() as emu:
        async with make_client(emu, transport, debug_bodies=True) as client:
            await client.call(UNSAFE, {"name": "Visible List Name"})
        secret = emu.client_md5
    lines = _lines(caplog)
    request = [line for line in lines if "request body" in line]
    response = [line for line in lines if "response body" in line]
    assert len(request) == 1
    assert len(response) == 1
    assert "Visible List Name" in request[0]
    assert "***" in request[0]
    assert secret not in request[0]
    assert "1001" in response[0]  # the new list's ID


async def test_hooks_receive_attempt_and_call_events(transport: str) -> None:
    events: list[object] = []
    hooks = CallHooks(on_attempt=events.append, on_call=events.append)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(502))
        async with make_client(emu, transport, retry=FAST, hooks=hooks) as client:
            await client.call(SAFE)
            emu.faults.add(Fault.status(404))
            with pytest.raises(HTTPStatusError):
                await client.call(SAFE)
    first, second, finished, failed, failed_call = events
    assert isinstance(first, CallAttempt)
    assert isinstance(second, CallAttempt)
    assert (first.attempt, first.outcome, first.status, first.error) == (
        1,
        "error",
        502,
        "HTTPStatusError",
    )
    assert first.retry_in is not None
    assert first.transport == transport
    assert first.function == SAFE
    assert (second.attempt, second.outcome, second.status, second.error) == (2, "ok", 200, None)
    assert isinstance(finished, CallFinished)
    assert (finished.attempts, finished.outcome, finished.status, finished.error) == (
        2,
        "ok",
        200,
        None,
    )
    assert finished.duration >= first.duration + second.duration
    assert isinstance(failed, CallAttempt)
    assert failed.retry_in is None
    assert failed.status == 404
    assert isinstance(failed_call, CallFinished)
    assert (failed_call.outcome, failed_call.error, failed_call.attempts) == (
        "error",
        "HTTPStatusError",
        1,
    )


async def test_cancelled_call_is_reported(transport: str) -> None:
    events: list[object] = []
    hooks = CallHooks(on_attempt=events.append, on_call=events.append)
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(5.0))
        async with make_client(emu, transport, hooks=hooks) as client:
            task = asyncio.create_task(client.call(SAFE))
            await eventually(lambda: emu.requests)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
    attempt, finished = events
    assert isinstance(attempt, CallAttempt)
    assert attempt.outcome == "cancelled"
    assert isinstance(finished, CallFinished)
    assert finished.outcome == "cancelled"


async def test_a_failing_hook_is_logged_not_raised(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("hook bug")

    async with (
        MailkitEmulator() as emu,
        make_client(emu, transport, hooks=CallHooks(on_attempt=broken, on_call=broken)) as client,
    ):
        assert await client.call(SAFE) == []
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("hook failed" in w for w in warnings)


async def test_with_options_shares_connections_and_budget(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.stall(1.0, function=SAFE, times=None))
        client = make_client(emu, transport, retry=RetryPolicy(max_attempts=1))
        impatient = client.with_options(
            timeout=Timeout(read=0.1), retry=RetryPolicy(max_attempts=2, initial_delay=0.01)
        )
        assert impatient.transport is client.transport
        assert impatient._budget is client._budget
        assert impatient.mailinglist._client is impatient
        with pytest.raises(MailkitTimeout):
            await impatient.call(SAFE)
        assert len(emu.calls(SAFE)) == 2  # the copy's policy: two attempts
        assert client._budget.tokens == client._budget.capacity - 1  # one retry, shared budget
        session = client.transport.sender.session  # type: ignore[attr-defined]
        await impatient.aclose()
        assert impatient.closed
        assert not client.closed
        assert not session.closed
        with pytest.raises(ClientClosedError):
            await impatient.call(SAFE)
        emu.faults.clear()
        assert await client.call(SAFE) == []
        other = client.with_options(timeout=Timeout(read=5))
        await client.aclose()
        assert session.closed
        assert other.closed
        with pytest.raises(ClientClosedError):
            await other.call(SAFE)
        with pytest.raises(ClientClosedError):
            client.with_options()


async def test_per_call_overrides(transport: str) -> None:
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.status(503, times=2))
        async with make_client(emu, transport, retry=RetryPolicy(max_attempts=1)) as client:
            with pytest.raises(HTTPStatusError):
                await client.call(SAFE)
            assert await client.call(SAFE, retry=FAST) == []
            emu.faults.add(Fault.stall(1.0))
            with pytest.raises(MailkitTimeout):
                await client.call(SAFE, timeout=Timeout(read=0.1))
        assert len(emu.requests) == 4
