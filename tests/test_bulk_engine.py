"""The bulk sender against the emulator: batching, grouping, limits, accounting, progress."""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import orjson
import pytest

from mailkit_async import (
    AuthenticationError,
    BulkProgress,
    ClientClosedError,
    ConfigurationError,
    Credentials,
    EncodeError,
    JsonWire,
    MailkitClient,
    Outcome,
    RpcTransport,
    Secret,
    Timeout,
)
from mailkit_async._bulk._engine import _CHUNK
from mailkit_async._catalog import spec_for
from mailkit_async._types import WireValue
from mailkit_async.models import MassRecipient
from mailkit_async.testing import Fault, MailkitEmulator

from ._hardening_support import eventually
from ._support import collector_off
from .conftest import make_client, seed

SEND = "mailkit.sendmail_mass"


def people(count: int, prefix: str = "user") -> list[dict[str, Any]]:
    return [{"send_to": f"{prefix}{i}@example.com", "create_email": True} for i in range(count)]


def sent(emu: MailkitEmulator) -> list[str]:
    """Every address the emulator received in a sendmail_mass call, in arrival order."""
    return [str(r["send_to"]) for call in emu.calls(SEND) for r in call.params["recipients"]]  # type: ignore[union-attr]


async def test_send_all_takes_iterables_and_async_iterables(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)

    async def stream() -> AsyncIterator[dict[str, Any]]:
        for row in people(7, "async"):
            await asyncio.sleep(0)
            yield row

    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, max_batch_recipients=5) as sender,
    ):
        report = await sender.send_all(people(12))
        assert report.accepted == 12
        await sender.send_all(stream())
        await sender.send_all(iter([]))
    assert sorted(sent(emu)) == sorted(r["send_to"] for r in people(12) + people(7, "async"))
    assert all(len(call.params["recipients"]) <= 5 for call in emu.calls(SEND))  # type: ignore[arg-type]
    report = sender.report
    assert (report.accepted, report.rejected, report.unknown, report.pending) == (19, 0, 0, 0)
    assert sorted(o.send_to for o in report.outcomes) == sorted(sent(emu))
    assert all(o.request_id is not None and o.sent for o in report.outcomes)


async def test_one_at_a_time_submitters_share_calls_and_get_their_own_outcome(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, linger=0.05) as sender,
    ):
        rows = people(25)
        outcomes = await asyncio.gather(*(sender.send(row) for row in rows))
    assert [o.send_to for o in outcomes] == [r["send_to"] for r in rows]
    assert {o.state for o in outcomes} == {Outcome.ACCEPTED}
    assert len(emu.calls(SEND)) == 1  # lingering put all 25 in one call
    assert Counter(sent(emu)) == Counter(r["send_to"] for r in rows)


async def test_recipients_are_grouped_per_campaign_and_list(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    other_campaign = emu.state.add_campaign("Other", "Hi")
    other_list = emu.state.add_mailing_list("Other")
    rows: list[Any] = [
        {"send_to": "a@example.com", "create_email": True},
        {"send_to": "b@example.com", "create_email": True, "campaign_id": other_campaign},
        MassRecipient("c@example.com", create_email=True),
        {"send_to": "d@example.com", "create_email": True, "mailinglist_id": str(other_list)},
        {"send_to": "e@example.com", "create_email": True, "campaign_id": other_campaign},
    ]
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        await sender.send_all(rows)
    calls = {
        (c.params["recipients"][0]["campaign_id"], c.params["recipients"][0]["mailinglist_id"]): [  # type: ignore[index]
            r["send_to"]
            for r in c.params["recipients"]  # type: ignore[union-attr]
        ]
        for c in emu.calls(SEND)
    }
    assert calls == {
        (campaign, mailing_list): ["a@example.com", "c@example.com"],
        (other_campaign, mailing_list): ["b@example.com", "e@example.com"],
        (campaign, other_list): ["d@example.com"],
    }
    for call in emu.calls(SEND):
        assert len({r["campaign_id"] for r in call.params["recipients"]}) == 1  # type: ignore[union-attr]
    by_address = {o.send_to: o for o in sender.report.outcomes}
    assert by_address["b@example.com"].campaign_id == other_campaign
    assert sender.report.accepted == 5


async def test_batches_are_split_by_encoded_size(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    limit = 4000
    rows = [{**row, "subject": "x" * 200} for row in people(60)]
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, max_batch_bytes=limit) as sender,
    ):
        await sender.send_all(rows)
    wire = JsonWire()
    spec = spec_for(SEND)
    sizes = [
        len(wire.encode_call(SEND, spec, emu.client_id, emu.client_md5, dict(c.params)))
        for c in emu.calls(SEND)
    ]
    assert len(sizes) > 3
    assert max(sizes) <= limit
    assert Counter(sent(emu)) == Counter(r["send_to"] for r in rows)


async def test_a_recipient_the_wire_cannot_carry_is_isolated_and_others_keep_theirs(
    emu: MailkitEmulator, transport: str
) -> None:
    """fit_batch splits the batch; every submitter still gets its own recipient's outcome."""
    campaign, mailing_list = seed(emu)
    bad = {"send_to": "bad@example.com", "customs": {"tags": {"a", "b"}}}  # a set: no wire
    rows = [*people(4, "all")[:3], bad, *people(6, "all")[3:]]
    singles: list[asyncio.Task[Any]] = []
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, linger=0.5, max_batch_recipients=50) as sender,
    ):

        async def stream() -> AsyncIterator[dict[str, Any]]:
            for position, row in enumerate(rows):
                if position == 5:  # one-at-a-time callers join the same batch here
                    singles.extend(
                        asyncio.create_task(sender.send(one)) for one in people(3, "one")
                    )
                    await asyncio.sleep(0)
                yield row

        await sender.send_all(stream())
        outcomes = await asyncio.gather(*singles)
    (call,) = [c for c in emu.calls(SEND) if "one0@example.com" in str(c.params)]
    assert [r["send_to"] for r in call.params["recipients"]][:3] == [  # type: ignore[index]
        f"one{i}@example.com" for i in range(3)
    ]  # they went in a part of their own batch, after the bad one was split off
    assert [o.send_to for o in outcomes] == [f"one{i}@example.com" for i in range(3)]
    assert {o.state for o in outcomes} == {Outcome.ACCEPTED}
    by_address = {o.send_to: o for o in sender.report.outcomes}
    assert by_address["bad@example.com"].state is Outcome.REJECTED
    assert by_address["bad@example.com"].sent is False
    assert by_address["bad@example.com"].info.startswith("not sent:")
    assert isinstance(by_address["bad@example.com"].error, EncodeError)
    assert sender.report.accepted == 9
    assert Counter(sent(emu)) == Counter(
        r["send_to"] for r in rows + people(3, "one") if r is not bad
    )


async def test_at_most_k_calls_in_flight(emu: MailkitEmulator, transport: str) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.05, function=SEND, times=None))
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, max_batch_recipients=3, max_in_flight=2) as sender,
    ):
        await sender.send_all(people(30))
    assert emu.peak_in_flight_for(SEND) == 2
    assert len(emu.calls(SEND)) == 10
    assert sender.report.accepted == 30


async def test_recipient_structs_are_freed_while_their_call_is_in_flight(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.3, function=SEND))
    marker = {"custom1": "in-flight marker"}

    def rows(start: int, stop: int) -> Iterator[dict[str, Any]]:
        for i in range(start, stop):
            yield {"send_to": f"freed{i}@example.com", "create_email": True, "customs": marker}

    def wire_structs_alive() -> int:
        # No gc.collect(): the structs must go by reference counting alone, not wait
        # for the collector to find them in a cycle.
        return sum(
            1
            for o in gc.get_objects()
            if type(o) is dict and o.get("customs") is marker and "campaign_id" in o
        )

    gc.collect()
    with collector_off():
        async with (
            make_client(emu, transport) as client,
            client.bulk(campaign, mailing_list, max_batch_recipients=4) as sender,
        ):
            # Two one-at-a-time submitters and a send_all share one call.
            singles = [asyncio.create_task(sender.send(row)) for row in rows(0, 2)]
            await asyncio.sleep(0)
            sending = asyncio.create_task(sender.send_all(rows(2, 4)))
            await eventually(lambda: emu.in_flight)
            # The call is under way: its body and addresses are kept, its structs are not.
            alive = wire_structs_alive()
            outcomes = await asyncio.gather(*singles)
            await sending
    assert alive == 0
    assert [o.state for o in outcomes] == [Outcome.ACCEPTED, Outcome.ACCEPTED]
    assert len(emu.calls(SEND)) == 1
    assert sender.report.accepted == 4
    assert sorted(sent(emu)) == [f"freed{i}@example.com" for i in range(4)]


async def test_producers_wait_while_the_queue_is_full(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.delay(0.02, function=SEND, times=None))
    snapshots: list[BulkProgress] = []
    produced = 0
    ahead: list[int] = []

    def rows() -> Iterator[dict[str, Any]]:
        nonlocal produced
        for row in people(600):
            produced += 1
            if snapshots:
                last = snapshots[-1]
                ahead.append(produced - (last.accepted + last.rejected + last.unknown))
            yield row

    async with (
        make_client(emu) as client,
        client.bulk(
            campaign,
            mailing_list,
            max_batch_recipients=10,
            max_queued=20,
            max_in_flight=2,
            on_progress=snapshots.append,
        ) as sender,
    ):
        await sender.send_all(rows())
    assert max(s.queued for s in snapshots) <= 20
    assert max(s.in_flight for s in snapshots) <= 2
    # Never more read ahead than the queue, the calls in flight and one prepared chunk.
    assert max(ahead) <= 20 + 2 * 10 + 128
    assert sender.report.accepted == 600
    assert Counter(sent(emu)) == Counter(r["send_to"] for r in people(600))


async def test_the_same_address_twice_goes_in_separate_calls(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    rows = [
        {"send_to": "a@example.com", "create_email": True, "subject": "first"},
        {"send_to": "b@example.com", "create_email": True},
        {"send_to": " A@Example.com", "create_email": True, "subject": "second"},
        {"send_to": "a@example.com", "create_email": True, "subject": "third"},
    ]
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        await sender.send_all(rows)
    calls = [[r.get("subject") for r in c.params["recipients"]] for c in emu.calls(SEND)]  # type: ignore[union-attr]
    assert calls == [["first", None], ["second"], ["third"]]
    outcomes = sender.report.outcomes
    assert len(outcomes) == 4
    assert len({o.batch_id for o in outcomes}) == 3
    assert {o.state for o in outcomes} == {Outcome.ACCEPTED}


async def test_an_address_missing_from_the_answer_is_unknown(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    answer = {"list": ["b@example.com"], "data": "OK", "request_id": "99", "error_status": 0}
    emu.faults.add(
        Fault.raw(
            orjson.dumps(answer), content_type="application/json", process=True, function=SEND
        )
    )
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        await sender.send_all([*people(1, "a"), {"send_to": "b@example.com"}])
    by_address = {o.send_to: o for o in sender.report.outcomes}
    assert by_address["a0@example.com"].state is Outcome.UNKNOWN
    assert "not in the list" in by_address["a0@example.com"].info
    assert by_address["b@example.com"].state is Outcome.ACCEPTED
    assert by_address["b@example.com"].request_id == 99
    assert len(emu.calls(SEND)) == 1


async def test_mailkit_refusing_the_call_rejects_its_recipients(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    emu.faults.add(Fault.error("Invalid ID_message", function=SEND))
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, max_batch_recipients=2) as sender,
    ):
        await sender.send_all(people(4))
    refused = [o for o in sender.report.outcomes if o.state is Outcome.REJECTED]
    assert len(refused) == 2
    assert {o.info for o in refused} == {"Invalid ID_message"}
    assert all(o.sent and o.error_code is None for o in refused)
    assert sender.report.accepted == 2
    assert len(emu.calls(SEND)) == 2  # a refused call is not repeated


async def test_wrong_credentials_reject_without_a_retry(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with (
        MailkitClient(emu.client_id, "0" * 32, base_url=emu.url, transport="xmlrpc") as client,
        client.bulk(campaign, mailing_list) as sender,
    ):
        outcome = await sender.send(people(1)[0])
    assert outcome.state is Outcome.REJECTED
    assert isinstance(outcome.error, AuthenticationError)
    assert outcome.info == "Unauthorized"
    assert len(emu.calls(SEND)) == 1
    assert "0" * 32 not in repr(sender.report.state.to_dict())


async def test_id_send_today_is_sent_as_an_option(emu: MailkitEmulator, transport: str) -> None:
    campaign, mailing_list = seed(emu)
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list, id_send="today", max_batch_recipients=2) as sender,
    ):
        await sender.send_all(people(4))
    assert [c.params["options"] for c in emu.calls(SEND)] == [{"id_send": "today"}] * 2
    assert len(emu.state.deliveries) == 1  # merged into the day's delivery
    assert sender.state.id_send == "today"


async def test_progress_reaches_the_callback_and_the_stream(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    seen: list[BulkProgress] = []
    streamed: list[BulkProgress] = []
    async with make_client(emu) as client:
        sender = client.bulk(
            campaign, mailing_list, max_batch_recipients=4, on_progress=seen.append
        )

        async def watch() -> None:
            async for snapshot in sender.events():
                streamed.append(snapshot)

        watcher = asyncio.create_task(watch())
        async with sender:
            await asyncio.sleep(0)
            await sender.send_all(people(10))
        await asyncio.wait_for(watcher, 1)
    final = seen[-1]
    assert final.closed
    assert (final.accepted, final.batches_built, final.batches_sent, final.queued) == (10, 3, 3, 0)
    assert final.submitted == 10
    assert streamed[-1] == final
    assert [s.accepted for s in streamed] == sorted(s.accepted for s in streamed)
    assert any(s.in_flight > 0 and s.in_flight_recipients > 0 for s in seen)
    assert sender.progress() == final


async def test_keep_outcomes_false_keeps_counts_and_problems_only(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    answer = {"list": ["x1@example.com"], "data": "OK", "request_id": "5", "error_status": 0}
    emu.faults.add(
        Fault.raw(
            orjson.dumps(answer), content_type="application/json", process=True, function=SEND
        )
    )
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, keep_outcomes=False, max_batch_recipients=2) as sender,
    ):
        await sender.send_all(people(2, "x") + people(4, "y"))
    report = sender.report
    assert (report.accepted, report.unknown, report.total) == (5, 1, 6)
    assert [o.send_to for o in report.outcomes] == ["x0@example.com"]
    assert all(record.recipients == () for record in report.batches)


async def test_closed_sender_refuses_new_recipients(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send(people(1)[0])
        assert sender.closed
        with pytest.raises(ClientClosedError):
            await sender.send(people(1)[0])
        with pytest.raises(ClientClosedError):
            await sender.send_all(people(2))
        with pytest.raises(ClientClosedError):
            async with sender:
                pass
    assert len(emu.calls(SEND)) == 1


async def test_a_bad_recipient_stops_send_all_and_nothing_is_sent_twice(
    emu: MailkitEmulator,
) -> None:
    campaign, mailing_list = seed(emu)
    rows: list[Any] = [*people(3), {"send_to": "x@example.com", "typo": True}, *people(3, "late")]
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, linger=1.0) as sender,
    ):
        with pytest.raises(ConfigurationError, match="typo"):
            await sender.send_all(rows)
        await sender.send(people(1, "after")[0])
    report = sender.report
    assert Counter(sent(emu)) == Counter(["after0@example.com"])
    withdrawn = report.by_state(Outcome.REJECTED)
    assert sorted(o.send_to for o in withdrawn) == sorted(r["send_to"] for r in people(3))
    assert all(not o.sent for o in withdrawn)
    assert report.accepted == 1


async def test_send_all_reads_a_bad_recipients_step_and_no_further(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    step = _CHUNK
    bad = {"send_to": "x@example.com", "typo": True}
    rows = iter([*people(3), bad, *people(step + 10, "late")])
    async with (
        make_client(emu) as client,
        client.bulk(campaign, mailing_list, linger=1.0) as sender,
    ):
        with pytest.raises(ConfigurationError, match="typo"):
            await sender.send_all(rows)
    # The bad recipient's step was read whole; the rest of the iterable was not.
    assert next(rows) == people(step + 10, "late")[step - 4]
    assert sent(emu) == []
    assert sender.report.total == 3  # the three before it, withdrawn


async def test_none_members_of_plain_dicts_are_left_out(
    emu: MailkitEmulator, transport: str
) -> None:
    campaign, mailing_list = seed(emu)
    rows = [{**row, "subject": None, "create_email": None} for row in people(3)]
    async with (
        make_client(emu, transport) as client,
        client.bulk(campaign, mailing_list) as sender,
    ):
        report = await sender.send_all(rows)
    assert report.accepted == 3
    received = [r for call in emu.calls(SEND) for r in call.params["recipients"]]  # type: ignore[union-attr]
    assert [sorted(r) for r in received] == [["campaign_id", "mailinglist_id", "send_to"]] * 3  # type: ignore[arg-type]
    assert rows[0]["subject"] is None  # the caller's dicts are not changed


class WrappedTransport:
    """A custom transport (not an RpcTransport): bulk sends go through client.call."""

    def __init__(self, inner: RpcTransport) -> None:
        self.inner = inner
        self.calls: list[str] = []
        self.params: list[Mapping[str, object]] = []

    @property
    def name(self) -> str:
        return "wrapped"

    async def call(
        self,
        function: str,
        params: Mapping[str, object],
        *,
        credentials: Credentials,
        timeout: Timeout,
    ) -> WireValue:
        self.calls.append(function)
        self.params.append(params)
        return await self.inner.call(function, params, credentials=credentials, timeout=timeout)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_custom_transports_are_supported(emu: MailkitEmulator) -> None:
    from mailkit_async import AiohttpSender

    campaign, mailing_list = seed(emu)
    wrapped = WrappedTransport(RpcTransport(JsonWire(), AiohttpSender(), emu.url))
    try:
        async with (
            MailkitClient(emu.client_id, Secret(emu.client_md5), transport=wrapped) as client,
            client.bulk(campaign, mailing_list, max_batch_recipients=3) as sender,
        ):
            await sender.send_all(people(5))
    finally:
        await wrapped.aclose()
    assert wrapped.calls == [SEND, SEND]
    assert sender.report.accepted == 5


async def test_custom_transports_get_no_none_members(emu: MailkitEmulator) -> None:
    from mailkit_async import AiohttpSender

    campaign, mailing_list = seed(emu)
    wrapped = WrappedTransport(RpcTransport(JsonWire(), AiohttpSender(), emu.url))
    rows = [{**row, "subject": None, "create_email": None} for row in people(3)]
    try:
        async with (
            MailkitClient(emu.client_id, Secret(emu.client_md5), transport=wrapped) as client,
            client.bulk(campaign, mailing_list, linger=0) as sender,
        ):
            await sender.send_all(rows[:2])
            await sender.send(rows[2])
    finally:
        await wrapped.aclose()
    assert sender.report.accepted == 3
    received = [r for params in wrapped.params for r in params["recipients"]]  # type: ignore[attr-defined]
    assert [sorted(r) for r in received] == [["campaign_id", "mailinglist_id", "send_to"]] * 3


async def test_events_after_close_yield_the_final_snapshot_and_end(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client:
        async with client.bulk(campaign, mailing_list) as sender:
            await sender.send_all(people(3))
        snapshots = [s async for s in sender.events()]
    assert len(snapshots) == 1
    assert snapshots[0].closed
    assert snapshots[0].accepted == 3


async def test_settling_with_a_closed_client_raises(emu: MailkitEmulator) -> None:
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        await sender.send_all(people(2))
    with pytest.raises(ClientClosedError):
        await sender.settle()
    assert not sender.state.settled


async def test_an_engine_failure_during_a_call_leaves_its_batch_unknown_once(
    emu: MailkitEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mailkit_async._bulk import _engine

    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(_engine, "call_batch", broken)
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        report = await sender.send_all(people(3))
        # The limiter's "lost" report of a batch that had started (its structs already
        # freed) adds nothing: the batch accounted for itself.
        sender._lost((campaign, mailing_list), [], RuntimeError("engine bug"))
    assert [o.state for o in report.outcomes] == [Outcome.UNKNOWN] * 3
    assert all("bulk engine failed during the call" in o.info for o in report.outcomes)
    assert [record.count for record in report.batches] == [3]
    assert "failed unexpectedly" in caplog.text


async def test_a_batch_that_cannot_be_built_is_reported_not_sent(
    emu: MailkitEmulator, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from mailkit_async._bulk import _engine

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("planning bug")

    monkeypatch.setattr(_engine, "split_duplicates", broken)
    campaign, mailing_list = seed(emu)
    async with make_client(emu) as client, client.bulk(campaign, mailing_list) as sender:
        report = await sender.send_all(people(3))
    assert [(o.state, o.sent) for o in report.outcomes] == [(Outcome.REJECTED, False)] * 3
    assert all("could not be built" in o.info for o in report.outcomes)
    assert emu.calls(SEND) == []
    assert "bulk batch could not be built" in caplog.text
