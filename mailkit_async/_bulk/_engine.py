"""``BulkSender``: batching, a concurrency limit and full accounting around ``send_batch``.

The sender is built from the reusable pieces: recipients are prepared into wire
structs (``RecipientPreparer``), grouped and bounded by the ``BatchLimiter``, cut into
``BatchSpec``s and encoded; the structs are then freed and each call is made with
``call_batch`` (``send_batch`` after encoding; at most once each) and recorded in the
``BulkJobState``; ``settle`` polls results with ``poll_once``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import (
    AsyncIterable,
    AsyncIterator,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, cast

import attrs

from .._exceptions import ClientClosedError, ConfigurationError, MailkitError
from ..models import MassRecipient
from ._batch import BatchOutline, BatchSpec, addresses_of, outline_of
from ._limiter import BatchLimiter, Owner, Run, run_items
from ._matching import split_duplicates
from ._options import BulkOptions, SettlePolicy
from ._outcomes import RecipientOutcome
from ._polling import PollRound
from ._polling import settle as settle_state
from ._progress import BulkProgress, ProgressHub
from ._recipients import Group, RecipientPreparer, as_id
from ._report import BulkReport
from ._send import call_batch, fit_batch, not_sent, outcome_unknown
from ._state import ANSWERED, NOT_SENT, BatchRecord, BulkJobState

if TYPE_CHECKING:
    from .._client import MailkitClient

__all__ = ["BulkSender", "make_sender", "settle_job"]

logger = logging.getLogger("mailkit_async.bulk")

Recipient = MassRecipient | Mapping[str, Any]
Wire = dict[str, Any]
Segments = list[tuple[Owner, int]]
"""Whose recipients a batch holds, in order: (owner, how many) with owners merged."""

_CHUNK = 128  # recipients prepared together from a (synchronous) iterable


class _Job:
    """One call to make: the batch's outline, its request, whose recipients it holds.

    ``request`` is the encoded body, the call's parameters (a custom transport encodes
    them itself), or the ``ConfigurationError`` saying why the batch cannot be sent.
    """

    __slots__ = ("outline", "request", "segments")

    def __init__(
        self,
        outline: BatchOutline,
        request: bytes | dict[str, Any] | ConfigurationError,
        segments: Segments,
    ) -> None:
        self.outline = outline
        self.request = request
        self.segments = segments


def _segments(runs: list[Run[Wire]]) -> Segments:
    """Whose the items of ``runs`` are, in order."""
    segments: Segments = []
    for items, owner, _ in runs:
        if segments and segments[-1][0] is owner:
            segments[-1] = (owner, segments[-1][1] + len(items))
        else:
            segments.append((owner, len(items)))
    return segments


def _slice(segments: Segments, start: int, stop: int) -> Segments:
    """The segments of positions ``start:stop``."""
    out: Segments = []
    position = 0
    for owner, count in segments:
        low, high = max(start, position), min(stop, position + count)
        if low < high:
            out.append((owner, high - low))
        position += count
    return out


def _pick(segments: Segments, positions: list[int]) -> Segments:
    """The segments of the recipients at ``positions`` (in that order)."""
    owners = [owner for owner, count in segments for _ in range(count)]
    picked: Segments = []
    for position in positions:
        owner = owners[position]
        if picked and picked[-1][0] is owner:
            picked[-1] = (owner, picked[-1][1] + 1)
        else:
            picked.append((owner, 1))
    return picked


class BulkSender:
    """Sends one campaign to many recipients in batches, each recipient at most once.

    Made by ``client.bulk(campaign_id, mailinglist_id, **options)`` and used as an async
    context manager::

        async with client.bulk(campaign_id, list_id, id_send="today") as sender:
            await sender.send_all(rows)                      # an iterable or async iterable
            outcome = await sender.send({"send_to": "a@example.com", "create_email": True})
        print(sender.report.accepted, sender.report.unknown)
        await sender.settle()                                # optional: results polling

    Recipients (dicts of the documented ``sendmail_mass`` fields with plain values, or
    ``MassRecipient``) are grouped per campaign and mailing list (a dict may name its
    own ``campaign_id``/``mailinglist_id``), cut into batches by count and encoded size,
    with a short linger so one-at-a-time callers share calls, and sent with at most
    ``max_in_flight`` calls under way. Submitters wait while the queue is full.

    At most once: a ``sendmail_mass`` call that may have reached Mailkit is never made
    again. Only attempts that provably never left are repeated; after anything else
    (a timeout, a dropped connection, a 5xx) the batch's recipients end ``UNKNOWN``
    with the batch ID, the reason and the library error, for you to reconcile. A
    Mailkit error answer for the whole call (``Unauthorized``, ``Invalid ...``) ends
    its recipients ``REJECTED`` with Mailkit's text. Every recipient ends in exactly
    one state, listed in ``report`` (and returned to ``send()`` callers).

    Matching is by address, never by position: an address missing from Mailkit's
    ``list`` is ``UNKNOWN``; the same address twice among queued recipients is split
    into separate calls so each keeps its own outcome.

    Closing (leaving the block or ``aclose()``) refuses new recipients with
    ``ClientClosedError``, sends what is queued and waits up to ``close_timeout``.
    Leaving the block with an exception discards what is still queued instead
    (``on_error="discard"``, the default; those recipients end ``REJECTED`` with
    ``sent=False``) and waits for calls in flight. Calls still in flight after
    ``close_timeout`` are cancelled and end ``UNKNOWN``. Cancelling a ``send()`` caller
    while its recipient is queued withdraws it (``REJECTED``, not sent); once its call is
    in flight the call goes on and the outcome is still recorded.

    Leaving the block does not wait for results; ``settle()`` does, then moves accepted
    recipients that Mailkit reports as failed to ``REJECTED`` with their error code.
    """

    def __init__(
        self,
        client: MailkitClient,
        campaign_id: int,
        mailinglist_id: int,
        *,
        options: BulkOptions | None = None,
    ) -> None:
        options = options or BulkOptions()
        campaign_id = as_id(campaign_id, "campaign_id")
        mailinglist_id = as_id(mailinglist_id, "mailinglist_id")
        _check_against_client(client, options)
        self._client = client
        self._options = options
        self._state = BulkJobState.new(campaign_id, mailinglist_id, id_send=options.id_send)
        self._errors: dict[str, MailkitError] = {}
        self._preparer = RecipientPreparer(campaign_id, mailinglist_id)
        self._limiter: BatchLimiter[Wire] = BatchLimiter(
            self._run,
            self._lost,
            max_in_flight=options.max_in_flight,
            max_batch=options.max_batch_recipients,
            max_batch_bytes=options.max_batch_bytes,
            capacity=options.queue_capacity,
            linger=options.linger,
        )
        self._hub = ProgressHub(options.on_progress)
        self._report = BulkReport(self._state, self._errors, self._pending)
        self._sequence = itertools.count(1)
        self._tally = [0, 0, 0]  # accepted, rejected, unknown
        self._built = 0
        self._sent = 0
        self._polls = 0
        self._settled = 0
        self._closing = False
        self._shutdown: asyncio.Task[None] | None = None

    # -- views ------------------------------------------------------------------

    @property
    def job_id(self) -> str:
        """The job's ID; every batch ID starts with it."""
        return self._state.job_id

    @property
    def options(self) -> BulkOptions:
        """The options this sender runs with."""
        return self._options

    @property
    def report(self) -> BulkReport:
        """Every recipient's outcome so far (a live view, also usable after closing)."""
        return self._report

    @property
    def state(self) -> BulkJobState:
        """The serialisable job state (save it to settle later or elsewhere)."""
        return self._state

    @property
    def closed(self) -> bool:
        """Whether the sender refuses new recipients."""
        return self._closing

    def progress(self) -> BulkProgress:
        """A snapshot of the job's progress now."""
        limiter = self._limiter
        accepted, rejected, unknown = self._tally
        pending = limiter.queued + limiter.running_items
        return BulkProgress(
            job_id=self._state.job_id,
            submitted=accepted + rejected + unknown + pending,
            queued=limiter.queued,
            in_flight=limiter.in_flight,
            in_flight_recipients=limiter.running_items,
            batches_built=self._built,
            batches_sent=self._sent,
            accepted=accepted,
            rejected=rejected,
            unknown=unknown,
            batches_settled=self._settled,
            polls=self._polls,
            closed=self._closing,
        )

    def events(self) -> AsyncIterator[BulkProgress]:
        """An async stream of progress snapshots, ending when the sender has closed.

        A consumer that falls behind gets the latest snapshot (counts are cumulative).
        Settling reports through ``on_progress`` only.
        """
        return self._hub.stream(self.progress())

    def _pending(self) -> int:
        return self._limiter.queued + self._limiter.running_items

    def _publish(self) -> None:
        if self._hub.listening:
            self._hub.publish(self.progress())

    # -- submitting ---------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closing:
            raise ClientClosedError("the bulk sender is closed")
        if self._client.closed:
            raise ClientClosedError("the client is closed")

    async def send(self, recipient: Recipient) -> RecipientOutcome:
        """Send one recipient (batched with others) and return its outcome.

        Returns once the recipient's call has been answered, lost or refused; see
        ``Outcome``. Raises ``ConfigurationError`` for something that is not a recipient
        and ``ClientClosedError`` once the sender is closed. Cancelling the caller while
        the recipient is still queued withdraws it; after that the call goes on.
        """
        self._check_open()
        wire, group, size = self._preparer.prepare(recipient)
        future: asyncio.Future[RecipientOutcome] = asyncio.get_running_loop().create_future()
        owner = Owner(future)
        limiter = self._limiter
        try:
            if not limiter.offer(group, wire, size, owner):
                await limiter.put(group, wire, size, owner)
        except BaseException:
            future.cancel()  # never queued: nothing to account for
            raise
        del wire  # queued: freed once its call is encoded, not kept until the answer
        try:
            outcome = await future
        except asyncio.CancelledError:
            self._withdraw(owner, "not sent: its submitter was cancelled while it was queued")
            raise
        return outcome

    async def send_all(
        self, recipients: Iterable[Recipient] | AsyncIterable[Recipient]
    ) -> BulkReport:
        """Send every recipient of an iterable or async iterable; return the report.

        Waits while the queue is full (a synchronous iterable is read as sending
        proceeds, in steps of up to 128 recipients, never all at once; an async one a
        recipient at a time) and returns when each of these recipients has its outcome.
        If it raises (a recipient that is not one, cancellation), its recipients that
        were not yet being sent are withdrawn (``REJECTED``, not sent); those already
        sent keep their outcomes. A recipient that is not one raises
        ``ConfigurationError`` naming it; it and the rest of its step are not sent and
        not in the report, and nothing after its step is read.
        """
        self._check_open()
        owner = Owner()
        limiter = self._limiter
        try:
            if isinstance(recipients, AsyncIterable):
                await self._queue_each(recipients, owner)
            else:
                await self._queue_steps(iter(recipients), owner)
            limiter.flush()  # nothing more is coming from this call: no need to linger
            await owner.wait()
        except ClientClosedError:
            raise  # closing sends (or discards) what is queued, by the close policy
        except BaseException as error:
            self._withdraw(owner, f"not sent: send_all stopped ({type(error).__name__})")
            raise
        return self._report

    async def _queue_each(self, recipients: AsyncIterable[Recipient], owner: Owner) -> None:
        """Queue an async source one recipient at a time (it may trickle; lingering applies)."""
        prepare = self._preparer.prepare
        limiter = self._limiter
        async for item in recipients:
            wire, group, size = prepare(item)
            if not limiter.offer(group, wire, size, owner):
                await limiter.put(group, wire, size, owner)

    async def _queue_steps(self, source: Iterator[Recipient], owner: Owner) -> None:
        """Queue a synchronous source in steps of ``_CHUNK``, to its end or a bad recipient."""
        prepare_many = self._preparer.prepare_many
        while True:
            chunk = list(itertools.islice(source, _CHUNK))
            read = len(chunk)
            prepared = prepare_many(chunk)
            del chunk  # the submitted dicts were copied: let them go
            # The good recipients before a bad one are queued before it raises, so that
            # they are accounted for exactly as on the one-by-one path.
            for group, wires, size in prepared.runs:
                await self._limiter.put_run(group, wires, size, owner)
            if prepared.error is not None:
                raise prepared.error
            if read < _CHUNK:
                return

    # -- running batches ---------------------------------------------------------

    def _next_batch_id(self) -> str:
        return f"{self._state.job_id}-{next(self._sequence):05d}"

    def _plan(self, group: Group, runs: list[Run[Wire]]) -> list[_Job]:
        whole = self._spec_for(group, runs)
        segments = _segments(runs)
        duplicates = split_duplicates(addresses_of(whole))
        if duplicates is None:
            parts = [(whole, segments)]
        else:
            # Each part is its own call; the first keeps the batch ID already taken.
            wires = whole.recipients
            parts = [
                (
                    attrs.evolve(
                        whole,
                        batch_id=self._next_batch_id() if n else whole.batch_id,
                        recipients=tuple(wires[i] for i in part),
                    ),
                    _pick(segments, part),
                )
                for n, part in enumerate(duplicates)
            ]
        jobs: list[_Job] = []
        for spec, owners in parts:
            for prepared in fit_batch(self._client, spec, self._options.max_batch_bytes):
                request: bytes | dict[str, Any] | ConfigurationError
                if prepared.error is not None:
                    request = prepared.error
                elif prepared.body is not None:
                    request = prepared.body
                    self._preparer.learn(len(prepared.body), prepared.stop - prepared.start)
                else:
                    request = prepared.spec.params()  # a custom transport encodes it
                entire = prepared.start == 0 and prepared.stop == len(spec)
                part = owners if entire else _slice(owners, prepared.start, prepared.stop)
                jobs.append(_Job(outline_of(prepared.spec), request, part))
        return jobs

    async def _run(self, group: Hashable, runs: list[Run[Wire]]) -> None:
        try:
            jobs = self._plan(cast(Group, group), runs)
        except Exception as exc:
            # Nothing of this run went out: never report it as "outcome unknown".
            logger.exception("bulk batch could not be built")
            reason = f"not sent: the batch could not be built ({type(exc).__name__})"
            self._record_not_sent([(group, runs)], reason)
            return
        # The jobs hold the encoded bodies and what accounting needs: free the recipient
        # structs (most of a batch's memory) before the calls go out.
        runs.clear()
        self._built += sum(1 for job in jobs if not isinstance(job.request, ConfigurationError))
        self._publish()
        done = 0
        try:
            for job in jobs:
                if isinstance(job.request, ConfigurationError):
                    error = job.request
                    result = not_sent(job.outline, error, f"not sent: {error.message}")
                else:
                    result = await call_batch(self._client, job.outline, job.request)
                self._record(result.record, job.segments, result.error)
                done += 1
        except asyncio.CancelledError:
            self._abandon(jobs[done:], "outcome unknown: cancelled while the call was in flight")
            raise
        except Exception:
            logger.exception("bulk batch %s failed unexpectedly", jobs[done].outline.batch_id)
            self._abandon(jobs[done:], "outcome unknown: the bulk engine failed during the call")

    def _abandon(self, jobs: list[_Job], reason: str) -> None:
        """Account for the jobs of a run that stopped: the first was in flight."""
        for position, job in enumerate(jobs):
            error = job.request if isinstance(job.request, ConfigurationError) else None
            if position == 0 and error is None:
                self._record(outcome_unknown(job.outline, reason).record, job.segments, None)
            else:
                result = not_sent(job.outline, error, "not sent: an earlier call of its run failed")
                self._record(result.record, job.segments, error)

    def _lost(self, group: Hashable, runs: list[Run[Wire]], error: BaseException | None) -> None:
        if not runs:
            return  # a batch that had started and was planned: its jobs were accounted for
        outline = outline_of(self._spec_for(group, runs))
        if error is None:
            result = not_sent(outline, None, "not sent: its batch was cancelled before it started")
        else:
            result = outcome_unknown(outline, f"outcome unknown: {type(error).__name__}")
        self._record(result.record, _segments(runs), result.error)

    def _spec_for(self, group: Hashable, runs: list[Run[Wire]]) -> BatchSpec:
        campaign_id, mailinglist_id = cast(Group, group)
        structs: list[Wire] = run_items(runs)
        return BatchSpec(
            self._next_batch_id(),
            campaign_id,
            mailinglist_id,
            tuple(structs),
            self._options.id_send,
        )

    def _withdraw(self, owner: Owner, reason: str) -> None:
        self._record_not_sent(self._limiter.withdraw(owner), reason)

    def _discard(self, reason: str) -> None:
        self._record_not_sent(self._limiter.discard(), reason)

    def _record_not_sent(
        self, removed: Iterable[tuple[Hashable, list[Run[Wire]]]], reason: str
    ) -> None:
        """Account for runs that never went out: ``REJECTED``, safe to send again."""
        for group, runs in removed:
            outline = outline_of(self._spec_for(group, runs))
            self._record(not_sent(outline, None, reason).record, _segments(runs), None)

    def _record(
        self,
        record: BatchRecord,
        segments: Segments,
        error: MailkitError | None,
    ) -> None:
        """Add a batch's record to the state and give each submitter its outcome."""
        index = 0
        for owner, count in segments:
            future = owner.future  # only a send() owner has one, for its one recipient
            if future is not None and not future.done():
                future.set_result(record.outcome(index, error))
            index += count
        if record.status == ANSWERED and not self._options.keep_outcomes:
            record.recipients = ()
        self._state.batches.append(record)
        if error is not None:
            self._errors[record.batch_id] = error
        tally = self._tally
        accepted, rejected, unknown = record.counts()
        tally[0] += accepted
        tally[1] += rejected
        tally[2] += unknown
        if record.status != NOT_SENT:
            self._sent += 1
        if record.settled:
            self._settled += 1
        for owner, count in segments:
            owner.finish(count)
        if record.status != ANSWERED:
            logger.info(
                "bulk batch %s (%d recipients) %s: %s",
                record.batch_id,
                record.count,
                record.status,
                record.reason,
            )
        self._publish()

    # -- closing --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        self._check_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close(exc)

    async def aclose(self) -> None:
        """Close: refuse new recipients, send what is queued, wait up to ``close_timeout``.

        Safe to call more than once and from several tasks; all wait for the same close.
        """
        await self._close(None)

    async def _close(self, error: BaseException | None) -> None:
        if self._shutdown is None:
            self._closing = True
            self._shutdown = asyncio.get_running_loop().create_task(self._shut_down(error))
        await asyncio.shield(self._shutdown)

    async def _shut_down(self, error: BaseException | None) -> None:
        limiter = self._limiter
        limiter.close()
        if error is not None and self._options.on_error == "discard":
            self._discard(f"not sent: the bulk block raised {type(error).__name__}")
        else:
            limiter.flush()
        try:
            async with asyncio.timeout(self._options.close_timeout):
                await limiter.wait_idle()
        except TimeoutError:
            self._discard("not sent: close_timeout passed before its call started")
            await limiter.cancel_running()
        except asyncio.CancelledError:
            self._discard("not sent: the sender was cancelled while closing")
            await limiter.cancel_running()
            raise
        finally:
            self._hub.end(self.progress())

    # -- settling -------------------------------------------------------------------

    async def settle(self, policy: SettlePolicy | None = None) -> BulkReport:
        """Wait until every batch is sent, then poll results until they settle.

        Accepted recipients that Mailkit reports as failed become ``REJECTED`` with
        their error code; the rest stay ``ACCEPTED``. Uses ``options.settle`` unless a
        policy is given; with Mailkit's advice of 30 minutes before the first poll this
        takes a while. Needs the client to be open.
        """
        if self._shutdown is not None:
            await asyncio.shield(self._shutdown)
        else:
            self._limiter.flush()
            await self._limiter.wait_idle()
        await settle_state(
            self._client,
            self._state,
            policy=policy or self._options.settle,
            on_round=self._after_round,
        )
        return self._report

    def _after_round(self, round_: PollRound) -> None:
        self._polls += round_.polled
        self._settled = sum(1 for record in self._state.batches if record.settled)
        counts = self._state.counts()
        self._tally = list(counts.values())
        self._publish()

    def __repr__(self) -> str:
        accepted, rejected, unknown = self._tally
        return (
            f"BulkSender(job_id={self.job_id!r}, campaign_id={self._state.campaign_id},"
            f" mailinglist_id={self._state.mailinglist_id}, accepted={accepted},"
            f" rejected={rejected}, unknown={unknown}, closed={self._closing})"
        )


def _check_against_client(client: MailkitClient, options: BulkOptions) -> None:
    limits = getattr(client, "_limits", None)
    if limits is None:
        return
    if options.max_in_flight > limits.max_connections:
        raise ConfigurationError(
            f"max_in_flight={options.max_in_flight} exceeds the client's"
            f" max_connections={limits.max_connections}: calls would wait inside the pool"
        )
    if options.max_batch_bytes > limits.max_request_bytes:
        raise ConfigurationError(
            f"max_batch_bytes={options.max_batch_bytes} exceeds the client's"
            f" max_request_bytes={limits.max_request_bytes}"
        )


def make_sender(
    client: MailkitClient,
    campaign_id: int,
    mailinglist_id: int,
    options: BulkOptions | None,
    overrides: Mapping[str, Any],
) -> BulkSender:
    """``client.bulk()``: options from a ``BulkOptions`` and/or keyword overrides."""
    if overrides:
        try:
            options = attrs.evolve(options or BulkOptions(), **overrides)
        except (TypeError, ValueError) as exc:
            raise ConfigurationError(f"bulk options: {exc}") from None
    return BulkSender(client, campaign_id, mailinglist_id, options=options)


async def settle_job(
    client: MailkitClient, state: BulkJobState, *, policy: SettlePolicy | None = None
) -> BulkReport:
    """``client.settle_bulk()``: poll a (saved) job's results until settled; report it."""
    await settle_state(client, state, policy=policy)
    return BulkReport(state)
