"""What a worker process shares between its jobs: one client, the ledger, the limiter."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import attrs

from .._exceptions import ConfigurationError
from ._config import QueueConfig
from ._ledger import JobLedger
from ._limit import LeaseLimiter

if TYPE_CHECKING:
    from arq.connections import ArqRedis

    from .._client import MailkitClient

__all__ = ["RUNTIME_KEY", "QueueRuntime", "runtime_of"]

RUNTIME_KEY: Final = "mailkit_queue"
"""Where ``on_startup`` puts the ``QueueRuntime`` in arq's worker context."""


@attrs.frozen
class QueueRuntime:
    """One worker process's Mailkit client, Redis pool, ledger and global limiter."""

    client: MailkitClient
    pool: ArqRedis
    ledger: JobLedger
    limiter: LeaseLimiter
    config: QueueConfig

    @classmethod
    def build(cls, client: MailkitClient, pool: ArqRedis, config: QueueConfig) -> QueueRuntime:
        """The runtime for ``client``: the limit is counted per Mailkit account."""
        limiter = LeaseLimiter(
            pool, config.key("limit", str(client.client_id)), config.limit, ttl=config.lease_ttl
        )
        return cls(client, pool, JobLedger(pool, config), limiter, config)


def runtime_of(ctx: Mapping[str, Any]) -> QueueRuntime:
    """The runtime a worker's ``on_startup`` stored in the job context."""
    runtime = ctx.get(RUNTIME_KEY)
    if not isinstance(runtime, QueueRuntime):
        raise ConfigurationError(
            "this arq worker was not started with mailkit_async.queue's worker settings"
            " (its on_startup sets up the Mailkit client)"
        )
    return runtime
