"""Results polling: ask ``sendmail_mass.results`` per batch until a ``SettlePolicy`` holds.

``poll_once`` makes at most one results call per due batch and updates the job state
in place; ``settle`` repeats it, sleeping until the next batch is due, until every
batch is settled. Both work on a ``BulkJobState`` alone, so a restarted worker can
resume from a saved state. Polling only reads: nothing is ever sent again.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from .._exceptions import ClientClosedError, MailkitError
from ..models import MassResults
from ._matching import apply_results, results_digest
from ._options import SettlePolicy
from ._state import ANSWERED, BatchRecord, BulkJobState

if TYPE_CHECKING:
    from .._client import MailkitClient

__all__ = ["PollRound", "due_at", "poll_once", "settle"]

_MAX_GROWTH_STEPS = 64


@attrs.frozen
class PollRound:
    """What one ``poll_once`` did (polling only reads: nothing is sent again).

    Attributes:
        polled: Results calls made.
        changed: Batches whose recipients' outcomes changed.
        settled: Batches that became settled in this round.
        pending: Batches still not settled afterwards.
        next_due: When the next poll is due (wall clock), None when all are settled.
        errors: Results calls that failed (after the client's own retries).
    """

    polled: int = 0
    changed: int = 0
    settled: int = 0
    pending: int = 0
    next_due: float | None = None
    errors: int = 0


def due_at(record: BatchRecord, policy: SettlePolicy) -> float:
    """When a batch's next results call is due (wall clock).

    ``first_delay`` after the send, then whatever the last poll scheduled.
    """
    if record.next_poll_at is not None:
        return record.next_poll_at
    return (record.sent_at or 0.0) + policy.first_delay


def _settle(record: BatchRecord, how: str) -> None:
    record.settled = True
    record.settled_by = how
    record.next_poll_at = None


def _schedule(
    record: BatchRecord, policy: SettlePolicy, now: float, rng: Callable[[], float]
) -> None:
    steps = min(max(record.polls - 1, 0), _MAX_GROWTH_STEPS)
    pause = min(policy.interval * policy.multiplier**steps, policy.max_interval)
    pause *= 1.0 + policy.jitter * (2.0 * rng() - 1.0)
    deadline = (record.sent_at or now) + policy.deadline
    record.next_poll_at = min(now + max(pause, 0.0), deadline)


async def _poll(
    client: MailkitClient,
    record: BatchRecord,
    policy: SettlePolicy,
    clock: Callable[[], float],
    rng: Callable[[], float],
) -> tuple[bool, bool, bool]:
    """Poll one batch: ``(changed, settled, failed)``."""
    changed = False
    results: MassResults | None = None
    try:
        results = await client.sendmail_mass_results(record.request_id or 0)
    except ClientClosedError:
        raise  # not a failed poll: nothing more can be learnt with this client
    except MailkitError as error:
        record.last_error = f"{type(error).__name__}: {error.message}"
    failed = results is None
    now = clock()
    record.polls += 1
    record.last_poll_at = now
    sent_at = record.sent_at if record.sent_at is not None else now
    if results is not None:
        record.last_error = ""
        changed = apply_results(record, results)
        digest = results_digest(results)
        if digest == record.digest:
            record.stable_polls += 1
        else:
            record.digest = digest
            record.stable_polls = 1
            record.stable_since = now
        stable_since = record.stable_since if record.stable_since is not None else now
        if (
            now >= sent_at + policy.first_delay
            and record.stable_polls >= policy.stable_polls
            and now - stable_since >= policy.stable_window
        ):
            _settle(record, "stable")
            return changed, True, failed
    if now >= sent_at + policy.deadline:
        _settle(record, "deadline")
        return changed, True, failed
    _schedule(record, policy, now, rng)
    return changed, False, failed


async def poll_once(
    client: MailkitClient,
    state: BulkJobState,
    *,
    policy: SettlePolicy | None = None,
    clock: Callable[[], float] = time.time,
    max_concurrency: int = 4,
    rng: Callable[[], float] = random.random,
) -> PollRound:
    """Poll every batch of ``state`` that is due, once, and update ``state`` in place.

    A batch is due ``policy.first_delay`` after its send, then after growing pauses.
    Batches without a results handle (refused, unknown, not sent, or answered without
    a ``request_id``) are settled as they are. A failed results call (after the
    client's own retries) is recorded in the batch's ``last_error`` and tried again at
    the next due time; a closed client raises ``ClientClosedError``. ``OK`` answers
    count toward stability like any other, so an ``OK`` while Mailkit is still
    processing does not settle a batch on its own.
    """
    if client.closed:
        raise ClientClosedError("the client is closed", function="mailkit.sendmail_mass.results")
    policy = policy or SettlePolicy()
    outcome = {"polled": 0, "changed": 0, "settled": 0, "errors": 0}
    now = clock()
    due: list[BatchRecord] = []
    for record in state.batches:
        if record.settled:
            continue
        if record.status != ANSWERED:
            _settle(record, "final")
            outcome["settled"] += 1
        elif record.request_id is None:
            _settle(record, "no_request_id")
            outcome["settled"] += 1
        elif due_at(record, policy) <= now:
            due.append(record)
    if due:
        gate = asyncio.Semaphore(max(1, max_concurrency))

        async def one(record: BatchRecord) -> tuple[bool, bool, bool]:
            async with gate:
                return await _poll(client, record, policy, clock, rng)

        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(record)) for record in due]
        except* ClientClosedError as closed:
            # The only error _poll lets through; raised as itself, not as a group.
            raise closed.exceptions[0] from None
        for task in tasks:
            changed, settled, failed = task.result()
            outcome["polled"] += 1
            outcome["changed"] += changed
            outcome["settled"] += settled
            outcome["errors"] += failed
    open_records = [r for r in state.batches if not r.settled]
    next_due = min((due_at(r, policy) for r in open_records), default=None)
    return PollRound(pending=len(open_records), next_due=next_due, **outcome)


async def settle(
    client: MailkitClient,
    state: BulkJobState,
    *,
    policy: SettlePolicy | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    on_round: Callable[[PollRound], object] | None = None,
) -> None:
    """Poll until every batch of ``state`` is settled (see ``SettlePolicy``).

    Returns at the latest about ``policy.deadline`` after the last send plus one
    results call: no pause ever ends past a batch's deadline.
    """
    policy = policy or SettlePolicy()
    while True:
        round_ = await poll_once(client, state, policy=policy, clock=clock)
        if on_round is not None:
            on_round(round_)
        if round_.pending == 0 or round_.next_due is None:
            return
        pause = round_.next_due - clock()
        if pause > 0:
            await sleep(pause)
