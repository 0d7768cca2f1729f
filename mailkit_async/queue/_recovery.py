"""Settle batches whose worker or queue job vanished: ``UNKNOWN`` or not sent, never resent."""

from __future__ import annotations

import logging

from arq.constants import job_key_prefix

from .._bulk import BatchRecord
from ._ledger import QUEUED, SENDING, BatchPhase
from ._runtime import QueueRuntime

__all__ = ["queue_job_key", "recover_orphans", "recover_sending"]

logger = logging.getLogger("mailkit_async.queue")


def queue_job_key(runtime: QueueRuntime, job_id: str, batch_id: str) -> str:
    """The Redis key arq keeps a batch's queue job under while it may still run."""
    return job_key_prefix + runtime.config.batch_job_id(job_id, batch_id)


async def recover_sending(
    runtime: QueueRuntime, job_id: str, batch_id: str, phase: BatchPhase
) -> BatchRecord | None:
    """``UNKNOWN`` for a batch claimed under a lease that is no longer live.

    None while the lease is live: its worker is still sending, leave it alone.
    """
    if await runtime.limiter.alive(phase.lease):
        return None
    record = await runtime.ledger.record(job_id, batch_id)
    if record is None:
        return None
    lost = await runtime.ledger.presume_lost(
        job_id, batch_id, phase.lease, runtime.limiter.key, record
    )
    if lost is not None:
        logger.warning(
            "job %s batch %s: its worker vanished during the call (lease %s); its %d"
            " recipients are UNKNOWN and will not be sent again",
            job_id,
            batch_id,
            phase.lease,
            record.count,
        )
    return lost


async def recover_orphans(
    runtime: QueueRuntime, job_id: str, phases: dict[str, BatchPhase], *, include_queued: bool
) -> int:
    """Resolve every batch stuck without a worker; the number resolved.

    A batch being sent under a dead lease becomes ``UNKNOWN``. With ``include_queued``
    (only once the producer has closed the job, so every queue job exists), a queued
    batch whose queue job is gone (expired, or failed before it started) becomes not
    sent (``REJECTED``, ``sent=False``).
    """
    resolved = 0
    queued: list[str] = []
    for batch_id, phase in phases.items():
        if phase.name == SENDING:
            resolved += await recover_sending(runtime, job_id, batch_id, phase) is not None
        elif phase.name == QUEUED and include_queued:
            queued.append(batch_id)
    if not queued:
        return resolved
    async with runtime.pool.pipeline(transaction=False) as pipe:
        for batch_id in queued:
            pipe.exists(queue_job_key(runtime, job_id, batch_id))
        present = await pipe.execute()
    for batch_id, exists in zip(queued, present, strict=True):
        if exists:
            continue
        record = await runtime.ledger.record(job_id, batch_id)
        if record is None:
            continue
        key = queue_job_key(runtime, job_id, batch_id)
        if await runtime.ledger.void_orphan(job_id, batch_id, key, record) is not None:
            resolved += 1
            logger.warning(
                "job %s batch %s: its queue job is gone before it started; its %d"
                " recipients are reported not sent",
                job_id,
                batch_id,
                record.count,
            )
    return resolved
