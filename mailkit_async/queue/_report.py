"""``QueueJobReport``: the accounting of a queued bulk job, read from its ledger."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import attrs

from .._bulk import BatchRecord, BulkJobState, BulkReport, Outcome, RecipientOutcome
from .._bulk._report import OutcomeCounts

__all__ = ["QueueJobReport"]


@attrs.frozen
class QueueJobReport(OutcomeCounts):
    """Where every recipient of a queued bulk job stands, as the ledger says now.

    Each registered recipient is either in a batch with an outcome (``state``: every
    recipient ``ACCEPTED``, ``REJECTED`` or ``UNKNOWN``, see ``Outcome``) or in a
    ``pending`` batch (not sent yet, or being sent). Nothing is counted twice and
    nothing registered is left out; once the job is ``settled`` nothing is pending.

    Attributes:
        state: The records of the batches with an outcome, as a ``BulkJobState`` (save
            it, or settle it elsewhere with ``client.settle_bulk``).
        pending: The records of batches without an outcome yet (their addresses).
        phases: Every batch's ledger phase (``"settled <lease>"``...), by batch ID.
        closed: Whether the producer has enqueued every batch.
        expected_batches: Batches the producer made (once closed).
        expected_recipients: Recipients the producer read (once closed).
        settled_at: When results polling found every batch final (wall clock).
    """

    state: BulkJobState
    pending: tuple[BatchRecord, ...] = ()
    phases: Mapping[str, str] = attrs.Factory(dict)
    closed: bool = False
    expected_batches: int | None = None
    expected_recipients: int | None = None
    settled_at: float | None = None

    @property
    def settled(self) -> bool:
        """Closed, nothing pending, every batch registered and final."""
        return (
            self.closed
            and not self.pending
            and self.state.settled
            and (self.expected_batches is None or len(self.state.batches) == self.expected_batches)
        )

    @property
    def pending_recipients(self) -> int:
        """Recipients in batches without an outcome yet."""
        return sum(record.count for record in self.pending)

    @property
    def total(self) -> int:
        """Every registered recipient, with an outcome or pending."""
        return sum(self.counts.values()) + self.pending_recipients

    @property
    def report(self) -> BulkReport:
        """The batches with an outcome as a ``BulkReport`` (``by_state``, ``outcomes``)."""
        return BulkReport(self.state)

    def __iter__(self) -> Iterator[RecipientOutcome]:
        for record in self.state.batches:
            yield from record.outcomes()

    def __repr__(self) -> str:
        counts = self.counts
        return (
            f"QueueJobReport(job_id={self.job_id!r}, accepted={counts[Outcome.ACCEPTED]},"
            f" rejected={counts[Outcome.REJECTED]}, unknown={counts[Outcome.UNKNOWN]},"
            f" pending={self.pending_recipients}, closed={self.closed},"
            f" settled={self.settled})"
        )
