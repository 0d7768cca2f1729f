"""The coalescing limiter's accounting (scenario 24): a Hypothesis state machine plus unit tests.

The machine submits single items (as ``send()`` does) and runs of items with one owner
(as ``send_all()`` does), cancels, flushes, and lets batches succeed, fail or time out,
with a bounded queue, a byte cap and at most K batches running. After every step the
limiter's counters must match what the harness observed (what entered the queue, what
started, what was withdrawn), no batch runs beyond K or over the caps, nothing starts
twice, a run's items start in order, and at the end everything is zero, every owner is
settled and no task is left.
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
from mailkit_async._bulk._limiter import BatchLimiter, Owner, Run, RunBatch, run_items

K = 3
CAPACITY = 6
MAX_BATCH = 3
MAX_BYTES = 5
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
            max_batch_bytes=MAX_BYTES,
            capacity=CAPACITY,
            linger=3600.0,  # batches are cut by size, by flush() or by a full queue
        )
        self.next_id = 0
        self.submitters: dict[int, asyncio.Task[Any]] = {}
        self.owners: dict[int, Owner] = {}
        self.sizes: dict[int, int] = {}
        # Runs: their owner's task and items, and how many of them the harness settled.
        self.run_tasks: dict[int, asyncio.Task[Any]] = {}
        self.run_items: dict[int, list[int]] = {}
        self.run_owners: dict[int, Owner] = {}
        self.settled: dict[int, int] = {}
        self.entered: set[int] = set()
        self.withdrawn: set[int] = set()
        self.discarded: set[int] = set()
        self.closed = False
        self.started: list[tuple[Hashable, list[int]]] = []
        self.gates: dict[int, asyncio.Future[str]] = {}
        self.finished: set[int] = set()
        self.peak = 0

    # -- the harness's side of the limiter -------------------------------------------------

    async def _run(self, group: Hashable, runs: list[Run[int]]) -> None:
        index = len(self.started)
        self.started.append((group, list(run_items(runs))))
        self.peak = max(self.peak, self.limiter.in_flight)
        gate: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.gates[index] = gate
        try:
            verdict = await gate
        except asyncio.CancelledError:
            self._resolve(runs, "cancelled")
            raise
        finally:
            self.finished.add(index)
        if verdict == "fail":
            raise RuntimeError("the batch failed")
        self._resolve(runs, "accepted" if verdict == "ok" else "unknown")

    def _lost(self, group: Hashable, runs: list[Run[int]], error: BaseException | None) -> None:
        self._resolve(runs, "lost")

    def _resolve(self, runs: list[Run[int]], state: str) -> None:
        for items, owner, _ in runs:
            if owner.future is not None and not owner.future.done():
                owner.future.set_result(state)
            self._settle(owner, len(items))

    def _settle(self, owner: Owner, count: int) -> None:
        """The harness gives ``count`` items of ``owner`` their outcome."""
        self.settled[id(owner)] = self.settled.get(id(owner), 0) + count
        owner.finish(count)

    def _entered_of_runs(self) -> set[int]:
        """Items of runs that entered the queue: the first (pending + settled) of each."""
        entered: set[int] = set()
        for key, owner in self.run_owners.items():
            count = owner.pending + self.settled.get(id(owner), 0)
            entered.update(self.run_items[key][:count])
        return entered

    def _blocked_runs(self) -> list[int]:
        """Run submitters still waiting for room for some of their items."""
        entered = self._entered_of_runs()
        return [
            key
            for key, task in self.run_tasks.items()
            if not task.done() and not set(self.run_items[key]) <= entered
        ]

    async def _submit_run(self, key: int, group: str, size: int) -> None:
        owner = self.run_owners[key]
        try:
            await self.limiter.put_run(group, self.run_items[key], size, owner)
            await owner.wait()
        except BaseException:
            # As BulkSender.send_all does: what is still queued is withdrawn.
            for _, runs in self.limiter.withdraw(owner):
                for items, run_owner, _ in runs:
                    self.withdrawn.update(items)
                    self._settle(run_owner, len(items))
            raise

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
            for _, runs in self.limiter.withdraw(owner):
                for items, run_owner, _ in runs:
                    self.withdrawn.update(items)
                    self._settle(run_owner, len(items))
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
            self.sizes[item] = 1
            self.submitters[item] = self.loop.create_task(self._submit(item, group))
        self._tick()

    @rule(group=st.sampled_from(["a", "b"]), count=st.integers(1, 9), size=st.integers(1, 2))
    def submit_a_run(self, group: str, count: int, size: int) -> None:
        key = self.next_id
        items = list(range(self.next_id, self.next_id + count))
        self.next_id += count
        for item in items:
            self.sizes[item] = size
        self.run_items[key] = items
        self.run_owners[key] = Owner()
        self.run_tasks[key] = self.loop.create_task(self._submit_run(key, group, size))
        self._tick()

    @rule(data=st.data())
    def cancel_a_run(self, data: st.DataObject) -> None:
        live = sorted(k for k, t in self.run_tasks.items() if not t.done())
        if live:
            self.run_tasks[data.draw(st.sampled_from(live))].cancel()
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
            for _, runs in self.limiter.withdraw(self.owners[victim]):
                for items, owner, _ in runs:
                    self.withdrawn.update(items)
                    self._settle(owner, len(items))
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
            for _, runs in self.limiter.discard():
                for items, owner, _ in runs:
                    self.discarded.update(items)
                    if owner.future is not None:
                        owner.future.set_result("discarded")
                    self._settle(owner, len(items))

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
        entered = self.entered | self._entered_of_runs()
        expected_queued = len(entered - set(started_items) - self.withdrawn - self.discarded)
        assert limiter.queued == expected_queued <= CAPACITY
        blocked = [i for i, t in self.submitters.items() if not t.done() and i not in self.entered]
        assert limiter.waiting == len(blocked) + len(self._blocked_runs())
        for group, items in self.started:
            assert 1 <= len(items) <= MAX_BATCH
            assert len(items) == 1 or sum(self.sizes[i] for i in items) <= MAX_BYTES
            assert group in ("a", "b")
        assert self.peak <= K
        for items in self.run_items.values():
            members = set(items)
            in_order = [i for _, batch in self.started for i in batch if i in members]
            assert in_order == sorted(in_order), "a run's items started out of order"

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
            assert all(t.done() for t in self.run_tasks.values())
            for item, owner in self.owners.items():
                assert owner.future is not None
                assert owner.future.done(), f"future of {item} unresolved"
                assert owner.pending == 0
            for owner in self.run_owners.values():
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
        for task in [*self.submitters.values(), *self.run_tasks.values()]:
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


def finishing(batches: list[list[int]] | None = None) -> RunBatch[int]:
    """A run callback that finishes every item, recording each batch's items if asked."""

    async def run(group: Hashable, runs: list[Run[int]]) -> None:
        if batches is not None:
            batches.append(list(run_items(runs)))
        for items, owner, _ in runs:
            owner.finish(len(items))

    return run


def make(run: Any, **kw: Any) -> BatchLimiter[int]:
    options = {
        "max_in_flight": 1,
        "max_batch": 2,
        "max_batch_bytes": 100,
        "capacity": 4,
        "linger": 3600.0,
    }
    options.update(kw)
    return BatchLimiter(run, lambda group, runs, error: None, **options)


async def test_a_linger_timer_cuts_a_partial_batch() -> None:
    batches: list[list[int]] = []
    run = finishing(batches)
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


async def test_each_buffer_lingers_from_its_own_start_under_one_timer() -> None:
    cut: list[tuple[Hashable, list[int]]] = []

    async def run(group: Hashable, runs: list[Run[int]]) -> None:
        cut.append((group, list(run_items(runs))))
        for items, owner, _ in runs:
            owner.finish(len(items))

    limiter = make(run, linger=0.2, max_batch=10, max_in_flight=2)
    owner = Owner()
    assert limiter.offer("a", 1, 1, owner)
    await asyncio.sleep(0.1)
    assert limiter.offer("b", 2, 1, owner)
    await asyncio.sleep(0.15)  # "a" is due, "b" is not
    assert cut == [("a", [1])]
    await asyncio.sleep(0.15)
    assert cut == [("a", [1]), ("b", [2])]
    await limiter.wait_idle()
    assert limiter._sweep_timer is None  # nothing left to linger for


async def test_flush_and_discard_leave_no_linger_timer_behind() -> None:
    limiter = make(finishing(), linger=3600.0, max_batch=10, max_in_flight=2)
    owner = Owner()
    assert limiter.offer("a", 1, 1, owner)
    assert limiter._sweep_timer is not None
    limiter.flush()
    assert limiter._sweep_timer is None
    await limiter.wait_idle()
    assert limiter.offer("b", 2, 1, owner)
    assert limiter._sweep_timer is not None
    assert [runs for _, runs in limiter.discard()] == [[([2], owner, 1)]]
    assert limiter._sweep_timer is None


async def test_bytes_cut_batches_before_they_overflow() -> None:
    batches: list[list[int]] = []
    run = finishing(batches)
    limiter = make(run, max_batch=10, max_batch_bytes=100, capacity=10, max_in_flight=3)
    owner = Owner()
    await limiter.put_run("g", list(range(5)), 40, owner)
    limiter.flush()
    await owner.wait()
    assert batches == [[0, 1], [2, 3], [4]]


async def test_an_item_above_the_byte_cap_goes_alone() -> None:
    batches: list[list[int]] = []
    run = finishing(batches)
    limiter = make(run, max_batch=10, max_batch_bytes=100, capacity=10, max_in_flight=3)
    owner = Owner()
    await limiter.put_run("g", [0, 1], 30, owner)
    await limiter.put_run("g", [2, 3], 150, owner)  # each alone, after a cut
    await limiter.put_run("g", [4], 30, owner)
    limiter.flush()
    await owner.wait()
    assert batches == [[0, 1], [2], [3], [4]]
    await limiter.wait_idle()
    assert (limiter.queued, limiter.in_flight, limiter.running_items) == (0, 0, 0)


async def test_closing_wakes_waiting_producers_with_client_closed() -> None:
    gate = asyncio.Event()

    async def run(group: Hashable, runs: list[Run[int]]) -> None:
        await gate.wait()
        for items, owner, _ in runs:
            owner.finish(len(items))

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
    assert [run_items(runs) for _, runs in removed] == [[3, 4]]
    owner.finish(2)
    gate.set()
    await owner.wait()
    await limiter.wait_idle()
    assert (limiter.queued, limiter.in_flight, limiter.waiting) == (0, 0, 0)


async def test_a_batch_cancelled_before_it_started_is_reported_lost() -> None:
    lost: list[list[int]] = []

    async def run(group: Hashable, runs: list[Run[int]]) -> None:
        raise AssertionError("never runs")

    limiter: BatchLimiter[int] = BatchLimiter(
        run,
        lambda group, runs, error: lost.append(run_items(runs)),
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
