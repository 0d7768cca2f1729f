"""Mass sends and results polling as jobs of an arq queue on Redis (``mailkit-async[queue]``).

Many worker processes on many machines share one limit of ``sendmail_mass`` calls in
flight, and no recipient is lost or sent twice when a worker dies::

    from mailkit_async.queue import QueueConfig, connect, enqueue_bulk, job_report

    config = QueueConfig(redis_url="redis://queue-host:6379/0", limit=4)
    pool = await connect(config)
    job = await enqueue_bulk(pool, rows, campaign_id, list_id, config=config)
    ...
    report = await job_report(pool, job.job_id, config=config)

and on every worker machine (configured by ``MAILKIT_CLIENT_*`` and
``MAILKIT_QUEUE_*`` environment variables)::

    arq mailkit_async.queue.WorkerSettings

``WorkerSettings`` is built from the environment when first looked up; in code use
``worker_settings(config, client_factory=...)``.

The pieces: ``enqueue_bulk`` streams recipients into batch jobs (``send_batch_job``,
one ``sendmail_mass`` call each) and starts results polling (``poll_results_job``);
``LeaseLimiter`` holds the global limit; ``JobLedger`` keeps every batch's phase and
outcome in Redis, so a batch is claimed before its call and a crashed call ends
``UNKNOWN`` instead of being sent again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

try:
    import arq as _arq  # noqa: F401
    import redis as _redis  # noqa: F401
except ImportError as _missing:  # pragma: no cover - exercised in a subprocess test
    raise ImportError(
        "mailkit_async.queue needs arq and redis: install the extra with"
        " pip install 'mailkit-async[queue]'"
    ) from _missing

from ._config import QueueConfig, job_deserializer, job_serializer
from ._jobs import POLL_RESULTS, SEND_BATCH, poll_results_job, send_batch_job
from ._ledger import BatchPhase, JobLedger, JobMeta
from ._limit import Lease, LeaseLimiter, LeaseTimeout
from ._producer import ProducedJob, enqueue_bulk, resume_polling
from ._report import QueueJobReport
from ._worker import connect, default_client, worker_settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = [
    "POLL_RESULTS",
    "SEND_BATCH",
    "BatchPhase",
    "JobLedger",
    "JobMeta",
    "Lease",
    "LeaseLimiter",
    "LeaseTimeout",
    "ProducedJob",
    "QueueConfig",
    "QueueJobReport",
    "WorkerSettings",
    "connect",
    "default_client",
    "enqueue_bulk",
    "job_deserializer",
    "job_report",
    "job_serializer",
    "poll_results_job",
    "resume_polling",
    "send_batch_job",
    "worker_settings",
]


async def job_report(
    pool: Redis, job_id: str, *, config: QueueConfig | None = None
) -> QueueJobReport:
    """The accounting of a queued bulk job now (see ``QueueJobReport``).

    ``pool`` is any ``redis.asyncio.Redis`` on the queue's Redis (``connect()``'s pool).
    """
    return await JobLedger(pool, config or QueueConfig.from_env()).report(job_id)


def __getattr__(name: str) -> Any:
    """``WorkerSettings``: arq settings from the environment, built when looked up."""
    if name == "WorkerSettings":
        return worker_settings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
