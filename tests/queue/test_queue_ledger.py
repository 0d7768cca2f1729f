"""The ledger and the batch job: claimed once, sent at most once, never lost (real Redis)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import attrs
import pytest
from arq.connections import ArqRedis
from arq.worker import Retry

from mailkit_async import BatchSpec, ConfigurationError, Outcome
from mailkit_async._bulk._state import ANSWERED
from mailkit_async.queue import (
    POLL_RESULTS,
    SEND_BATCH,
    JobLedger,
    LeaseLimiter,
    QueueConfig,
    enqueue_bulk,
    job_report,
    poll_results_job,
    resume_polling,
    send_batch_job,
)
from mailkit_async.queue._runtime import RUNTIME_KEY, QueueRuntime
from mailkit_async.testing import Fault, MailkitEmulator

from ._support import FAST_SETTLE, job_context, run_burst_worker

pytestmark = pytest.mark.redis

MASS = "mailkit.sendmail_mass"


@pytest.fixture
async def seeded() -> AsyncIterator[tuple[MailkitEmulator, int, int]]:
    async with MailkitEmulator() as emu:
        campaign = emu.state.add_campaign("Queue", "Hello")
        mailing_list = emu.state.add_mailing_list("Queue")
        yield emu, campaign, mailing_list


def rows(count: int, *, start: int = 0, bad_every: int = 0) -> Iterator[dict[str, object]]:
    for n in range(start, start + count):
        malformed = bad_every and n % bad_every == 0
        address = f"user{n}-at-example.com" if malformed else f"user{n}@example.com"
        yield {"send_to": address, "create_email": True}


async def wait_for_call(emu: MailkitEmulator) -> None:
    async with asyncio.timeout(5):
        while not emu.calls(MASS):  # noqa: ASYNC110 - the emulator has no event to wait on
            await asyncio.sleep(0.01)


def spec_of(batch_id: str, campaign: int, mailing_list: int, count: int = 3) -> BatchSpec:
    return BatchSpec.build(batch_id, campaign, mailing_list, rows(count))


def sent_addresses(emu: MailkitEmulator) -> Counter[str]:
    counts: Counter[str] = Counter()
    for call in emu.calls(MASS):
        recipients = call.params["recipients"]
        assert isinstance(recipients, list)
        counts.update(str(r["send_to"]) for r in recipients)
    return counts


async def test_only_one_claim_and_only_the_claimant_records(
    pool: ArqRedis, queue_config: QueueConfig
) -> None:
    ledger = JobLedger(pool, queue_config)
    await ledger.open("job1", 1, 2)
    spec = spec_of("job1-000001", 1, 2)
    assert await ledger.register("job1", spec) is None
    again = await ledger.register("job1", spec)
    assert again is not None
    assert again.name == "queued"
    assert await ledger.claim("job1", spec.batch_id, "lease-a") is None
    taken = await ledger.claim("job1", spec.batch_id, "lease-b")
    assert taken is not None
    assert (taken.name, taken.lease) == ("sending", "lease-a")
    record = attrs.evolve(await ledger.record("job1", spec.batch_id), status=ANSWERED)
    assert not await ledger.finish("job1", spec.batch_id, "lease-b", record)
    assert await ledger.finish("job1", spec.batch_id, "lease-a", record)
    phase = await ledger.phase("job1", spec.batch_id)
    assert phase is not None
    assert str(phase) == "done lease-a"
    meta = await ledger.meta("job1")
    assert meta is not None
    assert (meta.registered, meta.queued) == (1, 0)
    for key in ("meta", "phase", "records"):
        ttl = await pool.pttl(queue_config.key("job", "job1", key))
        assert 0 < ttl <= queue_config.retention * 1000


async def test_crash_between_claim_and_outcome_ends_unknown_without_resend(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    spec = spec_of("job2-000001", campaign, mailing_list)
    async with job_context(emu, pool, queue_config) as ctx:
        runtime: QueueRuntime = ctx[RUNTIME_KEY]
        ledger = runtime.ledger
        await ledger.register("job2", spec)
        # A worker takes a lease, claims the batch ("about to send") and dies.
        dying = LeaseLimiter(pool, runtime.limiter.key, queue_config.limit, ttl=0.2)
        lease = await dying.acquire(wait=1.0)
        assert await ledger.claim("job2", spec.batch_id, lease.id) is None
        await asyncio.sleep(0.3)  # its lease expires: nobody renews it
        outcome = await send_batch_job(ctx, "job2", spec.to_dict())
    assert outcome["status"] == "unknown"
    assert outcome["sent_now"] is False
    assert outcome["unknown"] == len(spec)
    assert emu.calls(MASS) == []  # not sent again
    phase = await ledger.phase("job2", spec.batch_id)
    assert phase is not None
    assert phase.name == "presumed"
    report = await job_report(pool, "job2", config=queue_config)
    assert [o.state for o in report] == [Outcome.UNKNOWN] * len(spec)
    assert "worker sending it stopped" in report.state.batches[0].reason


async def test_a_late_real_outcome_replaces_the_presumption(
    pool: ArqRedis, queue_config: QueueConfig
) -> None:
    ledger = JobLedger(pool, queue_config)
    spec = spec_of("job3-000001", 1, 2)
    await ledger.register("job3", spec)
    limiter = LeaseLimiter(pool, queue_config.key("limit", "x"), 1, ttl=0.1)
    lease = await limiter.acquire(wait=1.0)
    await ledger.claim("job3", spec.batch_id, lease.id)
    record = await ledger.record("job3", spec.batch_id)
    assert record is not None
    assert await ledger.presume_lost("job3", spec.batch_id, lease.id, limiter.key, record) is None
    await asyncio.sleep(0.2)
    lost = await ledger.presume_lost("job3", spec.batch_id, lease.id, limiter.key, record)
    assert lost is not None
    assert lost.status == "unknown"
    answered = attrs.evolve(record, status=ANSWERED, request_id=7, settled=False)
    assert await ledger.finish("job3", spec.batch_id, lease.id, answered)
    stored = await ledger.record("job3", spec.batch_id)
    assert stored is not None
    assert (stored.status, stored.request_id) == ("answered", 7)


async def test_a_rerun_after_the_outcome_returns_it_without_sending(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    spec = spec_of("job4-000001", campaign, mailing_list, count=5)
    async with job_context(emu, pool, queue_config) as ctx:
        first = await send_batch_job(ctx, "job4", spec.to_dict())
        second = await send_batch_job(ctx, "job4", spec.to_dict())
    assert (first["status"], first["sent_now"], first["accepted"]) == ("answered", True, 5)
    assert (second["status"], second["sent_now"]) == ("answered", False)
    assert second["record"] == first["record"]
    assert len(emu.calls(MASS)) == 1


async def test_cancelled_mid_call_records_unknown_and_never_resends(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    emu.faults.add(Fault.stall(3.0, function=MASS))
    spec = spec_of("job5-000001", campaign, mailing_list)
    async with job_context(emu, pool, queue_config) as ctx:
        task = asyncio.create_task(send_batch_job(ctx, "job5", spec.to_dict()))
        await wait_for_call(emu)
        task.cancel()  # a worker shutting down (or arq's job timeout)
        with pytest.raises(asyncio.CancelledError):
            await task
        again = await send_batch_job(ctx, "job5", spec.to_dict())
    assert (again["status"], again["sent_now"]) == ("unknown", False)
    assert "stopped while the call was in flight" in again["reason"]
    assert len(emu.calls(MASS)) == 1
    assert await ctx[RUNTIME_KEY].limiter.in_use() == 0  # the lease went back


async def test_a_batch_another_live_worker_is_sending_is_left_alone(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    spec = spec_of("job6-000001", campaign, mailing_list)
    async with job_context(emu, pool, queue_config) as ctx:
        runtime: QueueRuntime = ctx[RUNTIME_KEY]
        await runtime.ledger.register("job6", spec)
        async with runtime.limiter.hold(wait=1.0) as lease:
            await runtime.ledger.claim("job6", spec.batch_id, lease.id)
            with pytest.raises(Retry):
                await send_batch_job(ctx, "job6", spec.to_dict())
            phase = await runtime.ledger.phase("job6", spec.batch_id)
            assert phase is not None
            assert phase.name == "sending"
    assert emu.calls(MASS) == []


async def test_no_lease_in_time_requeues_without_sending(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    config = attrs.evolve(queue_config, lease_wait=0.2)
    spec = spec_of("job7-000001", campaign, mailing_list)
    async with job_context(emu, pool, config) as ctx:
        limiter = ctx[RUNTIME_KEY].limiter
        held = [await limiter.acquire(wait=1.0) for _ in range(config.limit)]
        with pytest.raises(Retry):
            await send_batch_job(ctx, "job7", spec.to_dict())
        for lease in held:
            await lease.release()
        phase = await ctx[RUNTIME_KEY].ledger.phase("job7", spec.batch_id)
    assert phase is not None
    assert phase.name == "queued"
    assert emu.calls(MASS) == []


async def test_a_batch_whose_queue_job_vanished_is_reported_not_sent(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    async with job_context(emu, pool, queue_config) as ctx:
        ledger: JobLedger = ctx[RUNTIME_KEY].ledger
        await ledger.open("job8", campaign, mailing_list, policy=FAST_SETTLE)
        spec = spec_of("job8-000001", campaign, mailing_list)
        await ledger.register("job8", spec)  # registered, but its queue job never made it
        await ledger.close("job8", batches=1, recipients=len(spec))
        summary = await poll_results_job(ctx, "job8")
    assert (summary["status"], summary["recovered"]) == ("settled", 1)
    report = await job_report(pool, "job8", config=queue_config)
    assert report.settled
    assert report.rejected == len(spec)
    assert all(not o.sent and "queue job was lost" in o.info for o in report)
    assert emu.calls(MASS) == []


async def test_whole_job_through_an_in_process_worker(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    source = [*rows(1200, bad_every=50), {"send_to": "user7@example.com", "create_email": True}]
    produced = await enqueue_bulk(
        pool,
        source,
        campaign,
        mailing_list,
        config=queue_config,
        batch_size=500,
        settle=FAST_SETTLE,
    )
    assert (produced.batches, produced.recipients, produced.enqueued) == (3, 1201, 3)
    await run_burst_worker(emu, queue_config)
    report = await job_report(pool, produced.job_id, config=queue_config)
    assert report.settled
    malformed = sum(1 for r in source if "@" not in str(r["send_to"]))
    assert (report.accepted, report.rejected, report.unknown) == (1201 - malformed, malformed, 0)
    assert report.pending_recipients == 0
    expected = Counter(str(r["send_to"]) for r in source)
    assert sent_addresses(emu) == expected  # each occurrence sent once, none twice
    outcomes = Counter(o.send_to for o in report)
    assert outcomes == expected
    assert all(o.error_code == 2 for o in report if o.state is Outcome.REJECTED)
    assert len(emu.calls(MASS)) == 3


async def test_the_producer_waits_while_the_queue_is_full(
    pool: ArqRedis, queue_config: QueueConfig
) -> None:
    pulled = 0

    async def source() -> AsyncIterator[dict[str, object]]:
        nonlocal pulled
        for row in rows(100):
            pulled += 1
            yield row

    task = asyncio.create_task(
        enqueue_bulk(
            pool,
            source(),
            1,
            2,
            config=queue_config,
            job_id="job9",
            batch_size=10,
            max_queued_batches=2,
            poll=False,
        )
    )
    await asyncio.sleep(0.3)
    assert not task.done()
    ledger = JobLedger(pool, queue_config)
    meta = await ledger.meta("job9")
    assert meta is not None
    assert meta.queued == 2
    assert pulled <= 3 * 10 + 1  # two batches queued, the third one waiting: no more read
    claimed = 0
    while not task.done():
        for batch_id, phase in (await ledger.phases("job9")).items():
            if phase.name == "queued":
                await ledger.claim("job9", batch_id, "drain")
                claimed += 1
        await asyncio.sleep(0.02)
    produced = await task
    assert (produced.batches, produced.recipients, pulled) == (10, 100, 100)
    assert len(await pool.queued_jobs(queue_name=queue_config.queue_name)) == 10
    assert claimed >= 8


async def test_a_resumed_producer_enqueues_nothing_twice(
    pool: ArqRedis, queue_config: QueueConfig
) -> None:
    def failing() -> Iterator[dict[str, object]]:
        yield from rows(25)
        raise OSError("the source broke")

    with pytest.raises(OSError, match="source broke"):
        await enqueue_bulk(
            pool, failing(), 1, 2, config=queue_config, job_id="job10", batch_size=10
        )
    ledger = JobLedger(pool, queue_config)
    meta = await ledger.meta("job10")
    assert meta is not None
    assert not meta.closed
    assert meta.registered == 2
    produced = await enqueue_bulk(
        pool, rows(30), 1, 2, config=queue_config, job_id="job10", batch_size=10
    )
    assert (produced.batches, produced.enqueued) == (3, 1)
    jobs = await pool.queued_jobs(queue_name=queue_config.queue_name)
    names = Counter(job.function for job in jobs)
    assert names == {"mailkit_send_batch": 3, "mailkit_poll_results": 1}
    with pytest.raises(ConfigurationError, match="closed"):
        await enqueue_bulk(pool, rows(1), 1, 2, config=queue_config, job_id="job10")
    with pytest.raises(ConfigurationError, match="exists for campaign"):
        await enqueue_bulk(pool, rows(1), 9, 2, config=queue_config, job_id="job10")


async def test_duplicate_addresses_never_share_a_batch(
    pool: ArqRedis, queue_config: QueueConfig
) -> None:
    source = [{"send_to": "Same@Example.com"}, {"send_to": "other@example.com"}]
    source.append({"send_to": " same@example.com "})
    produced = await enqueue_bulk(
        pool, source, 1, 2, config=queue_config, job_id="job11", batch_size=10, poll=False
    )
    assert produced.batches == 2
    report = await job_report(pool, "job11", config=queue_config)
    assert sorted(r.count for r in report.pending) == [1, 2]
    assert report.pending_recipients == 3
    assert not report.settled


async def test_polling_an_unknown_job_says_so(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, _, _ = seeded
    async with job_context(emu, pool, queue_config) as ctx:
        summary = await poll_results_job(ctx, "nobody", 4)
    assert summary == {"job_id": "nobody", "round": 4, "status": "missing"}
    with pytest.raises(ConfigurationError, match="no queued bulk job"):
        await job_report(pool, "nobody", config=queue_config)
    with pytest.raises(ConfigurationError, match="no queued bulk job"):
        await resume_polling(pool, "nobody", config=queue_config)


async def test_polling_stops_when_nothing_is_sent_by_the_deadline_and_can_resume(
    pool: ArqRedis, queue_config: QueueConfig, seeded: tuple[MailkitEmulator, int, int]
) -> None:
    emu, campaign, mailing_list = seeded
    policy = attrs.evolve(FAST_SETTLE, deadline=0.1)
    spec = spec_of("job12-000001", campaign, mailing_list)
    async with job_context(emu, pool, queue_config) as ctx:
        ledger: JobLedger = ctx[RUNTIME_KEY].ledger
        await ledger.open("job12", campaign, mailing_list, policy=policy)
        await ledger.register("job12", spec)
        # Its queue job exists (no worker has taken it yet): it is waiting, not lost.
        await pool.enqueue_job(
            SEND_BATCH,
            "job12",
            spec.to_dict(),
            _job_id=queue_config.batch_job_id("job12", spec.batch_id),
            _queue_name=queue_config.queue_name,
        )
        await ledger.close("job12", batches=1, recipients=len(spec))
        first = await poll_results_job(ctx, "job12", 1)
        assert first["status"] == "polling"
        assert first["pending_batches"] == 1
        await asyncio.sleep(0.15)
        stopped = await poll_results_job(ctx, "job12", 2)
    assert stopped["status"] == "stopped"
    report = await job_report(pool, "job12", config=queue_config)
    assert report.pending_recipients == len(spec)
    assert not report.settled
    assert await resume_polling(pool, "job12", config=queue_config)
    assert not await resume_polling(pool, "job12", config=queue_config)  # already queued
    polls = await pool.queued_jobs(queue_name=queue_config.queue_name)
    assert sorted(j.args[1] for j in polls if j.function == POLL_RESULTS) == [2, 3]
