"""Results polling: settle policy, saved state and resume, deadline discipline, poll errors."""

from __future__ import annotations

import json
import time
from typing import Any

import orjson
import pytest

from mailkit_async import (
    BulkJobState,
    BulkProgress,
    Outcome,
    RetryPolicy,
    SettlePolicy,
    poll_once,
)
from mailkit_async._bulk import settle
from mailkit_async.testing import Fault, MailkitEmulator

from .conftest import make_client, seed

SEND = "mailkit.sendmail_mass"
RESULTS = "mailkit.sendmail_mass.results"


def rows(emu: MailkitEmulator) -> list[dict[str, Any]]:
    emu.state.unsubscribe("gone@example.com")
    return [
        {"send_to": "a@example.com", "create_email": True},
        {"send_to": "gone@example.com", "create_email": True},
        {"send_to": "b@example.com", "create_email": True},
    ]


async def test_ok_while_processing_is_not_mistaken_for_finished(transport: str) -> None:
    async with MailkitEmulator(results_delay=0.4) as emu, make_client(emu, transport) as client:
        campaign, mailing_list = seed(emu)
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        assert sender.report.accepted == 3
        policy = SettlePolicy(
            first_delay=0.05,
            interval=0.05,
            multiplier=1.0,
            stable_polls=2,
            stable_window=0.5,
            deadline=5.0,
            jitter=0.0,
        )
        report = await sender.settle(policy)
    gone = {o.send_to: o for o in report.outcomes}["gone@example.com"]
    assert (gone.state, gone.error_code) == (Outcome.REJECTED, 6)
    assert (report.accepted, report.rejected) == (2, 1)
    (record,) = report.batches
    assert record.settled
    assert record.settled_by == "stable"
    assert record.id_send is not None
    assert len(emu.calls(RESULTS)) >= 4  # OK answers first, then the failure, then stable


async def test_without_a_stable_window_an_early_ok_would_settle_too_soon() -> None:
    # The counter-example the policy exists for: two quick OKs while still processing.
    async with MailkitEmulator(results_delay=0.4) as emu, make_client(emu) as client:
        campaign, mailing_list = seed(emu)
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        hasty = SettlePolicy(
            first_delay=0.0, interval=0.01, stable_polls=2, stable_window=0.0, jitter=0.0
        )
        report = await sender.settle(hasty)
    assert report.settled
    assert report.rejected == 0  # fooled by "OK": hence stable_window's default of 15 minutes


async def test_a_saved_state_settles_in_another_client(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(
            campaign, mailing_list, id_send="today", max_batch_recipients=2
        ) as sender:
            await sender.send_all(rows(emu))
        saved = json.dumps(sender.state.to_dict())
    assert emu.client_md5 not in saved
    state = BulkJobState.from_dict(json.loads(saved))
    assert state == sender.state
    async with make_client(emu, "xmlrpc") as other:
        report = await other.settle_bulk(
            state, policy=SettlePolicy(first_delay=0.0, interval=0.01, stable_window=0.0)
        )
    assert (report.accepted, report.rejected, report.unknown) == (2, 1, 0)
    assert report.settled
    assert len(emu.calls(SEND)) == 2  # settling never sends
    assert {r.request_id for r in state.batches} == {
        int(str(c.params["request_id"])) for c in emu.calls(RESULTS)
    }
    again = BulkJobState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert again == state


async def test_poll_once_waits_for_the_first_delay(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        state = sender.state
        (record,) = state.batches
        assert record.sent_at is not None
        policy = SettlePolicy(first_delay=1800.0, stable_polls=1, stable_window=0.0, jitter=0.0)
        early = await poll_once(client, state, policy=policy)
        assert (early.polled, early.pending) == (0, 1)
        assert early.next_due == pytest.approx(record.sent_at + 1800.0)
        assert not emu.calls(RESULTS)
        later = await poll_once(
            client,
            state,
            policy=policy,
            clock=lambda: record.sent_at + 1801.0,  # type: ignore[operator]
        )
    assert (later.polled, later.settled, later.pending, later.next_due) == (1, 1, 0, None)
    assert record.settled_by == "stable"
    assert len(emu.calls(RESULTS)) == 1


async def test_settle_never_sleeps_past_the_deadline(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        (record,) = sender.state.batches
        start = record.sent_at or 0.0
        now = [start]
        sleeps: list[tuple[float, float]] = []

        async def fake_sleep(seconds: float) -> None:
            sleeps.append((now[0], seconds))
            now[0] += seconds

        policy = SettlePolicy(
            first_delay=10.0,
            interval=7.0,
            multiplier=2.0,
            max_interval=40.0,
            stable_window=1e9,  # never stable: only the deadline can settle
            deadline=100.0,
            jitter=0.3,
        )
        await settle(client, sender.state, policy=policy, clock=lambda: now[0], sleep=fake_sleep)
    assert record.settled_by == "deadline"
    assert all(at + pause <= start + policy.deadline + 1e-6 for at, pause in sleeps)
    assert now[0] == pytest.approx(start + policy.deadline)
    assert sleeps[0][1] == pytest.approx(10.0)
    assert len(emu.calls(RESULTS)) == record.polls == len(sleeps)


async def test_settle_returns_by_its_real_deadline(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        (record,) = sender.state.batches
        policy = SettlePolicy(
            first_delay=0.0, interval=0.05, stable_window=1e9, deadline=0.3, jitter=0.0
        )
        await sender.settle(policy)
        finished = time.time()
    assert record.settled_by == "deadline"
    assert finished <= (record.sent_at or 0.0) + policy.deadline + 0.5


async def test_failed_polls_are_recorded_and_tried_again(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.status(503, function=RESULTS, times=2))
    async with make_client(emu, retry=RetryPolicy(max_attempts=1)) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        state = sender.state
        policy = SettlePolicy(first_delay=0.0, interval=0.01, stable_window=0.0, jitter=0.0)
        first = await poll_once(client, state, policy=policy)
        assert (first.polled, first.errors) == (1, 1)
        assert "503" in state.batches[0].last_error
        await settle(client, state, policy=policy)
    (record,) = state.batches
    assert record.settled_by == "stable"
    assert record.last_error == ""
    assert record.polls == 4  # two failures, then two identical answers
    assert len(emu.calls(RESULTS)) == 4
    assert sender.report.rejected == 1


async def test_batches_without_a_results_handle_settle_at_once(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.close_after_body(function=SEND))
    no_id = {"list": ["c@example.com"], "data": "OK", "error_status": 0}
    emu.faults.add(
        Fault.raw(orjson.dumps(no_id), content_type="application/json", process=True, function=SEND)
    )
    emu.faults.add(Fault.error("Unauthorized", function=SEND))
    seen: list[BulkProgress] = []
    async with make_client(emu) as client:
        async with client.bulk(
            campaign, mailing_list, max_batch_recipients=1, max_in_flight=1, on_progress=seen.append
        ) as sender:
            for address in ("a@example.com", "c@example.com", "d@example.com"):
                await sender.send({"send_to": address, "create_email": True})
        report = await sender.settle(SettlePolicy(first_delay=0.0))
    assert not emu.calls(RESULTS)
    assert [r.settled_by for r in report.batches] == ["final", "no_request_id", "final"]
    assert [r.status for r in report.batches] == ["unknown", "answered", "refused"]
    assert (report.accepted, report.rejected, report.unknown) == (1, 1, 1)
    assert seen[-1].batches_settled == 3


async def test_settle_reports_progress(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    seen: list[BulkProgress] = []
    async with make_client(emu) as client:
        async with client.bulk(
            campaign, mailing_list, max_batch_recipients=2, on_progress=seen.append
        ) as sender:
            await sender.send_all(rows(emu))
        before = len(seen)
        await sender.settle(SettlePolicy(first_delay=0.0, interval=0.01, stable_window=0.0))
    after = seen[before:]
    assert after
    assert after[-1].polls == len(emu.calls(RESULTS)) >= 4
    assert (after[-1].accepted, after[-1].rejected, after[-1].batches_settled) == (2, 1, 2)


async def test_a_client_closed_during_a_round_raises_instead_of_counting_a_poll(
    emu: MailkitEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailkit_async import ClientClosedError

    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(rows(emu))
        state = sender.state
        (record,) = state.batches

        async def closed(*args: object, **kwargs: object) -> None:
            raise ClientClosedError("the client is closed")

        monkeypatch.setattr(client, "sendmail_mass_results", closed)
        policy = SettlePolicy(first_delay=0.0, jitter=0.0)
        with pytest.raises(ClientClosedError):
            await poll_once(client, state, policy=policy)
    assert record.polls == 0
    assert record.settled_by != "deadline"
