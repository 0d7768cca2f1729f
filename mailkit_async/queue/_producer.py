"""The producer: stream recipients into batch jobs, bounded, and start results polling.

The source is read one recipient at a time and never held whole: at most one
batch per (campaign, mailing list) is buffered, and the producer waits while too
many of the job's batches sit in the queue unclaimed, so a million recipients take
no more memory (here or in Redis) than a few batches.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Mapping
from typing import Any, Final

import attrs
from arq.connections import ArqRedis

from .._bulk import BatchSpec, SettlePolicy, normalize_address
from .._bulk._recipients import Group, RecipientPreparer, as_id
from .._exceptions import ConfigurationError
from ..models import MassRecipient
from ._config import QueueConfig
from ._jobs import SEND_BATCH, enqueue_poll
from ._ledger import QUEUED, JobLedger

__all__ = ["ProducedJob", "enqueue_bulk", "resume_polling"]

Recipient = MassRecipient | Mapping[str, Any]

_MAX_WAIT_PAUSE: Final = 0.5


@attrs.frozen
class ProducedJob:
    """What ``enqueue_bulk`` did.

    Attributes:
        job_id: The bulk job's ID (give it to ``job_report``; reuse it to resume).
        batches: Batches made (one ``sendmail_mass`` call each).
        recipients: Recipients read from the source.
        enqueued: Batch jobs put on the queue by this run (fewer than ``batches`` when
            a resumed run found some already registered).
    """

    job_id: str
    batches: int
    recipients: int
    enqueued: int


@attrs.define
class _Buffer:
    """The recipients of one batch being filled (one campaign and mailing list)."""

    wires: list[dict[str, Any]] = attrs.Factory(list)
    keys: set[str] = attrs.Factory(set)
    size: int = 0


async def _items(source: Iterable[Recipient] | AsyncIterable[Recipient]) -> AsyncIterator[Any]:
    if isinstance(source, AsyncIterable):
        async for item in source:
            yield item
        return
    for n, item in enumerate(source, 1):
        yield item
        if n % 1024 == 0:
            await asyncio.sleep(0)  # a long synchronous source must not starve the loop


class _Producer:
    """One run of ``enqueue_bulk``."""

    def __init__(
        self,
        pool: ArqRedis,
        config: QueueConfig,
        job_id: str,
        *,
        campaign_id: int,
        mailinglist_id: int,
        batch_size: int,
        max_batch_bytes: int,
        id_send: str | None,
        max_queued_batches: int,
    ) -> None:
        self.pool = pool
        self.config = config
        self.ledger = JobLedger(pool, config)
        self.job_id = job_id
        self.preparer = RecipientPreparer(campaign_id, mailinglist_id)
        self.batch_size = batch_size
        self.max_batch_bytes = max_batch_bytes
        self.id_send = id_send
        self.max_queued = max_queued_batches
        self.buffers: dict[Group, _Buffer] = {}
        self.sequence = itertools.count(1)
        self.batches = 0
        self.recipients = 0
        self.enqueued = 0

    async def add(self, item: object) -> None:
        wire, group, size = self.preparer.prepare(item)
        self.recipients += 1
        buffer = self.buffers.get(group)
        if buffer is None:
            buffer = self.buffers[group] = _Buffer()
        key = normalize_address(wire["send_to"])
        # One batch never holds an address twice: outcomes are matched by address.
        if buffer.wires and (key in buffer.keys or buffer.size + size > self.max_batch_bytes):
            await self.flush(group)
            buffer = self.buffers[group] = _Buffer()
        buffer.wires.append(wire)
        buffer.keys.add(key)
        buffer.size += size
        if len(buffer.wires) >= self.batch_size:
            await self.flush(group)

    async def flush(self, group: Group) -> None:
        buffer = self.buffers.pop(group, None)
        if buffer is None or not buffer.wires:
            return
        batch_id = f"{self.job_id}-{next(self.sequence):06d}"
        spec = BatchSpec(batch_id, group[0], group[1], tuple(buffer.wires), self.id_send)
        self.batches += 1
        await self._wait_for_room()
        phase = await self.ledger.register(self.job_id, spec)
        if phase is not None and phase.name != QUEUED:
            return  # a resumed run: this batch was already taken care of
        job = await self.pool.enqueue_job(
            SEND_BATCH,
            self.job_id,
            spec.to_dict(),
            _job_id=self.config.batch_job_id(self.job_id, batch_id),
            _queue_name=self.config.queue_name,
        )
        self.enqueued += job is not None

    async def flush_all(self) -> None:
        for group in list(self.buffers):
            await self.flush(group)

    async def _wait_for_room(self) -> None:
        """Wait while ``max_queued`` of the job's batches sit unclaimed in the queue."""
        pause = 0.01
        while True:
            meta = await self.ledger.meta(self.job_id)
            if meta is None or meta.queued < self.max_queued:
                return
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_WAIT_PAUSE)


async def enqueue_bulk(
    pool: ArqRedis,
    recipients: Iterable[Recipient] | AsyncIterable[Recipient],
    campaign_id: int,
    mailinglist_id: int,
    *,
    config: QueueConfig | None = None,
    job_id: str | None = None,
    batch_size: int = 500,
    max_batch_bytes: int = 16 * 1024 * 1024,
    id_send: str | None = None,
    settle: SettlePolicy | None = None,
    max_queued_batches: int = 100,
    poll: bool = True,
) -> ProducedJob:
    """Split ``recipients`` into batch jobs on the queue as they are read; start polling.

    ``recipients`` (an iterable or async iterable of ``MassRecipient`` or dicts of the
    documented ``sendmail_mass`` fields with plain values; a dict may name its own
    ``campaign_id``/``mailinglist_id``) are cut into batches of at most
    ``batch_size`` recipients and about ``max_batch_bytes``; an address never appears
    twice in one batch. Each batch is registered in the ledger, then enqueued under a
    job ID derived from its batch ID. The producer waits while ``max_queued_batches``
    of the job's batches are unclaimed, so neither this process nor Redis grows with
    the source. At the end the job is closed and, with ``poll``, its results polling
    is enqueued (under ``settle``, default ``SettlePolicy()``).

    ``pool`` must come from ``mailkit_async.queue.connect`` (the queue's JSON job
    format). If the source raises, the job stays open: call again with the same
    ``job_id`` and the same source to resume; batches already registered are not
    enqueued again, and none is ever sent twice.
    """
    config = config or QueueConfig.from_env()
    campaign_id = as_id(campaign_id, "campaign_id")
    mailinglist_id = as_id(mailinglist_id, "mailinglist_id")
    if batch_size < 1 or max_batch_bytes < 1 or max_queued_batches < 1:
        raise ConfigurationError("batch_size, max_batch_bytes and max_queued_batches must be >= 1")
    job_id = job_id or uuid.uuid4().hex[:16]
    ledger = JobLedger(pool, config)
    meta = await ledger.open(job_id, campaign_id, mailinglist_id, id_send=id_send, policy=settle)
    if meta.closed:
        raise ConfigurationError(
            f"job {job_id!r} is closed: its batches are all enqueued (see resume_polling)"
        )
    producer = _Producer(
        pool,
        config,
        job_id,
        campaign_id=campaign_id,
        mailinglist_id=mailinglist_id,
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        id_send=id_send,
        max_queued_batches=max_queued_batches,
    )
    async for item in _items(recipients):
        await producer.add(item)
    await producer.flush_all()
    await ledger.close(job_id, batches=producer.batches, recipients=producer.recipients)
    if poll and await ledger.start_polling(job_id):
        policy = settle or SettlePolicy()
        await enqueue_poll(pool, config, job_id, 1, policy.first_delay)
    return ProducedJob(job_id, producer.batches, producer.recipients, producer.enqueued)


async def resume_polling(
    pool: ArqRedis, job_id: str, *, config: QueueConfig | None = None, delay: float = 0.0
) -> bool:
    """Enqueue the next results-polling round of ``job_id`` (after it stopped or failed).

    False if that round is already queued. ``ConfigurationError`` for an unknown job.
    """
    config = config or QueueConfig.from_env()
    ledger = JobLedger(pool, config)
    meta = await ledger.meta(job_id)
    if meta is None:
        raise ConfigurationError(f"no queued bulk job {job_id!r} in this Redis")
    await ledger.start_polling(job_id)
    return await enqueue_poll(pool, config, job_id, meta.poll_round + 1, delay)
