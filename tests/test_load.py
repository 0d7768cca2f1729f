"""Load and leaks: 10 000 calls at concurrency 100 with injected faults, both transports.

A mix of safe reads (``mailkit.campaigns.list``, whose answer stays small) and unsafe
creates (``mailkit.mailinglist.create`` with unique names; ``mailinglist.list`` would
grow with every create). Afterwards: no task left, the pools back to full capacity,
every call succeeded or raised a ``MailkitError``, and no create reached the emulator
twice.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import time

import pytest

from mailkit_async import MailkitClient, MailkitError, RetryPolicy, Timeout
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import TRANSPORTS
from tests.conftest import make_client

CALLS = 10_000
CONCURRENCY = 100
FAULT_SHARE = 0.04
SAFE = "mailkit.campaigns.list"
UNSAFE = "mailkit.mailinglist.create"


def _random_fault(rng: random.Random) -> Fault:
    kind = rng.randrange(4)
    if kind == 0:
        return Fault.status(503)
    if kind == 1:
        return Fault.close_after_body()
    if kind == 2:
        return Fault.delay(0.02)
    return Fault.close_before_body()


@pytest.mark.slow
async def test_ten_thousand_calls_with_faults() -> None:
    rng = random.Random(20240611)
    counter = itertools.count()
    outcomes: collections.Counter[str] = collections.Counter()
    odd: list[BaseException] = []
    policy = RetryPolicy(max_attempts=3, initial_delay=0.005, max_delay=0.02)
    timeout = Timeout(connect=2.0, read=2.0, total=5.0, deadline=10.0)

    async with MailkitEmulator() as emu:
        clients: dict[str, MailkitClient] = {
            t: make_client(emu, t, retry=policy, timeout=timeout) for t in TRANSPORTS
        }

        async def worker() -> None:
            while (i := next(counter)) < CALLS:
                if rng.random() < FAULT_SHARE:
                    emu.faults.add(_random_fault(rng))
                client = clients[TRANSPORTS[i % 2]]
                try:
                    if i % 3 == 0:
                        await client.call(UNSAFE, {"name": f"load-{i}"})
                    else:
                        await client.call(SAFE)
                except MailkitError as exc:
                    outcomes[type(exc).__name__] += 1
                except BaseException as exc:
                    odd.append(exc)
                else:
                    outcomes["ok"] += 1

        started = time.monotonic()
        async with clients["json"], clients["xmlrpc"]:
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            elapsed = time.monotonic() - started
            for client in clients.values():
                connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
                assert not connector._acquired, "connections still checked out"
                assert not connector._waiters, "requests still waiting for a connection"
        names = collections.Counter(r.params.get("name") for r in emu.calls(UNSAFE))

    print(dict(outcomes), f"{elapsed:.1f}s")
    assert not odd, odd[:3]
    assert sum(outcomes.values()) == CALLS
    assert outcomes["ok"] > CALLS * 0.9
    assert set(outcomes) - {"ok"}, "no fault reached the caller; the faults did not apply"
    assert max(names.values()) == 1, names.most_common(3)
    assert elapsed < 30.0
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == {asyncio.current_task()}
