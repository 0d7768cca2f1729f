"""Helpers for queue tests: an in-process runtime and an in-process arq worker."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker

from mailkit_async import MailkitClient, SettlePolicy
from mailkit_async.queue import QueueConfig, worker_settings
from mailkit_async.queue._runtime import RUNTIME_KEY, QueueRuntime
from mailkit_async.testing import MailkitEmulator

FAST_SETTLE = SettlePolicy(
    first_delay=0.0,
    interval=0.1,
    multiplier=1.0,
    max_interval=0.5,
    stable_polls=2,
    stable_window=0.1,
    deadline=30.0,
    jitter=0.0,
)


def emulator_client(emu: MailkitEmulator, transport: str = "xmlrpc") -> MailkitClient:
    from mailkit_async import Timeout

    return MailkitClient(
        emu.client_id,
        emu.client_md5,
        transport=transport,  # type: ignore[arg-type]
        base_url=emu.url,
        timeout=Timeout(connect=2.0, read=5.0, total=5.0, deadline=5.0),
    )


@asynccontextmanager
async def job_context(
    emu: MailkitEmulator, pool: ArqRedis, config: QueueConfig
) -> AsyncIterator[dict[str, Any]]:
    """An arq job context like a worker's ``on_startup`` makes, in this process."""
    async with emulator_client(emu) as client:
        yield {"redis": pool, RUNTIME_KEY: QueueRuntime.build(client, pool, config)}


async def run_burst_worker(emu: MailkitEmulator, config: QueueConfig, **options: Any) -> Worker:
    """Run an arq worker in this process until the queue is empty; return it."""
    settings = worker_settings(
        config,
        client_factory=lambda _: emulator_client(emu),
        burst=True,
        handle_signals=False,
        **options,
    )
    worker = Worker(**settings)
    try:
        await worker.async_run()
    finally:
        # Worker.close() calls redis-py's deprecated close(); shut down by hand instead.
        if worker.on_shutdown is not None:
            await worker.on_shutdown(worker.ctx)
        if worker._pool is not None:
            await worker._pool.aclose()
    return worker
