"""arq worker settings: one ``MailkitClient`` per worker process, the two jobs, the limits.

Run workers with arq's own command, configured from the environment::

    arq mailkit_async.queue.WorkerSettings

or build the settings in code (``worker_settings(config, client_factory=...)``) and
hand them to ``arq.run_worker``. Each worker process opens one client in
``on_startup`` and closes it in ``on_shutdown``; jobs share it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final

from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.worker import func

from .._client import MailkitClient
from .._config import DEFAULT_TIMEOUT, Timeout
from .._exceptions import ConfigurationError
from ._config import QueueConfig, job_deserializer, job_serializer, redact_url
from ._jobs import POLL_RESULTS, SEND_BATCH, poll_results_job, send_batch_job
from ._runtime import RUNTIME_KEY, QueueRuntime

if TYPE_CHECKING:
    ClientFactory = Callable[[QueueConfig], MailkitClient | Awaitable[MailkitClient]]

__all__ = ["connect", "default_client", "worker_settings"]

logger = logging.getLogger("mailkit_async.queue")

_MARGIN: Final = 15.0  # seconds of job time beyond lease wait + request deadline


def _redis_settings(config: QueueConfig) -> RedisSettings:
    try:
        return RedisSettings.from_dsn(config.redis_url)
    except (RuntimeError, ValueError) as exc:
        raise ConfigurationError(
            f"not a Redis URL: {redact_url(config.redis_url)!r} ({exc})"
        ) from None


async def connect(config: QueueConfig | None = None) -> ArqRedis:
    """An arq pool for producers: the Redis, queue name and JSON job format of ``config``.

    Close it with ``await pool.aclose()``.
    """
    config = config or QueueConfig.from_env()
    return await create_pool(
        _redis_settings(config),
        job_serializer=job_serializer,
        job_deserializer=job_deserializer,
        default_queue_name=config.queue_name,
    )


def _deadline(config: QueueConfig) -> float:
    return config.request_deadline or DEFAULT_TIMEOUT.deadline


def default_client(config: QueueConfig) -> MailkitClient:
    """A client from ``MAILKIT_CLIENT_ID``, ``_CLIENT_MD5``, ``_BASE_URL``, ``_TRANSPORT``.

    With ``config.request_deadline`` the client's per-call deadline is that value.
    """
    if config.request_deadline is None:
        return MailkitClient.from_env()
    deadline = config.request_deadline
    timeout = Timeout(
        connect=min(DEFAULT_TIMEOUT.connect, deadline),
        read=min(DEFAULT_TIMEOUT.read, deadline),
        total=min(DEFAULT_TIMEOUT.total, deadline),
        deadline=deadline,
    )
    return MailkitClient.from_env(timeout=timeout)


def worker_settings(
    config: QueueConfig | None = None,
    *,
    client_factory: ClientFactory | None = None,
    **arq_options: Any,
) -> dict[str, Any]:
    """Settings for an arq worker running the Mailkit jobs (``arq.run_worker(settings)``).

    ``config`` defaults to ``QueueConfig.from_env()``; ``client_factory(config)``
    (sync or async) makes the worker's one client, by default ``default_client``.
    The batch job's time limit is ``lease_wait`` + the request deadline + 15 s, so a
    long wait for a lease can never eat into the time its request is given; a client
    whose deadline is longer than ``config.request_deadline`` (or the default 300 s)
    is refused at startup. ``arq_options`` override any arq ``Worker`` argument.
    """
    config = config or QueueConfig.from_env()
    factory: ClientFactory = client_factory or default_client
    deadline = _deadline(config)
    batch_timeout = config.lease_wait + deadline + _MARGIN
    poll_timeout = deadline + 2 * _MARGIN

    async def on_startup(ctx: dict[str, Any]) -> None:
        made = factory(config)
        client = await made if inspect.isawaitable(made) else made
        if client._timeout.deadline > deadline:
            await client.aclose()
            raise ConfigurationError(
                f"the client's call deadline ({client._timeout.deadline:g} s) is longer than the"
                f" {deadline:g} s the batch job allows: set request_deadline"
            )
        ctx[RUNTIME_KEY] = QueueRuntime.build(client, ctx["redis"], config)
        logger.info(
            "mailkit worker ready: queue %r, limit %d across workers, redis %s",
            config.queue_name,
            config.limit,
            redact_url(config.redis_url),
        )

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        runtime = ctx.pop(RUNTIME_KEY, None)
        if isinstance(runtime, QueueRuntime):
            await runtime.client.aclose()

    settings: dict[str, Any] = {
        "functions": [
            func(send_batch_job, name=SEND_BATCH, timeout=batch_timeout),
            func(poll_results_job, name=POLL_RESULTS, timeout=poll_timeout),
        ],
        "queue_name": config.queue_name,
        "redis_settings": _redis_settings(config),
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "job_serializer": job_serializer,
        "job_deserializer": job_deserializer,
        "max_jobs": config.max_jobs,
        "poll_delay": config.poll_delay,
        "max_tries": config.max_tries,
        "keep_result": 3600,
    }
    settings.update(arq_options)
    return settings
