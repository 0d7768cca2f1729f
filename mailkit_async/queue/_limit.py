"""One concurrency limit shared by every worker: leases in a Redis sorted set.

Each lease is a member of one sorted set, scored by the time it expires (Redis's own
clock, so workers on different machines agree). Taking a lease drops expired ones and
adds a new one only while fewer than ``limit`` are live, in one Lua script, so two
workers can never both take the last slot. A holder renews its lease while its request
runs; a worker that dies stops renewing, and its slot comes back when the lease
expires instead of being lost for good.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Final

from .._exceptions import MailkitError

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Lease", "LeaseLimiter", "LeaseTimeout", "new_lease_id"]

logger = logging.getLogger("mailkit_async.queue")

# KEYS[1] the lease set; ARGV: lease id, limit, ttl in ms.
# Returns {1, 0} when taken, else {0, ms until the earliest lease expires}.
_ACQUIRE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return {1, 0}
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, tonumber(first[2]) - now}
"""

# KEYS[1] the lease set; ARGV: lease id, ttl in ms. 1 when renewed, 0 when it had expired.
_RENEW: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not score or tonumber(score) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[1])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
"""

# KEYS[1] the lease set. Live leases now.
_COUNT: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
"""

# KEYS[1] the lease set; ARGV[1] a lease id. 1 when that lease is live.
_ALIVE: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local score = redis.call('ZSCORE', KEYS[1], ARGV[1])
if score and tonumber(score) > now then return 1 end
return 0
"""

_HOST: Final = socket.gethostname()


def new_lease_id() -> str:
    """A fresh lease ID: ``<random>@<host>:<pid>``, so a stuck lease names its owner."""
    return f"{uuid.uuid4().hex[:16]}@{_HOST}:{os.getpid()}"


class LeaseTimeout(MailkitError, TimeoutError):
    """No lease came free within the wait allowed; nothing was sent."""


class Lease:
    """One held slot of a ``LeaseLimiter``.

    Attributes:
        id: The lease's ID (``<random>@<host>:<pid>``).
        lost: Set when a renewal found the lease already expired (the worker was
            stalled longer than the lease's TTL); the slot may then have been given
            to someone else while this holder's request still ran.
    """

    def __init__(self, limiter: LeaseLimiter, lease_id: str) -> None:
        self._limiter = limiter
        self.id = lease_id
        self.lost = False

    async def renew(self) -> bool:
        """Push the expiry one TTL ahead; False (and ``lost`` set) if it had expired."""
        if not await self._limiter._renew(self.id):
            self.lost = True
        return not self.lost

    async def release(self) -> None:
        """Give the slot back (a lease that already expired is simply gone)."""
        await self._limiter.redis.zrem(self._limiter.key, self.id)

    def __repr__(self) -> str:
        return f"Lease({self.id!r}, lost={self.lost})"


class LeaseLimiter:
    """At most ``limit`` leases live at once across every process using ``key``.

    ::

        limiter = LeaseLimiter(redis, "mailkit:limit:12345", limit=2, ttl=60)
        async with limiter.hold(wait=30) as lease:   # LeaseTimeout after 30 s
            ...                                      # renewed every 20 s meanwhile

    Waiting polls Redis with a short jittered pause (no FIFO order between waiters).
    ``ttl`` is how long a lease outlives its holder's last renewal.
    """

    def __init__(
        self,
        redis: Redis,
        key: str,
        limit: int,
        *,
        ttl: float = 120.0,
        min_pause: float = 0.005,
        max_pause: float = 0.05,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self.redis = redis
        self.key = key
        self.limit = limit
        self.ttl = ttl
        self._min_pause = min_pause
        self._max_pause = max_pause
        self._ttl_ms = max(1, int(ttl * 1000))
        self._acquire = redis.register_script(_ACQUIRE)
        self._renew_script = redis.register_script(_RENEW)
        self._count = redis.register_script(_COUNT)
        self._alive = redis.register_script(_ALIVE)

    async def try_acquire(self, lease_id: str | None = None) -> Lease | None:
        """Take a lease if a slot is free now, else None."""
        lease_id = lease_id or new_lease_id()
        taken, _ = await self._acquire(keys=[self.key], args=[lease_id, self.limit, self._ttl_ms])
        return Lease(self, lease_id) if int(taken) else None

    async def acquire(self, *, wait: float, lease_id: str | None = None) -> Lease:
        """Take a lease, waiting up to ``wait`` seconds; ``LeaseTimeout`` after that."""
        lease_id = lease_id or new_lease_id()
        give_up = time.monotonic() + wait
        pause = self._min_pause
        while True:
            taken, free_in_ms = await self._acquire(
                keys=[self.key], args=[lease_id, self.limit, self._ttl_ms]
            )
            if int(taken):
                return Lease(self, lease_id)
            left = give_up - time.monotonic()
            if left <= 0:
                raise LeaseTimeout(
                    f"no lease of {self.key!r} (limit {self.limit}) came free within {wait:g} s"
                )
            nap = min(pause, max(int(free_in_ms), 1) / 1000.0, left)
            await asyncio.sleep(nap * random.uniform(0.5, 1.0))
            pause = min(pause * 2, self._max_pause)

    @contextlib.asynccontextmanager
    async def hold(self, *, wait: float, lease_id: str | None = None) -> AsyncIterator[Lease]:
        """Hold a lease for the block: acquired (``LeaseTimeout``), renewed, released."""
        lease = await self.acquire(wait=wait, lease_id=lease_id)
        keeper = asyncio.create_task(self._keep(lease))
        try:
            yield lease
        finally:
            keeper.cancel()
            # wait() never raises the keeper's own cancellation, so a cancel aimed at
            # this task (a job timeout, a shutdown) is not swallowed here.
            await asyncio.wait({keeper})
            await asyncio.shield(self._release_quietly(lease))

    async def in_use(self) -> int:
        """Live leases now."""
        return int(await self._count(keys=[self.key]))

    async def alive(self, lease_id: str) -> bool:
        """Whether the lease ``lease_id`` is live (held and not expired)."""
        return bool(int(await self._alive(keys=[self.key], args=[lease_id])))

    async def _renew(self, lease_id: str) -> bool:
        return bool(int(await self._renew_script(keys=[self.key], args=[lease_id, self._ttl_ms])))

    async def _keep(self, lease: Lease) -> None:
        """Renew ``lease`` every third of the TTL until cancelled."""
        period = self.ttl / 3.0
        while True:
            await asyncio.sleep(period)
            try:
                if not await lease.renew():
                    logger.warning(
                        "lease %s of %s expired before it was renewed: the limit may have"
                        " been exceeded while its request ran",
                        lease.id,
                        self.key,
                    )
                    return
            except Exception as exc:  # Redis unreachable: try again next period
                logger.warning("renewing lease %s failed: %s", lease.id, type(exc).__name__)

    async def _release_quietly(self, lease: Lease) -> None:
        try:
            await lease.release()
        except Exception as exc:  # it expires on its own after the TTL
            logger.warning("releasing lease %s failed: %s", lease.id, type(exc).__name__)

    def __repr__(self) -> str:
        return f"LeaseLimiter(key={self.key!r}, limit={self.limit}, ttl={self.ttl:g})"
