"""Progress of a bulk job: a snapshot type, a callback and an async stream of snapshots."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

import attrs

__all__ = ["BulkProgress", "ProgressHub"]

logger = logging.getLogger("mailkit_async.bulk")


@attrs.frozen
class BulkProgress:
    """A snapshot of one bulk job, for progress bars and metrics.

    ``batches_sent`` counts calls, each made at most once (never retried after it may
    have reached Mailkit), so it never exceeds ``batches_built``.

    Counts are cumulative since the job started. ``accepted + rejected + unknown`` are
    the recipients with an outcome; ``queued`` and ``in_flight_recipients`` those still
    on their way. After settling, accepted recipients Mailkit reported as failed move
    to ``rejected``.

    Attributes:
        job_id: The job's ID (also in ``BulkJobState``).
        submitted: Recipients handed to the sender (withdrawn ones included).
        queued: Recipients waiting for their batch to be sent.
        in_flight: ``sendmail_mass`` calls under way (never above ``max_in_flight``).
        in_flight_recipients: Recipients in those calls.
        batches_built: ``sendmail_mass`` calls prepared.
        batches_sent: Calls that went out (answered, refused or with an unknown outcome).
        accepted: Recipients currently ``ACCEPTED``.
        rejected: Recipients currently ``REJECTED``.
        unknown: Recipients currently ``UNKNOWN``.
        batches_settled: Batches whose results are final.
        polls: Results calls made so far.
        closed: Whether the sender accepts no more recipients.
    """

    job_id: str
    submitted: int = 0
    queued: int = 0
    in_flight: int = 0
    in_flight_recipients: int = 0
    batches_built: int = 0
    batches_sent: int = 0
    accepted: int = 0
    rejected: int = 0
    unknown: int = 0
    batches_settled: int = 0
    polls: int = 0
    closed: bool = False


class _Subscriber:
    """One ``events()`` consumer: the latest snapshot and a flag that a new one arrived."""

    __slots__ = ("ended", "latest", "ready")

    def __init__(self) -> None:
        self.latest: BulkProgress | None = None
        self.ready = asyncio.Event()
        self.ended = False


class ProgressHub:
    """Hands snapshots to a callback and to any number of async consumers.

    Consumers see the latest snapshot: one that falls behind skips the ones in between
    (snapshots are cumulative, so nothing is lost). A callback that raises is logged.
    """

    def __init__(self, callback: Callable[[BulkProgress], object] | None) -> None:
        self._callback = callback
        self._subscribers: list[_Subscriber] = []
        self._ended = False

    @property
    def listening(self) -> bool:
        """Whether a callback or a stream would receive a snapshot now."""
        return self._callback is not None or bool(self._subscribers)

    def publish(self, snapshot: BulkProgress) -> None:
        """Deliver one snapshot."""
        if self._callback is not None:
            try:
                self._callback(snapshot)
            except Exception as exc:
                logger.warning("the bulk progress callback failed: %s", type(exc).__name__)
        for subscriber in self._subscribers:
            subscriber.latest = snapshot
            subscriber.ready.set()

    def end(self, snapshot: BulkProgress) -> None:
        """Deliver a last snapshot and finish every stream."""
        self.publish(snapshot)
        self._ended = True
        for subscriber in self._subscribers:
            subscriber.ended = True
            subscriber.ready.set()

    async def stream(self, first: BulkProgress) -> AsyncIterator[BulkProgress]:
        """Yield ``first``, then each newer snapshot, until the job's sending ends."""
        subscriber = _Subscriber()
        subscriber.ended = self._ended
        self._subscribers.append(subscriber)
        try:
            yield first
            while not subscriber.ended or subscriber.ready.is_set():
                await subscriber.ready.wait()
                subscriber.ready.clear()
                latest, subscriber.latest = subscriber.latest, None
                if latest is not None:
                    yield latest
        finally:
            self._subscribers.remove(subscriber)
