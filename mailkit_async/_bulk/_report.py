"""``BulkReport``: a live view of every recipient's outcome in one bulk job."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

from .._exceptions import MailkitError
from ._outcomes import Outcome, RecipientOutcome
from ._state import BatchRecord, BulkJobState

__all__ = ["BulkReport", "OutcomeCounts"]


class OutcomeCounts:
    """Recipients per outcome, for a report backed by a ``BulkJobState`` (``state``)."""

    if TYPE_CHECKING:

        @property
        def state(self) -> BulkJobState:
            """The job state the counts come from."""
            ...

    @property
    def job_id(self) -> str:
        """The job's ID."""
        return self.state.job_id

    @property
    def counts(self) -> dict[Outcome, int]:
        """Recipients per outcome (recipients still pending are not included)."""
        return self.state.counts()

    @property
    def accepted(self) -> int:
        """Recipients ``ACCEPTED``."""
        return self.counts[Outcome.ACCEPTED]

    @property
    def rejected(self) -> int:
        """Recipients ``REJECTED`` (Mailkit's refusals and those never sent)."""
        return self.counts[Outcome.REJECTED]

    @property
    def unknown(self) -> int:
        """Recipients ``UNKNOWN``: reconcile them before sending again."""
        return self.counts[Outcome.UNKNOWN]


class BulkReport(OutcomeCounts):
    """Every recipient's outcome in one bulk job, kept up to date while it runs and settles.

    Each submitted recipient has exactly one outcome: ``ACCEPTED``, ``REJECTED`` or
    ``UNKNOWN`` (see ``Outcome``). Nothing is ever sent twice, so ``UNKNOWN`` recipients
    are the ones to reconcile (for example against Mailkit's reports) before sending
    them again; ``REJECTED`` ones with ``sent=False`` never left and are safe to resend.

    The counts cover every recipient. ``outcomes`` lists every recipient too, unless the
    job ran with ``keep_outcomes=False``: then accepted recipients are only counted.
    """

    def __init__(
        self,
        state: BulkJobState,
        errors: Mapping[str, MailkitError] | None = None,
        pending: Callable[[], int] | None = None,
    ) -> None:
        self._state = state
        self._errors: Mapping[str, MailkitError] = errors if errors is not None else {}
        self._pending = pending

    @property
    def state(self) -> BulkJobState:
        """The serialisable job state behind this report."""
        return self._state

    @property
    def total(self) -> int:
        """Recipients with an outcome."""
        return sum(self.counts.values())

    @property
    def pending(self) -> int:
        """Recipients still queued or in flight (0 once the sender is closed)."""
        return self._pending() if self._pending is not None else 0

    @property
    def settled(self) -> bool:
        """Whether nothing is pending and every batch's results are final."""
        return self.pending == 0 and self._state.settled

    @property
    def batches(self) -> list[BatchRecord]:
        """One record per ``sendmail_mass`` call (and per group of recipients not sent)."""
        return self._state.batches

    @property
    def errors(self) -> Mapping[str, MailkitError]:
        """The library error behind each failed batch, by batch ID (this process only)."""
        return self._errors

    def __iter__(self) -> Iterator[RecipientOutcome]:
        for record in self._state.batches:
            yield from record.outcomes(self._errors.get(record.batch_id))

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """Every listed recipient's outcome, batch by batch in the order batches ended."""
        return list(self)

    def by_state(self, state: Outcome) -> list[RecipientOutcome]:
        """The listed outcomes in one state (e.g. ``Outcome.UNKNOWN`` to reconcile)."""
        return [outcome for outcome in self if outcome.state is state]

    def __repr__(self) -> str:
        counts = self.counts
        return (
            f"BulkReport(job_id={self.job_id!r}, accepted={counts[Outcome.ACCEPTED]},"
            f" rejected={counts[Outcome.REJECTED]}, unknown={counts[Outcome.UNKNOWN]},"
            f" pending={self.pending})"
        )
