"""A coalescing limiter: a bounded queue that groups items into batches and runs K at once.

Items are added in runs: a list of items with one owner, one group (one
``sendmail_mass`` call carries one campaign and list) and one size estimate per item.
Bookkeeping is per run, not per item, so queueing a large ``send_all`` costs a few
operations per run. A group's buffer becomes a batch when it is full (count or bytes),
``linger`` seconds after its first item, or on ``flush()``; batches wait in FIFO order
for one of ``max_in_flight`` slots and then run as tasks the limiter keeps a reference
to.
Producers wait while ``capacity`` items are queued, so memory stays bounded.

The limiter does bookkeeping only: the ``run`` callback accounts for a batch's items
(it must not raise except on cancellation), and ``lost`` is told about a batch whose
task was cancelled before it started or that failed unexpectedly. Items removed
before their batch ran (``withdraw``, ``discard``) are handed back to the caller.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Iterable
from typing import Any, Generic, TypeAlias, TypeVar

from .._exceptions import ClientClosedError

__all__ = ["BatchLimiter", "Owner", "Run", "run_items", "run_length"]

logger = logging.getLogger("mailkit_async.bulk")

_TIMER_SLACK = 0.001

T = TypeVar("T")


class Owner:
    """One submission: a single ``send()`` (with a future) or one ``send_all()`` call.

    ``pending`` counts its items that have no outcome yet; ``wait()`` returns once it
    is zero.
    """

    __slots__ = ("_idle", "_open", "future", "pending")

    def __init__(self, future: asyncio.Future[Any] | None = None) -> None:
        self.future = future
        self.pending = 0
        self._open = True
        self._idle: asyncio.Event | None = None

    def finish(self, count: int = 1) -> None:
        """``count`` of the owner's items have their outcome."""
        self.pending -= count
        if self.pending <= 0 and not self._open and self._idle is not None:
            self._idle.set()

    async def wait(self) -> None:
        """No more items will come: wait until every item has its outcome."""
        self._open = False
        if self.pending > 0:
            self._idle = asyncio.Event()
            await self._idle.wait()


Run: TypeAlias = tuple[list[T], Owner, int]
"""Items queued together: (the items in order, their owner, estimated bytes of each)."""

RunBatch: TypeAlias = Callable[[Hashable, list[Run[T]]], Awaitable[None]]
LostBatch: TypeAlias = Callable[[Hashable, list[Run[T]], BaseException | None], None]


def run_length(runs: Iterable[Run[Any]]) -> int:
    """How many items ``runs`` hold."""
    return sum(len(run[0]) for run in runs)


def run_items(runs: list[Run[T]]) -> list[T]:
    """The items of ``runs`` in order (the run's own list when there is one run)."""
    if len(runs) == 1:
        return runs[0][0]
    return list(itertools.chain.from_iterable(run[0] for run in runs))


class _Buffer(Generic[T]):
    __slots__ = ("count", "due", "runs", "size")

    def __init__(self, due: float) -> None:
        self.runs: list[Run[T]] = []
        self.count = 0
        self.size = 0
        self.due = due  # the loop time at which it is cut however full it is


class _Batch(Generic[T]):
    """A cut batch waiting for a slot, then running."""

    __slots__ = ("count", "group", "runs", "started")

    def __init__(self, group: Hashable, runs: list[Run[T]], count: int) -> None:
        self.group = group
        self.runs = runs
        self.count = count
        self.started = False


class BatchLimiter(Generic[T]):
    """Bounded, grouped batching with at most ``max_in_flight`` batches running.

    Counters (``queued``, ``in_flight``, ``running_items``, ``waiting``) are exact after
    every call and every completed batch; all are 0 once the limiter is idle.
    """

    def __init__(
        self,
        run: RunBatch[T],
        lost: LostBatch[T],
        *,
        max_in_flight: int,
        max_batch: int,
        max_batch_bytes: int,
        capacity: int,
        linger: float,
    ) -> None:
        if min(max_in_flight, max_batch, max_batch_bytes, capacity) < 1 or linger < 0:
            raise ValueError("limits must be positive and linger not negative")
        self._run = run
        self._lost = lost
        self.max_in_flight = max_in_flight
        self.max_batch = max_batch
        self.max_batch_bytes = max_batch_bytes
        self.capacity = capacity
        self.linger = linger
        self.queued = 0
        """Items in buffers and in batches waiting for a slot."""
        self.in_flight = 0
        """Batches running."""
        self.running_items = 0
        """Items in running batches."""
        self._buffers: dict[Hashable, _Buffer[T]] = {}  # oldest first
        self._sweep_timer: asyncio.TimerHandle | None = None
        self._ready: deque[_Batch[T]] = deque()
        self._tasks: set[asyncio.Task[None]] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._reserved = 0
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._closed = False

    # -- state ------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """Producers waiting for room in the queue."""
        return len(self._waiters) + self._reserved

    @property
    def closed(self) -> bool:
        """Whether new items are refused."""
        return self._closed

    @property
    def idle(self) -> bool:
        """Nothing queued and nothing running."""
        return self.queued == 0 and self.in_flight == 0

    # -- adding -----------------------------------------------------------------

    def offer(self, group: Hashable, item: T, size: int, owner: Owner) -> bool:
        """Queue ``item`` if there is room now (and no producer waits before it)."""
        if self._closed:
            raise ClientClosedError("the bulk sender is closed")
        if self.queued + self._reserved >= self.capacity or self._waiters:
            return False
        self.offer_run(group, [item], size, owner)
        return True

    async def put(self, group: Hashable, item: T, size: int, owner: Owner) -> None:
        """Queue ``item``, waiting (in arrival order) while the queue is full."""
        if not self.offer(group, item, size, owner):
            await self.put_run(group, [item], size, owner)

    def offer_run(
        self,
        group: Hashable,
        items: list[T],
        size: int,
        owner: Owner,
        start: int = 0,
        *,
        jump: bool = False,
    ) -> int:
        """Queue ``items[start:]`` (each of ``size`` bytes, all of ``owner``) as room allows.

        Returns the position reached. ``jump`` is for a producer that was woken for
        room and may go before the ones still waiting. ``items`` is kept (not copied)
        when it goes into one batch whole: the caller must not change it afterwards.
        """
        if self._closed:
            raise ClientClosedError("the bulk sender is closed")
        if self._waiters and not jump:
            return start
        total = len(items)
        position = start
        while position < total:
            # Room is re-read each time: a cut may have started a batch and freed some.
            room = self.capacity - self.queued - self._reserved
            if room <= 0:
                break
            buffer = self._buffers.get(group)
            if buffer is None:
                buffer = self._new_buffer(group)
            take = min(total - position, room, self.max_batch - buffer.count)
            if size > 0 and buffer.size + take * size > self.max_batch_bytes:
                take = min(take, (self.max_batch_bytes - buffer.size) // size)
                if take <= 0:
                    if buffer.count:
                        self._cut(group)  # the bytes decide where this batch ends
                        continue
                    take = 1  # one item above the byte cap goes alone
            part = items if take == total else items[position : position + take]
            buffer.runs.append((part, owner, size))
            buffer.count += take
            buffer.size += take * size
            self.queued += take
            owner.pending += take
            position += take
            if buffer.count >= self.max_batch or buffer.size >= self.max_batch_bytes:
                self._cut(group)
        return position

    async def put_run(self, group: Hashable, items: list[T], size: int, owner: Owner) -> None:
        """Queue every item (all of ``owner``) in order, waiting for room as needed."""
        position = self.offer_run(group, items, size, owner)
        while position < len(items):
            # A full queue should not wait for linger timers: send what is there, which
            # may itself make room.
            self.flush()
            position = self.offer_run(group, items, size, owner, position)
            if position < len(items):
                await self._wait_for_room()
                position = self.offer_run(group, items, size, owner, position, jump=True)

    async def _wait_for_room(self) -> None:
        """Wait in line until room is made for this producer (it then holds a reservation)."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
            elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self._reserved -= 1  # woken but leaving: pass the room on
                self._wake()
            raise
        self._reserved -= 1

    def _new_buffer(self, group: Hashable) -> _Buffer[T]:
        loop = asyncio.get_running_loop()
        buffer: _Buffer[T] = _Buffer(loop.time() + self.linger)
        self._buffers[group] = buffer
        # One timer for all buffers, set for the oldest: most buffers fill up long before
        # they are due, and a timer per buffer would be set and cancelled for each batch.
        if self._sweep_timer is None:
            self._sweep_timer = loop.call_at(buffer.due, self._sweep)
        return buffer

    # -- cutting and running ----------------------------------------------------

    def flush(self) -> None:
        """Make every partly filled buffer a batch now."""
        for group in list(self._buffers):
            self._cut(group)
        self._stop_sweeping()

    def _stop_sweeping(self) -> None:
        """Cancel the linger timer when no buffer is left for it."""
        if not self._buffers and self._sweep_timer is not None:
            self._sweep_timer.cancel()
            self._sweep_timer = None

    def _sweep(self) -> None:
        """Cut the buffers that are due; set the timer for the oldest one left."""
        self._sweep_timer = None
        loop = asyncio.get_running_loop()
        now = loop.time() + _TIMER_SLACK  # asyncio may run a timer a little early
        for group, buffer in list(self._buffers.items()):
            if buffer.due > now:
                self._sweep_timer = loop.call_at(buffer.due, self._sweep)
                return  # the buffers after it are younger
            self._cut(group)

    def _cut(self, group: Hashable) -> None:
        buffer = self._buffers.pop(group)
        self._ready.append(_Batch(group, buffer.runs, buffer.count))
        self._dispatch()

    def _dispatch(self) -> None:
        while self.in_flight < self.max_in_flight and self._ready:
            self._start(self._ready.popleft())

    def _start(self, batch: _Batch[T]) -> None:
        self.queued -= batch.count
        self.in_flight += 1
        self.running_items += batch.count
        task = asyncio.get_running_loop().create_task(self._execute(batch))
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._finished, batch))
        self._wake()

    async def _execute(self, batch: _Batch[T]) -> None:
        batch.started = True
        await self._run(batch.group, batch.runs)

    def _finished(self, batch: _Batch[T], task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.in_flight -= 1
        self.running_items -= batch.count
        if task.cancelled():
            if not batch.started:
                self._lost(batch.group, batch.runs, None)
        else:
            error = task.exception()
            if error is not None:
                logger.error("a bulk batch task failed: %s", type(error).__name__)
                self._lost(batch.group, batch.runs, error)
        self._dispatch()
        self._check_idle()

    # -- room and idleness -------------------------------------------------------

    def _wake(self) -> None:
        room = self.capacity - self.queued - self._reserved
        while room > 0 and self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                self._reserved += 1
                room -= 1

    def _check_idle(self) -> None:
        if self.queued == 0 and self.in_flight == 0:
            waiters, self._idle_waiters = self._idle_waiters, []
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def wait_idle(self) -> None:
        """Wait until nothing is queued or running (queued items still need a cut)."""
        if self.idle:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._idle_waiters.append(waiter)
        await waiter

    # -- removing -----------------------------------------------------------------

    def withdraw(self, owner: Owner) -> list[tuple[Hashable, list[Run[T]]]]:
        """Remove ``owner``'s items that are not running yet; return them by group."""
        removed: list[tuple[Hashable, list[Run[T]]]] = []
        for group, buffer in list(self._buffers.items()):
            kept = _split_off(buffer.runs, owner, group, removed)
            if kept is not None:
                buffer.runs = kept
                buffer.count = run_length(kept)
                buffer.size = sum(len(run[0]) * run[2] for run in kept)
                if not kept:
                    del self._buffers[group]
        ready: deque[_Batch[T]] = deque()
        for batch in self._ready:
            kept = _split_off(batch.runs, owner, batch.group, removed)
            if kept is not None:
                batch.runs = kept
                batch.count = run_length(kept)
            if batch.runs:
                ready.append(batch)
        self._ready = ready
        self._stop_sweeping()
        self._forget(sum(run_length(runs) for _, runs in removed))
        return removed

    def discard(self) -> list[tuple[Hashable, list[Run[T]]]]:
        """Remove every item that is not running yet; return them by group."""
        removed: list[tuple[Hashable, list[Run[T]]]] = []
        for group, buffer in self._buffers.items():
            removed.append((group, buffer.runs))
        self._buffers.clear()
        self._stop_sweeping()
        removed.extend((batch.group, batch.runs) for batch in self._ready)
        self._ready.clear()
        self._forget(sum(run_length(runs) for _, runs in removed))
        return removed

    def _forget(self, count: int) -> None:
        if count:
            self.queued -= count
            self._wake()
        self._check_idle()

    def close(self) -> None:
        """Refuse new items; producers waiting for room get ``ClientClosedError``."""
        self._closed = True
        waiters, self._waiters = self._waiters, deque()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_exception(ClientClosedError("the bulk sender is closed"))

    async def cancel_running(self) -> None:
        """Cancel every running batch and wait until their tasks have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        await asyncio.sleep(0)  # let the tasks' done callbacks run


def _split_off(
    runs: list[Run[T]],
    owner: Owner,
    group: Hashable,
    removed: list[tuple[Hashable, list[Run[T]]]],
) -> list[Run[T]] | None:
    """The runs not of ``owner`` (None if all are kept); ``owner``'s go to ``removed``."""
    gone = [run for run in runs if run[1] is owner]
    if not gone:
        return None
    removed.append((group, gone))
    return [run for run in runs if run[1] is not owner]
