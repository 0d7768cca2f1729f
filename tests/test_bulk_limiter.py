"""The coalescing limiter's accounting (scenario 24): a Hypothesis state machine plus unit tests.

The machine submits, cancels, flushes, and lets batches succeed, fail or time out, with a
bounded queue and at most K batches running. After every step the limiter's counters
must match what the harness observed (what entered the queue, what started, what was
withdrawn), no batch runs beyond K, nothing starts twice, and at the end everything is
zero, every future is resolved and no task is left.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from mailkit_async import ClientClosedError
from mailkit_async._bulk._limiter import BatchLimiter, Entry, Owner

K = 3
CAPACITY = 6
MAX_BATCH = 3
TICKS = 25


class LimiterMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.limiter: BatchLimiter[int] = BatchLimiter(
            self._run,
            self._lost,
            max_in_flight=K,
            max_batch=MAX_BATCH,
            max_batch_bytes=1_000_000,
            capacity=CAPACITY,
            linger=3600.0,  # batches are cut by size, by flush() or by a full queue
        )
        self.next_id = 0
        self.submitters: dict[int, asyncio.Task[Any]] = {}
        self.owners: dict[int, Owner] = {}
        self.entered: set[int] = set()
        self.withdrawn: set[int] = set()
        self.discarded: set[int] = set()
        self.closed = False
        self.started: list[tuple[Hashable, list[int]]] = []
        self.gates: dict[int, asyncio.Future[str]] = {}
        self.finished: set[int] = set()
        self.peak = 0

    # -- the harness's side of the limiter -------------------------------------------------

    async def _run(self, group: Hashable, entries: list[Entry[int]]) -> None:
        index = len(self.started)
        self.started.append((group, [item for item, _, _ in entries]))
        self.peak = max(self.peak, self.limiter.in_flight)
        gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.gates[index] = gate
        try:
            verdict = await gate
        except asyncio.CancelledError:
            self._resolve(entries, "cancelled")
            raise
        finally:
            self.finished.add(index)
        if verdict == "fail":
            raise RuntimeError("the batch failed")
        self._resolve(entries, "accepted" if verdict == "ok" else "unknown")

    def _lost(
        self, group: Hashable, entries: list[Entry[int]], error: BaseException | None
    ) -> None:
        self._resolve(entries, "lost")

    @staticmethod
    def _resolve(entries: list[Entry[int]], state: str) -> None:
        for _, owner, _ in entries:
            if owner.future is not None and not owner.future.done():
                owner.future.set_result(state)
            owner.finish()

    async def _submit(self, item: int, group: str) -> str:
        owner = self.owners[item]
        assert owner.future is not None
        try:
            await self.limiter.put(group, item, 1, owner)
        except BaseException:
            owner.future.cancel()  # never queued (as BulkSender.send does)
            raise
        self.entered.add(item)
        try:
            return await owner.future
        except asyncio.CancelledError:
            for _, entries in self.limiter.withdraw(owner):
                for withdrawn, entry_owner, _ in entries:
                    self.withdrawn.add(withdrawn)
                    entry_owner.finish()
            raise

    def _tick(self, action: Any = None) -> None:
        """Run ``action`` on the loop (if any), then let every task react."""

        async def ticks() -> None:
            if action is not None:
                action()
            for _ in range(TICKS):
                await asyncio.sleep(0)

        self.loop.run_until_complete(ticks())

    # -- rules --------------------------------------------------------------------------------

    @rule(group=st.sampled_from(["a", "b"]), count=st.integers(1, 8))
    def submit(self, group: str, count: int) -> None:
        for _ in range(count):
            item = self.next_id
            self.next_id += 1
            self.owners[item] = Owner(self.loop.create_future())
            self.submitters[item] = self.loop.create_task(self._submit(item, group))
        self._tick()

    @rule(data=st.data())
    def cancel_a_submitter(self, data: st.DataObject) -> None:
        live = sorted(i for i, t in self.submitters.items() if not t.done())
        if live:
            self.submitters[data.draw(st.sampled_from(live))].cancel()
            self._tick()

    @rule(data=st.data())
    def make_room_and_cancel_the_woken_producer(self, data: st.DataObject) -> None:
        """Withdraw a queued item, which wakes the first blocked producer, and cancel that
        producer before it runs: its reservation must pass on, not leak."""
        started = {item for _, items in self.started for item in items}
        queued = sorted(self.entered - started - self.withdrawn)
        blocked = sorted(
            i for i, t in self.submitters.items() if not t.done() and i not in self.entered
        )
        if not queued or not blocked:
            return
        victim = data.draw(st.sampled_from(queued))

        def action() -> None:
            self.submitters[victim].cancel()
            for _, entries in self.limiter.withdraw(self.owners[victim]):
                for withdrawn, owner, _ in entries:
                    self.withdrawn.add(withdrawn)
                    owner.finish()
            self.submitters[blocked[0]].cancel()

        self._tick(action)

    @rule()
    def close_and_discard(self) -> None:
        """The sender's shutdown with on_error="discard": refuse, drop what is queued."""
        if self.closed:
            return
        self.closed = True

        def action() -> None:
            self.limiter.close()
            for _, entries in self.limiter.discard():
                for item, owner, _ in entries:
                    self.discarded.add(item)
                    assert owner.future is not None
                    owner.future.set_result("discarded")
                    owner.finish()

        self._tick(action)

    @rule()
    def flush(self) -> None:
        self._tick(self.limiter.flush)

    @rule(data=st.data(), verdict=st.sampled_from(["ok", "fail", "timeout"]))
    def finish_a_batch(self, data: st.DataObject, verdict: str) -> None:
        open_gates = sorted(i for i, g in self.gates.items() if not g.done())
        if open_gates:
            self.gates[data.draw(st.sampled_from(open_gates))].set_result(verdict)
            self._tick()

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def counters_match_what_was_observed(self) -> None:
        started_items = [item for _, items in self.started for item in items]
        assert len(started_items) == len(set(started_items)), "an item started twice"
        assert not (set(started_items) & self.withdrawn), "a withdrawn item was sent"
        assert not (set(started_items) & self.discarded), "a discarded item was sent"
        running = [i for i in range(len(self.started)) if i not in self.finished]
        limiter = self.limiter
        assert limiter.in_flight == len(running) <= K
        assert limiter.running_items == sum(len(self.started[i][1]) for i in running)
        expected_queued = len(self.entered - set(started_items) - self.withdrawn - self.discarded)
        assert limiter.queued == expected_queued <= CAPACITY
        blocked = [i for i, t in self.submitters.items() if not t.done() and i not in self.entered]
        assert limiter.waiting == len(blocked)
        for group, items in self.started:
            assert 1 <= len(items) <= MAX_BATCH
            assert group in ("a", "b")
        assert self.peak <= K

    def teardown(self) -> None:
        try:
            self._tick(self.limiter.flush)
            for _ in range(200):
                open_gates = [g for g in self.gates.values() if not g.done()]
                if not open_gates and self.limiter.idle and self.limiter.waiting == 0:
                    break
                for gate in open_gates:
                    gate.set_result("ok")
                self._tick(self.limiter.flush)
            limiter = self.limiter
            assert (limiter.queued, limiter.in_flight, limiter.running_items) == (0, 0, 0)
            assert limiter.waiting == 0
            assert all(t.done() for t in self.submitters.values())
            for item, owner in self.owners.items():
                assert owner.future is not None
                assert owner.future.done(), f"future of {item} unresolved"
                assert owner.pending == 0
            self._tick(self.limiter.close)
            assert not asyncio.all_tasks(self.loop)
            assert not (self.entered & self.discarded & self.withdrawn)
        finally:
            self._shut_loop()

    def _shut_loop(self) -> None:
        """Cancel whatever a failed example left running, then close the loop."""
        leftovers = asyncio.all_tasks(self.loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            self.loop.run_until_complete(asyncio.wait(leftovers))
        for task in self.submitters.values():
            if task.done() and not task.cancelled():
                task.exception()
        self.loop.close()


TestLimiterAccounting = LimiterMachine.TestCase
TestLimiterAccounting.settings = settings(
    max_examples=60,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- direct unit tests -------------------------------------------------------------------------


def make(run: Any, **kw: Any) -> BatchLimiter[int]:
    options = {
        "max_in_flight": 1,
        "max_batch": 2,
        "max_batch_bytes": 100,
        "capacity": 4,
        "linger": 3600.0,
    }
    options.update(kw)
    return BatchLimiter(run, lambda group, entries, error: None, **options)


async def test_a_linger_timer_cuts_a_partial_batch() -> None:
    batches: list[list[int]] = []

    async def run(group: Hashable, entries: list[Entry[int]]) -> None:
        batches.append([item for item, _, _ in entries])
        for _, owner, _ in entries:
            owner.finish()

    limiter = make(run, linger=0.02, max_batch=10)
    owner = Owner()
    assert limiter.offer("g", 1, 1, owner)
    assert limiter.offer("g", 2, 1, owner)
    await asyncio.sleep(0.01)
    assert batches == []
    await owner.wait()
    assert batches == [[1, 2]]
    await limiter.wait_idle()
    assert limiter.idle


async def test_bytes_cut_batches_before_they_overflow() -> None:
    batches: list[list[int]] = []

    async def run(group: Hashable, entries: list[Entry[int]]) -> None:
        batches.append([item for item, _, _ in entries])
        for _, owner, _ in entries:
            owner.finish()

    limiter = make(run, max_batch=10, max_batch_bytes=100, capacity=10, max_in_flight=3)
    owner = Owner()
    await limiter.put_many("g", [(i, owner, 40) for i in range(5)], owner)
    limiter.flush()
    await owner.wait()
    assert batches == [[0, 1], [2, 3], [4]]


async def test_closing_wakes_waiting_producers_with_client_closed() -> None:
    gate = asyncio.Event()

    async def run(group: Hashable, entries: list[Entry[int]]) -> None:
        await gate.wait()
        for _, owner, _ in entries:
            owner.finish()

    limiter = make(run, capacity=2, max_batch=2)
    owner = Owner()
    await limiter.put("g", 1, 1, owner)
    await limiter.put("g", 2, 1, owner)  # cut: running
    await limiter.put("g", 3, 1, owner)
    await limiter.put("g", 4, 1, owner)  # cut: waiting for the slot, queue full
    producer = asyncio.create_task(limiter.put("g", 5, 1, owner))
    await asyncio.sleep(0)
    assert limiter.waiting == 1
    limiter.close()
    with pytest.raises(ClientClosedError):
        await producer
    with pytest.raises(ClientClosedError):
        limiter.offer("g", 6, 1, owner)
    removed = limiter.discard()
    assert [[item for item, _, _ in entries] for _, entries in removed] == [[3, 4]]
    owner.finish(2)
    gate.set()
    await owner.wait()
    await limiter.wait_idle()
    assert (limiter.queued, limiter.in_flight, limiter.waiting) == (0, 0, 0)


async def test_a_batch_cancelled_before_it_started_is_reported_lost() -> None:
    lost: list[list[int]] = []

    async def run(group: Hashable, entries: list[Entry[int]]) -> None:
        raise AssertionError("never runs")

    limiter: BatchLimiter[int] = BatchLimiter(
        run,
        lambda group, entries, error: lost.append([item for item, _, _ in entries]),
        max_in_flight=1,
        max_batch=1,
        max_batch_bytes=10,
        capacity=2,
        linger=3600.0,
    )
    owner = Owner()
    assert limiter.offer("g", 7, 1, owner)  # cut and started at once
    await limiter.cancel_running()
    assert lost == [[7]]
    assert limiter.idle
