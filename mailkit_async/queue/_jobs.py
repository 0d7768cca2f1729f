"""The two arq jobs: send one batch (at most once), and poll a job's results.

``send_batch_job`` takes a ``BatchSpec`` as a dict, waits for a lease of the global
limit, claims the batch in the ledger ("about to send"), makes the one
``sendmail_mass`` call with ``send_batch`` and records the outcome. Run again after a
crash, it finds the claim and never sends: the batch is ``UNKNOWN`` if its sender
died mid-call, or keeps the outcome recorded before the crash.

``poll_results_job`` runs one round of results polling (``poll_once``) over the
job's answered batches, writes what changed back to the ledger, resolves batches
whose worker vanished, and enqueues its next round with the pause the ``SettlePolicy``
asks for, until every batch is final.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any, Final

import cattrs
from arq.connections import ArqRedis
from arq.worker import Retry
from redis.exceptions import RedisError

from .._bulk import BatchRecord, BatchSpec, BulkJobState, SettlePolicy, poll_once, send_batch
from .._bulk._batch import outline_of
from .._bulk._polling import due_at
from .._bulk._send import outcome_unknown
from .._exceptions import ConfigurationError
from ._config import QueueConfig
from ._ledger import DONE, QUEUED, SENDING, BatchPhase, batch_ids_in, encode_record
from ._limit import Lease, LeaseTimeout
from ._recovery import recover_orphans, recover_sending
from ._runtime import QueueRuntime, runtime_of

__all__ = [
    "POLL_RESULTS",
    "SEND_BATCH",
    "enqueue_poll",
    "poll_results_job",
    "send_batch_job",
]

logger = logging.getLogger("mailkit_async.queue")

SEND_BATCH: Final = "mailkit_send_batch"
"""The arq function name of ``send_batch_job``."""
POLL_RESULTS: Final = "mailkit_poll_results"
"""The arq function name of ``poll_results_job``."""

POLL_LIMIT: Final = 200  # batches polled per round at most; the rest wait for the next one
PENDING_CHECK: Final = 10.0  # longest pause between rounds while batches are still unsent
MIN_PAUSE: Final = 0.05
_CONVERTER: Final = cattrs.Converter()


def _summary(job_id: str, record: BatchRecord, *, sent_now: bool) -> dict[str, Any]:
    accepted, rejected, unknown = record.counts()
    return {
        "job_id": job_id,
        "batch_id": record.batch_id,
        "status": record.status,
        "accepted": accepted,
        "rejected": rejected,
        "unknown": unknown,
        "sent_now": sent_now,
        "request_id": record.request_id,
        "reason": record.reason,
        "record": _CONVERTER.unstructure(record),
    }


async def send_batch_job(ctx: dict[str, Any], job_id: str, batch: dict[str, Any]) -> dict[str, Any]:
    """The arq job that sends ONE batch (``BatchSpec.to_dict()``) of job ``job_id``, at most once.

    Returns the batch's outcome: ``status`` (``answered``, ``refused``, ``unknown`` or
    ``not_sent``), the ``accepted``/``rejected``/``unknown`` counts, ``sent_now``
    (whether this run made the call) and the ``record`` (a ``BatchRecord`` as a dict,
    every recipient's address and noted outcome). Raises arq's ``Retry`` (nothing
    sent) when no lease came free within ``lease_wait``, or while another live worker
    is sending the same batch.
    """
    runtime = runtime_of(ctx)
    spec = BatchSpec.from_dict(batch)
    if len(spec) == 0:
        raise ConfigurationError(f"batch {spec.batch_id!r} has no recipients")
    ledger = runtime.ledger
    phase = await ledger.register(job_id, spec)
    if phase is None or phase.name == QUEUED:
        try:
            async with runtime.limiter.hold(wait=runtime.config.lease_wait) as lease:
                phase = await ledger.claim(job_id, spec.batch_id, lease.id)
                if phase is None:
                    record = await _send_claimed(runtime, job_id, spec, lease)
                    return _summary(job_id, record, sent_now=True)
        except LeaseTimeout:
            pause = runtime.config.lease_wait * random.uniform(0.1, 0.3)
            logger.info(
                "job %s batch %s: no lease within %g s, queued again (nothing sent)",
                job_id,
                spec.batch_id,
                runtime.config.lease_wait,
            )
            raise Retry(defer=pause) from None
    return await _claimed_elsewhere(runtime, job_id, spec.batch_id, phase)


async def _claimed_elsewhere(
    runtime: QueueRuntime, job_id: str, batch_id: str, phase: BatchPhase
) -> dict[str, Any]:
    """The outcome of a batch some earlier run (or another worker) claimed."""
    if phase.name == SENDING:
        lost = await recover_sending(runtime, job_id, batch_id, phase)
        if lost is None:
            # Its sender still holds a live lease: look again once that could expire.
            raise Retry(defer=runtime.config.lease_ttl / 2)
        return _summary(job_id, lost, sent_now=False)
    record = await runtime.ledger.record(job_id, batch_id)
    if record is None:  # pragma: no cover - a claimed batch always has its record
        raise RuntimeError(f"batch {batch_id!r} of job {job_id!r} has no record")
    return _summary(job_id, record, sent_now=False)


async def _send_claimed(
    runtime: QueueRuntime, job_id: str, spec: BatchSpec, lease: Lease
) -> BatchRecord:
    """Make the call of a batch this lease claimed and record its outcome."""
    try:
        result = await send_batch(runtime.client, spec)
    except asyncio.CancelledError:
        record = outcome_unknown(
            outline_of(spec), "outcome unknown: the worker was stopped while the call was in flight"
        ).record
        await asyncio.shield(_record_outcome(runtime, job_id, lease, record))
        raise
    except Exception:
        logger.exception("job %s batch %s failed unexpectedly", job_id, spec.batch_id)
        record = outcome_unknown(
            outline_of(spec), "outcome unknown: the worker failed unexpectedly during the call"
        ).record
        await _record_outcome(runtime, job_id, lease, record)
        raise
    if lease.lost:
        logger.warning(
            "job %s batch %s: its lease expired during the call; the limit of %d may have"
            " been exceeded",
            job_id,
            spec.batch_id,
            runtime.limiter.limit,
        )
    await _record_outcome(runtime, job_id, lease, result.record)
    return result.record


async def _record_outcome(
    runtime: QueueRuntime, job_id: str, lease: Lease, record: BatchRecord, attempts: int = 5
) -> None:
    """Write the outcome to the ledger, riding out short Redis outages.

    If Redis stays away, the job is run again later: it then finds the batch claimed
    under a dead lease and records it ``UNKNOWN`` (never resends it).
    """
    for attempt in range(attempts):
        try:
            if not await runtime.ledger.finish(job_id, record.batch_id, lease.id, record):
                logger.error(
                    "job %s batch %s: the ledger no longer expects this worker's outcome (%s)",
                    job_id,
                    record.batch_id,
                    record.status,
                )
            return
        except (RedisError, OSError) as exc:
            logger.warning(
                "job %s batch %s: recording the outcome failed (%s), attempt %d",
                job_id,
                record.batch_id,
                type(exc).__name__,
                attempt + 1,
            )
            await asyncio.sleep(0.2 * 2**attempt)
    accepted, rejected, unknown = record.counts()
    logger.error(
        "job %s batch %s: outcome not recorded (status %s, request_id %s, accepted %d,"
        " rejected %d, unknown %d); it will be reported UNKNOWN",
        job_id,
        record.batch_id,
        record.status,
        record.request_id,
        accepted,
        rejected,
        unknown,
    )
    raise Retry(defer=runtime.config.lease_ttl)


async def enqueue_poll(
    pool: ArqRedis, config: QueueConfig, job_id: str, round_no: int, delay: float
) -> bool:
    """Enqueue results-polling round ``round_no`` of ``job_id`` after ``delay`` seconds.

    False when that round is already queued (job IDs make enqueueing idempotent).
    """
    job = await pool.enqueue_job(
        POLL_RESULTS,
        job_id,
        round_no,
        _job_id=config.poll_job_id(job_id, round_no),
        _queue_name=config.queue_name,
        _defer_by=max(delay, 0.0) or None,
    )
    return job is not None


async def poll_results_job(ctx: dict[str, Any], job_id: str, round_no: int = 1) -> dict[str, Any]:
    """The arq job for one round of results polling of ``job_id``; it queues the next.

    Polls the answered batches that are due (up to 200 a round) with ``poll_once``
    under the job's ``SettlePolicy``, stores what changed, resolves batches whose
    worker or queue job vanished, then enqueues round ``round_no + 1`` after the
    pause the policy asks for. Stops when the producer has closed the job and every
    batch is final, or when nothing was sent for the policy's ``deadline`` after the
    job closed (the rest stays pending in the report). Returns what the round did.
    """
    runtime = runtime_of(ctx)
    ledger = runtime.ledger
    meta = await ledger.meta(job_id)
    if meta is None:
        return {"job_id": job_id, "round": round_no, "status": "missing"}
    policy = meta.policy
    await ledger.note_poll_round(job_id, round_no)
    phases = await ledger.phases(job_id)
    recovered = await recover_orphans(runtime, job_id, phases, include_queued=meta.closed)
    if recovered:
        phases = await ledger.phases(job_id)
    now = time.time()
    open_ids = batch_ids_in(phases, [DONE])
    chosen: list[BatchRecord] = []
    waiting: list[float] = []
    for start in range(0, len(open_ids), 100):
        for record in await ledger.records(job_id, open_ids[start : start + 100]):
            due = due_at(record, policy)
            if due <= now and len(chosen) < POLL_LIMIT:
                chosen.append(record)
            else:
                waiting.append(due)
    polled = await _poll(
        runtime, job_id, meta.campaign_id, meta.mailinglist_id, chosen, phases, policy
    )
    unsettled = [r for r in chosen if not r.settled]
    waiting.extend(due_at(r, policy) for r in unsettled)
    pending = sum(1 for p in phases.values() if p.pending)
    complete = meta.closed and len(phases) == meta.batches and pending == 0 and not waiting
    summary: dict[str, Any] = {
        "job_id": job_id,
        "round": round_no,
        "polled": polled,
        "recovered": recovered,
        "pending_batches": pending,
        "open_batches": len(waiting),
    }
    if complete:
        await ledger.mark_settled(job_id)
        return {**summary, "status": "settled"}
    if not waiting and meta.closed_at is not None and now > meta.closed_at + policy.deadline:
        logger.warning(
            "job %s: %d batches still unsent %g s after the job closed; polling stops"
            " (resume_polling restarts it)",
            job_id,
            pending,
            policy.deadline,
        )
        return {**summary, "status": "stopped"}
    pause = min(waiting) - time.time() if waiting else policy.max_interval
    if pending:
        pause = min(pause, policy.interval, PENDING_CHECK)
    pause = min(max(pause, MIN_PAUSE), policy.max_interval)
    await enqueue_poll(runtime.pool, runtime.config, job_id, round_no + 1, pause)
    return {**summary, "status": "polling", "next_in": pause}


async def _poll(
    runtime: QueueRuntime,
    job_id: str,
    campaign_id: int,
    mailinglist_id: int,
    chosen: list[BatchRecord],
    phases: dict[str, BatchPhase],
    policy: SettlePolicy,
) -> int:
    """Poll the chosen batches once and store the records that changed; how many polled."""
    if not chosen:
        return 0
    before = [encode_record(record) for record in chosen]
    state = BulkJobState(job_id, campaign_id, mailinglist_id, batches=chosen)
    deadline = runtime.client._timeout.deadline + 15.0  # the worker allows 30 s more
    try:
        async with asyncio.timeout(deadline):
            await poll_once(runtime.client, state, policy=policy)
    except TimeoutError:
        logger.warning("job %s: a polling round ran out of time; the rest waits", job_id)
    for record, old in zip(chosen, before, strict=True):
        if encode_record(record) != old:
            await runtime.ledger.update(job_id, record.batch_id, phases[record.batch_id], record)
    return len(chosen)
