"""The global lease limiter against a real redis-server."""

from __future__ import annotations

import asyncio
import os
import socket
import time

import pytest
from redis.asyncio import Redis

from mailkit_async.queue import LeaseLimiter, LeaseTimeout

from .conftest import RedisServer

pytestmark = pytest.mark.redis


async def test_at_most_k_holders_across_connections(redis_server: RedisServer) -> None:
    # Three connections stand in for three worker processes sharing one key.
    clients = [Redis.from_url(redis_server.url) for _ in range(3)]
    try:
        limiters = [LeaseLimiter(c, "test:limit:k", 3, ttl=5.0) for c in clients]
        holding = 0
        peak = 0
        held_ids: set[str] = set()

        async def work(limiter: LeaseLimiter) -> None:
            nonlocal holding, peak
            async with limiter.hold(wait=20.0) as lease:
                held_ids.add(lease.id)
                holding += 1
                peak = max(peak, holding)
                await asyncio.sleep(0.01)
                holding -= 1

        async with asyncio.TaskGroup() as group:
            for n in range(60):
                group.create_task(work(limiters[n % 3]))
        assert peak == 3
        assert len(held_ids) == 60
        assert await limiters[0].in_use() == 0
    finally:
        for client in clients:
            await client.aclose()


async def test_expired_lease_frees_its_slot(redis: Redis) -> None:
    limiter = LeaseLimiter(redis, "test:limit:expiry", 1, ttl=0.3)
    crashed = await limiter.try_acquire()  # taken and never renewed: a dead worker
    assert crashed is not None
    assert await limiter.try_acquire() is None
    assert await limiter.alive(crashed.id)
    await asyncio.sleep(0.45)
    assert not await limiter.alive(crashed.id)
    assert await limiter.in_use() == 0
    survivor = await limiter.try_acquire()
    assert survivor is not None
    # The dead holder cannot renew its way back in.
    assert not await crashed.renew()
    assert crashed.lost
    await survivor.release()


async def test_held_lease_is_renewed_past_its_ttl(redis: Redis) -> None:
    limiter = LeaseLimiter(redis, "test:limit:renew", 1, ttl=0.3)
    async with limiter.hold(wait=1.0) as lease:
        await asyncio.sleep(1.0)  # more than three TTLs
        assert await limiter.try_acquire() is None
        assert await limiter.alive(lease.id)
        assert not lease.lost
    assert await limiter.in_use() == 0  # released at once, not left to expire


async def test_waiting_gives_up_after_wait(redis: Redis) -> None:
    limiter = LeaseLimiter(redis, "test:limit:wait", 1, ttl=5.0)
    first = await limiter.acquire(wait=1.0)
    started = time.monotonic()
    with pytest.raises(LeaseTimeout, match=r"came free within 0\.2 s"):
        await limiter.acquire(wait=0.2)
    assert 0.2 <= time.monotonic() - started < 1.0
    await first.release()
    second = await limiter.acquire(wait=0.2)
    assert await limiter.alive(second.id)
    await second.release()


async def test_waiter_gets_slot_soon_after_release(redis: Redis) -> None:
    limiter = LeaseLimiter(redis, "test:limit:handover", 1, ttl=5.0)
    first = await limiter.acquire(wait=1.0)
    waiter = asyncio.create_task(limiter.acquire(wait=5.0))
    await asyncio.sleep(0.1)
    assert not waiter.done()
    released = time.monotonic()
    await first.release()
    second = await waiter
    assert time.monotonic() - released < 0.2
    await second.release()


async def test_lease_id_names_its_owner(redis: Redis) -> None:
    limiter = LeaseLimiter(redis, "test:limit:owner", 2)
    lease = await limiter.acquire(wait=1.0)
    assert lease.id.endswith(f"@{socket.gethostname()}:{os.getpid()}")
    assert "Lease(" in repr(lease)
    await lease.release()


def test_limit_must_be_positive() -> None:
    redis = Redis()
    with pytest.raises(ValueError, match="limit"):
        LeaseLimiter(redis, "k", 0)
    with pytest.raises(ValueError, match="ttl"):
        LeaseLimiter(redis, "k", 1, ttl=0)


async def test_a_lease_lost_while_held_is_flagged(
    redis: Redis, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = LeaseLimiter(redis, "test:limit:lost", 1, ttl=0.3)
    async with limiter.hold(wait=1.0) as lease:
        await redis.zrem(limiter.key, lease.id)  # as if it had expired during a stall
        await asyncio.sleep(0.25)
        assert lease.lost
    assert "expired before it was renewed" in caplog.text
