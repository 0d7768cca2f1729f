"""Reliability scenarios 1-4, 21-23 and 25 for the bulk sender (at most once, always accounted)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections import Counter
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from mailkit_async import (
    BulkSender,
    CallAttempt,
    CallFinished,
    CallHooks,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    EncodeError,
    Limits,
    MailkitClient,
    MailkitError,
    MailkitTimeout,
    Outcome,
    OutcomeUnknownError,
    RecipientOutcome,
    RetryPolicy,
    SettlePolicy,
    Timeout,
)
from mailkit_async._types import WireValue
from mailkit_async.testing import Fault, MailkitEmulator

from .conftest import make_client, seed

SEND = "mailkit.sendmail_mass"
RESULTS = "mailkit.sendmail_mass.results"
FAST_SETTLE = SettlePolicy(
    first_delay=0.0, interval=0.02, multiplier=1.0, stable_polls=2, stable_window=0.0, jitter=0.0
)


def people(count: int, prefix: str = "user") -> list[dict[str, Any]]:
    return [{"send_to": f"{prefix}{i}@example.com", "create_email": True} for i in range(count)]


def sent(emu: MailkitEmulator) -> Counter[str]:
    return Counter(
        str(r["send_to"])
        for call in emu.calls(SEND)
        for r in call.params["recipients"]  # type: ignore[union-attr]
    )


def bulk_tasks() -> list[asyncio.Task[Any]]:
    """Tasks of the bulk engine still pending (batch runs, closing)."""
    names = ("BatchLimiter._execute", "BulkSender._shut_down")
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and any(n in repr(t.get_coro()) for n in names)
    ]


async def wait_for(predicate: Any, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


# -- scenario 1: the connection drops after the body was read -------------------------------


async def test_reset_after_the_body_was_read_is_unknown_and_never_resent(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.close_after_body(function=SEND))
    async with make_client(emu, transport) as client:
        async with client.bulk(campaign, mailing_list, max_batch_recipients=3) as sender:
            outcomes = await asyncio.gather(*(sender.send(r) for r in people(3)))
            later = await sender.send(people(1, "later")[0])
        await asyncio.sleep(0.3)  # a resend would have happened by now
    assert sent(emu) == Counter(r["send_to"] for r in people(3) + people(1, "later"))
    assert len(emu.calls(SEND)) == 2
    assert {o.state for o in outcomes} == {Outcome.UNKNOWN}
    assert len({o.batch_id for o in outcomes}) == 1
    error = outcomes[0].error
    assert isinstance(error, ConnectionLostError)
    assert isinstance(error, OutcomeUnknownError)
    assert isinstance(error, MailkitError)
    assert isinstance(error.__cause__, aiohttp.ClientError)
    assert outcomes[0].batch_id in sender.report.errors
    assert "outcome unknown" in outcomes[0].info
    assert later.state is Outcome.ACCEPTED
    unknown = sender.report.by_state(Outcome.UNKNOWN)
    assert sorted(o.send_to for o in unknown) == sorted(r["send_to"] for r in people(3))


# -- observability: bulk batches go through the client's call path -----------------------------


async def test_call_hooks_fire_once_per_bulk_batch(emu: MailkitEmulator, transport: str) -> None:
    campaign, mailing_list = seed(emu)
    attempts: list[CallAttempt] = []
    calls: list[CallFinished] = []
    hooks = CallHooks(on_attempt=attempts.append, on_call=calls.append)
    emu.faults.add(Fault.close_after_body(function=SEND))  # the first batch: answer lost
    async with (
        make_client(emu, transport, hooks=hooks) as client,
        client.bulk(campaign, mailing_list, max_batch_recipients=3, max_in_flight=1) as sender,
    ):
        await sender.send_all(people(8))
    assert len(emu.calls(SEND)) == 3  # 3 + 3 + 2 recipients, each call made once
    assert sent(emu) == Counter(r["send_to"] for r in people(8))
    assert [c.function for c in calls] == [SEND] * 3
    assert {(c.transport, c.attempts) for c in calls} == {(transport, 1)}
    assert [(c.outcome, c.error) for c in calls] == [
        ("error", "ConnectionLostError"),
        ("ok", None),
        ("ok", None),
    ]
    assert [(a.function, a.attempt, a.retry_in) for a in attempts] == [(SEND, 1, None)] * 3
    assert [a.status for a in attempts][1:] == [200, 200]
    report = sender.report
    assert (report.accepted, report.unknown) == (5, 3)


async def test_retry_unsafe_never_repeats_a_bulk_call(emu: MailkitEmulator) -> None:
    """A client that may repeat unsafe calls still sends a bulk batch at most once."""
    campaign, mailing_list = seed(emu)
    calls: list[CallFinished] = []
    create = "mailkit.mailinglist.create"
    emu.faults.add(Fault.close_after_body(function=SEND))
    emu.faults.add(Fault.status(503, function=SEND))
    emu.faults.add(Fault.status(503, function=create))
    policy = RetryPolicy(max_attempts=4, initial_delay=0.01, max_delay=0.01, retry_unsafe=True)
    async with make_client(emu, retry=policy, hooks=CallHooks(on_call=calls.append)) as client:
        async with client.bulk(campaign, mailing_list, linger=0.0, max_in_flight=1) as sender:
            lost = await sender.send(people(1, "lost")[0])
            busy = await sender.send(people(1, "busy")[0])
        # The same client does repeat an unsafe call after a 503: the policy is live.
        await client.call(create, {"name": "Retried"})
    assert lost.state is Outcome.UNKNOWN
    assert busy.state is Outcome.UNKNOWN  # a 503 may come after processing: not repeated
    assert len(emu.calls(SEND)) == 2  # one request per batch
    assert [(c.function, c.attempts) for c in calls] == [(SEND, 1), (SEND, 1), (create, 2)]
    assert len(emu.calls(create)) == 2


def chain_of(error: BaseException) -> list[BaseException]:
    """``error`` and every error it was raised from (causes and contexts)."""
    found: list[BaseException] = []
    stack = [error]
    while stack:
        current = stack.pop()
        if all(current is not seen for seen in found):
            found.append(current)
            stack += [e for e in (current.__cause__, current.__context__) if e is not None]
    return found


async def test_kept_batch_errors_hold_no_frames(emu: MailkitEmulator) -> None:
    """A failed batch's error is kept for the whole job: without tracebacks, so it keeps
    no frame alive, nor the request body (with the API secret) in the frames' locals."""
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.close_after_body(function=SEND))
    emu.faults.add(Fault.status(503, function=SEND))
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, linger=0.0, max_in_flight=1) as sender,
    ):
        lost = await sender.send(people(1, "lost")[0])
        busy = await sender.send(people(1, "busy")[0])
    assert (lost.state, busy.state) == (Outcome.UNKNOWN, Outcome.UNKNOWN)
    errors = list(sender.report.errors.values())
    assert [type(e).__name__ for e in errors] == ["ConnectionLostError", "HTTPStatusError"]
    chains = [chain_of(error) for error in errors]
    assert len(chains[0]) > 1  # the transport's own error is still chained, for diagnosis
    assert [e.__traceback__ for chain in chains for e in chain] == [None] * sum(map(len, chains))


async def test_a_call_that_cannot_be_encoded_is_reported_without_an_attempt(
    emu: MailkitEmulator, transport: str
) -> None:
    attempts: list[CallAttempt] = []
    calls: list[CallFinished] = []
    hooks = CallHooks(on_attempt=attempts.append, on_call=calls.append)
    recipients = [{"send_to": "a@example.com", "customs": {"tags": {"x"}}}]  # a set: no wire
    async with make_client(emu, transport, hooks=hooks) as client:
        with pytest.raises(EncodeError) as caught:
            await client.call(SEND, {"recipients": recipients})
    assert caught.value.function == SEND
    assert emu.requests == []
    assert attempts == []
    assert [(c.function, c.outcome, c.error, c.attempts) for c in calls] == [
        (SEND, "error", "EncodeError", 0)
    ]


async def test_an_encoded_call_needs_an_open_client_and_its_own_transport(
    emu: MailkitEmulator,
) -> None:
    async with make_client(emu) as client:
        body = client._encode("mailkit.campaigns.list", {})
        assert body is not None
        assert await client._call_encoded("mailkit.campaigns.list", body) == []
    with pytest.raises(ClientClosedError):
        await client._call_encoded("mailkit.campaigns.list", body)
    wrapped = WrappedTransport(client.transport)
    async with MailkitClient(emu.client_id, emu.client_md5, transport=wrapped) as custom:
        assert custom._encode("mailkit.campaigns.list", {}) is None
        with pytest.raises(ConfigurationError, match="own JSON or XML-RPC transport"):
            await custom._call_encoded("mailkit.campaigns.list", body)


class WrappedTransport:
    """A custom transport: it has no body to post, only calls."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    @property
    def name(self) -> str:
        return "wrapped"

    async def call(self, function: str, params: object, **kw: object) -> WireValue:
        raise AssertionError("not called")

    async def aclose(self) -> None:
        return None


# -- scenario 2: nothing was sent (refused, DNS), then recovery ---------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


RETRY = RetryPolicy(max_attempts=6, initial_delay=0.1, max_delay=0.2)
# Full jitter can make every pause close to zero; with enough attempts the emulator is
# always up before they run out, however slowly it starts on a loaded machine.
PATIENT = RetryPolicy(max_attempts=40, initial_delay=0.1, max_delay=0.2)


async def test_refused_connections_are_retried_then_sent_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    port = free_port()
    caplog.set_level(logging.DEBUG, logger="mailkit_async")
    timeout = Timeout(connect=0.5, read=2.0, total=3.0, deadline=5.0)
    async with MailkitClient(
        12345,
        MailkitEmulator.DEFAULT_CLIENT_MD5,
        base_url=f"http://127.0.0.1:{port}",
        retry=PATIENT,
        timeout=timeout,
    ) as client:
        started = time.monotonic()
        async with client.bulk(2001, 1001, linger=0.0) as sender:
            pending = asyncio.create_task(sender.send(people(1)[0]))
            await asyncio.sleep(0.25)  # at least one refused attempt
            async with MailkitEmulator(port=port) as emu:
                campaign, mailing_list = seed(emu)
                assert (campaign, mailing_list) == (2001, 1001)
                outcome = await pending
                elapsed = time.monotonic() - started
                assert outcome.state is Outcome.ACCEPTED
                assert sent(emu) == Counter(["user0@example.com"])
    # The client's own per-attempt DEBUG line: refused attempts, then the one that went out.
    attempts = [
        r.getMessage()
        for r in caplog.records
        if r.name == "mailkit_async" and r.getMessage().startswith(f"{SEND} via json attempt")
    ]
    failures, last = attempts[:-1], attempts[-1]
    assert 1 <= len(failures) <= PATIENT.max_attempts - 1
    assert all("ConnectError" in line and "retry in" in line for line in failures)
    assert f"attempt {len(attempts)}: HTTP 200" in last
    assert elapsed <= timeout.deadline


class FlakyResolver(AbstractResolver):
    """Fails the first ``failures`` lookups, then resolves every name to loopback."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.lookups = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.lookups += 1
        if self.lookups <= self.failures:
            raise OSError(f"cannot resolve {host}")
        return [
            ResolveResult(
                hostname=host, host="127.0.0.1", port=port, family=socket.AF_INET, proto=0, flags=0
            )
        ]

    async def close(self) -> None:
        return None


@pytest.mark.parametrize("failures", [2, 100])
async def test_dns_failures_are_retried_and_never_double_send(
    emu: MailkitEmulator, failures: int
) -> None:
    campaign, mailing_list = seed(emu)
    resolver = FlakyResolver(failures)
    connector = aiohttp.TCPConnector(resolver=resolver, use_dns_cache=False)
    async with (
        aiohttp.ClientSession(connector=connector) as session,
        MailkitClient(
            emu.client_id,
            emu.client_md5,
            base_url=f"http://mailkit.test:{emu.port}",
            allow_http=True,
            session=session,
            retry=RETRY,
            timeout=Timeout(connect=0.5, read=2.0, total=3.0, deadline=5.0),
        ) as client,
        client.bulk(campaign, mailing_list) as sender,
    ):
        outcome = await sender.send(people(1)[0])
    if failures < RETRY.max_attempts:
        assert outcome.state is Outcome.ACCEPTED
        assert resolver.lookups == failures + 1
        assert sent(emu) == Counter(["user0@example.com"])
    else:
        # Never left: rejected as not sent (safe to send again), never unknown.
        assert outcome.state is Outcome.REJECTED
        assert outcome.sent is False
        assert isinstance(outcome.error, ConnectError)
        assert resolver.lookups == RETRY.max_attempts
        assert not emu.calls(SEND)


# -- scenario 3: no free connection in the pool within the connect timeout ------------------------


async def test_pool_acquire_timeout_is_pre_send_and_retried(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.5, function="mailkit.mailinglist.list"))
    async with make_client(
        emu,
        limits=Limits(max_connections=1),
        timeout=Timeout(connect=0.15, read=2.0, total=3.0, deadline=5.0),
        retry=RetryPolicy(max_attempts=8, initial_delay=0.1, max_delay=0.15),
    ) as client:
        with pytest.raises(ConfigurationError, match="max_connections"):
            client.bulk(campaign, mailing_list, max_in_flight=2)
        hog = asyncio.create_task(client.mailinglist.list())
        await wait_for(lambda: emu.in_flight == 1)
        async with client.bulk(campaign, mailing_list, max_in_flight=1, linger=0.0) as sender:
            outcome = await sender.send(people(1)[0])
        await hog
        connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
        assert connector is not None
        assert not connector._acquired  # every slot back in the pool
    assert outcome.state is Outcome.ACCEPTED
    assert sent(emu) == Counter(["user0@example.com"])


# -- scenario 4: the answer never comes after the body was read ----------------------------------


async def test_read_timeout_after_send_is_unknown_without_retry(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.stall(5.0, function=SEND))
    read = 0.3
    async with (
        make_client(
            emu, transport, timeout=Timeout(connect=1.0, read=read, total=10.0, deadline=20.0)
        ) as client,
        client.bulk(campaign, mailing_list, linger=0.0) as sender,
    ):
        started = time.monotonic()
        outcome = await sender.send(people(1)[0])
        elapsed = time.monotonic() - started
    assert outcome.state is Outcome.UNKNOWN
    assert isinstance(outcome.error, MailkitTimeout)
    assert read <= elapsed <= read + 1.0
    assert len(emu.calls(SEND)) == 1


# -- scenario 21: a caller cancelled while queued ------------------------------------------------


async def test_cancel_before_send_removes_the_recipient(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    a, b, c = people(3)
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, linger=0.3) as sender,
    ):
        tasks = [asyncio.create_task(sender.send(r)) for r in (a, b, c)]
        await asyncio.sleep(0.05)
        assert sender.progress().queued == 3
        tasks[1].cancel()
        with pytest.raises(asyncio.CancelledError):
            await tasks[1]
        assert sender.progress().queued == 2
        first, third = await tasks[0], await tasks[2]
    assert sent(emu) == Counter([a["send_to"], c["send_to"]])
    assert len(emu.calls(SEND)) == 1
    assert first.state is third.state is Outcome.ACCEPTED
    (withdrawn,) = sender.report.by_state(Outcome.REJECTED)
    assert (withdrawn.send_to, withdrawn.sent) == (b["send_to"], False)
    assert sender.report.total == 3


async def test_cancelled_send_all_withdraws_what_is_still_queued(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.3, function=SEND))
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, max_batch_recipients=5, max_in_flight=1) as sender,
    ):
        task = asyncio.create_task(sender.send_all(people(15)))
        await wait_for(lambda: emu.in_flight == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    report = sender.report
    assert len(emu.calls(SEND)) == 1
    assert sum(sent(emu).values()) == 5
    assert report.accepted == 5
    assert report.rejected == 10
    assert all(not o.sent for o in report.by_state(Outcome.REJECTED))


# -- scenario 22: cancelled while the call is in flight --------------------------------------------


async def test_cancelled_caller_does_not_cancel_the_call(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.3, function=SEND))
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, linger=0.0) as sender,
    ):
        task = asyncio.create_task(sender.send(people(1)[0]))
        await wait_for(lambda: emu.in_flight == 1)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.1
    # Leaving the block waited for the call in flight: its outcome was learned.
    (outcome,) = sender.report.outcomes
    assert outcome.state is Outcome.ACCEPTED
    assert len(emu.calls(SEND)) == 1
    assert not bulk_tasks()


async def test_cancelled_block_gives_in_flight_calls_close_timeout_then_unknown(
    emu: MailkitEmulator,
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.stall(5.0, function=SEND))
    holder: list[BulkSender] = []

    async def job(client: MailkitClient) -> None:
        async with client.bulk(
            campaign, mailing_list, max_batch_recipients=2, max_in_flight=1, close_timeout=0.2
        ) as sender:
            holder.append(sender)
            await sender.send_all(people(6))

    async with make_client(emu) as client:
        task = asyncio.create_task(job(client))
        await wait_for(lambda: emu.in_flight == 1)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 0.2 + 0.1
        assert not bulk_tasks()
    report = holder[0].report
    assert len(emu.calls(SEND)) == 1
    unknown = report.by_state(Outcome.UNKNOWN)
    assert len({o.batch_id for o in unknown}) == 1
    assert Counter(o.send_to for o in unknown) == sent(emu)  # exactly the call in flight
    assert "cancelled" in unknown[0].info
    assert report.rejected == 4
    assert all(not o.sent for o in report.by_state(Outcome.REJECTED))
    assert report.total == 6


# -- scenario 23: graceful close ------------------------------------------------------------


async def test_close_flushes_queued_and_refuses_new_recipients(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.1, function=SEND, times=None))
    async with make_client(emu, transport) as client:
        sender = client.bulk(
            campaign, mailing_list, max_batch_recipients=2, max_in_flight=1, linger=5.0
        )
        tasks = [asyncio.create_task(sender.send(r)) for r in people(6)]
        await wait_for(lambda: emu.in_flight == 1)
        assert sender.progress().queued == 4
        closers = [asyncio.create_task(sender.aclose()) for _ in range(2)]
        await asyncio.sleep(0)
        with pytest.raises(ClientClosedError):
            await sender.send(people(1, "late")[0])
        await asyncio.gather(*closers)
        await sender.aclose()  # idempotent
        outcomes = await asyncio.gather(*tasks)
        session = client.transport.sender.session  # type: ignore[attr-defined]
    assert {o.state for o in outcomes} == {Outcome.ACCEPTED}
    assert sent(emu) == Counter(r["send_to"] for r in people(6))
    assert session is not None
    assert session.closed
    assert not bulk_tasks()


async def test_close_timeout_cancels_calls_in_flight_and_skips_queued(
    emu: MailkitEmulator,
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.stall(5.0, function=SEND))
    async with make_client(emu) as client:
        sender = client.bulk(
            campaign,
            mailing_list,
            max_batch_recipients=2,
            max_in_flight=1,
            linger=5.0,
            close_timeout=0.2,
        )
        tasks = [asyncio.create_task(sender.send(r)) for r in people(6)]
        await wait_for(lambda: emu.in_flight == 1)
        started = time.monotonic()
        await sender.aclose()
        assert time.monotonic() - started < 0.2 + 0.2
        outcomes = await asyncio.gather(*tasks)
    states = Counter(o.state for o in outcomes)
    assert states == {Outcome.UNKNOWN: 2, Outcome.REJECTED: 4}
    assert all(not o.sent for o in outcomes if o.state is Outcome.REJECTED)
    assert len(emu.calls(SEND)) == 1
    assert not bulk_tasks()


@pytest.mark.parametrize("on_error", ["discard", "flush"])
async def test_exception_in_the_block_discards_or_flushes_queued(
    emu: MailkitEmulator, on_error: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.1, function=SEND))
    tasks: list[asyncio.Task[RecipientOutcome]] = []

    async def block(client: MailkitClient) -> None:
        async with client.bulk(
            campaign,
            mailing_list,
            max_batch_recipients=2,
            max_in_flight=1,
            linger=5.0,
            on_error=on_error,
        ) as sender:
            tasks.extend(asyncio.create_task(sender.send(r)) for r in people(5))
            await wait_for(lambda: emu.in_flight == 1)
            raise RuntimeError("boom")

    async with make_client(emu) as client:
        with pytest.raises(RuntimeError, match="boom"):
            await block(client)
        outcomes = await asyncio.gather(*tasks)
    states = Counter(o.state for o in outcomes)
    if on_error == "discard":
        assert states == {Outcome.ACCEPTED: 2, Outcome.REJECTED: 3}
        assert sum(sent(emu).values()) == 2
        assert all("RuntimeError" in o.info for o in outcomes if o.state is Outcome.REJECTED)
    else:
        assert states == {Outcome.ACCEPTED: 5}
        assert sent(emu) == Counter(r["send_to"] for r in people(5))


# -- scenario 25: partial failure, results out of order, no cross-talk -----------------------------


async def test_one_bad_recipient_does_not_fail_the_others_and_results_match_by_address(
    emu: MailkitEmulator,
) -> None:
    campaign, mailing_list = seed(emu)
    emu.state.unsubscribe("gone@example.com")
    rows = [
        *people(2),
        {"send_to": "gone@example.com", "create_email": True},
        {"send_to": "not-an-address", "create_email": True},
        *people(2, "other"),
    ]
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows)
        assert sender.report.accepted == 6  # the answer listed everyone
        (request,) = emu.state.mass_requests.values()
        rows_out = [
            {
                "EMAIL": o.email.upper(),
                "ERROR_CODE": o.error_code,
                "INFO": o.info,
                "ID_SEND": o.send_id,
                "ID_EMAIL": o.email_id,
                "ID_SEND_MESSAGE": o.send_message_id,
                "DATE": "2024-08-22 16:12:33",
            }
            for o in reversed(request.failures)
        ]
        answer = {"results": rows_out, "status": "ERROR", "error_status": 1}
        emu.faults.add(
            Fault.raw(
                orjson.dumps(answer),
                content_type="application/json",
                function=RESULTS,
                times=None,
            )
        )
        report = await sender.settle(FAST_SETTLE)
    by_address = {o.send_to: o for o in report.outcomes}
    assert by_address["gone@example.com"].state is Outcome.REJECTED
    assert by_address["gone@example.com"].error_code == 6
    assert by_address["not-an-address"].error_code == 2
    assert {by_address[r["send_to"]].state for r in people(2) + people(2, "other")} == {
        Outcome.ACCEPTED
    }
    assert (report.accepted, report.rejected, report.unknown) == (4, 2, 0)
    assert len(emu.calls(SEND)) == 1


async def test_twenty_concurrent_batches_do_not_cross_talk(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.05, function=SEND, times=None))
    rows = []
    for batch in range(20):
        rows.extend(people(4, f"b{batch}-"))
        emu.state.unsubscribe(f"b{batch}-gone@example.com")
        rows.append({"send_to": f"b{batch}-gone@example.com", "create_email": True})
    async with make_client(emu, transport) as client:
        async with client.bulk(
            campaign, mailing_list, max_batch_recipients=5, max_in_flight=20, linger=0.02
        ) as sender:
            outcomes = await asyncio.gather(*(sender.send(r) for r in rows))
        report = await sender.settle(FAST_SETTLE)
    assert [o.send_to for o in outcomes] == [r["send_to"] for r in rows]
    assert len(emu.calls(SEND)) == 20
    assert emu.peak_in_flight_for(SEND) > 1
    final = {o.send_to: o for o in report.outcomes}
    for row in rows:
        outcome = final[row["send_to"]]
        if "gone" in row["send_to"]:
            assert (outcome.state, outcome.error_code) == (Outcome.REJECTED, 6)
        else:
            assert outcome.state is Outcome.ACCEPTED
    batch_of = {o.send_to: (o.batch_id, o.request_id) for o in report.outcomes}
    groups = [
        {batch_of[f"b{batch}-{name}@example.com"] for name in ("0", "1", "2", "3", "gone")}
        for batch in range(20)
    ]
    assert all(len(group) == 1 for group in groups)
    assert len(set.union(*groups)) == 20
    assert sum(sent(emu).values()) == 100
