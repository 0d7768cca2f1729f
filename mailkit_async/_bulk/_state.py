"""The serialisable state of a bulk job: one record per batch, enough to resume polling.

Everything here converts to a JSON-able dict and back (``to_dict`` / ``from_dict``), so
a worker can save a job after sending, restart, and settle it later. The state holds
recipient addresses (personal data) but never credentials.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Final, Literal, TypeAlias

import attrs
import cattrs

from .._exceptions import ConfigurationError, MailkitError
from ._outcomes import Outcome, RecipientOutcome, normalize_address

__all__ = [
    "ANSWERED",
    "NOT_SENT",
    "REFUSED",
    "STATE_FORMAT",
    "UNKNOWN",
    "BatchRecord",
    "BatchStatus",
    "BulkJobState",
    "RecipientNote",
]

BatchStatus: TypeAlias = Literal["answered", "refused", "unknown", "not_sent"]
"""What became of one ``sendmail_mass`` call."""

ANSWERED: Final = "answered"
"""Mailkit answered the call: listed recipients are accepted."""
REFUSED: Final = "refused"
"""Mailkit answered with an error for the whole call: every recipient is rejected."""
UNKNOWN: Final = "unknown"
"""The call may have reached Mailkit but no usable answer came back."""
NOT_SENT: Final = "not_sent"
"""The library never sent the call (withdrawn, discarded, unencodable, no connection)."""

STATE_FORMAT: Final = 1
"""Version of the ``to_dict`` layout; ``from_dict`` refuses others."""


@attrs.frozen
class RecipientNote:
    """A recipient of an answered batch that is not (or no longer) ``ACCEPTED``.

    Part of the job state; like the rest of it, it is never sent again.

    Attributes:
        send_to: The address as submitted.
        state: ``REJECTED`` (from the results call) or ``UNKNOWN`` (not listed).
        error_code: Mailkit's ERROR_CODE for a rejection.
        info: Mailkit's INFO text, or why the state is unknown.
    """

    send_to: str
    state: Outcome
    error_code: int | None = None
    info: str = ""


@attrs.define
class BatchRecord:
    """One ``sendmail_mass`` call of a job: what was sent, what came back, what is settled.

    The call was made at most once; settling only reads its results.

    Attributes:
        batch_id: The job-unique ID of the batch.
        campaign_id: The campaign of every recipient in the call.
        mailinglist_id: Their mailing list.
        status: ``"answered"``, ``"refused"``, ``"unknown"`` or ``"not_sent"``.
        count: Recipients in the call.
        recipients: Their addresses in call order; empty for an answered batch when the
            job does not keep accepted outcomes (``keep_outcomes=False``).
        request_id: Mailkit's handle for the results call, when it answered one.
        id_send: The delivery (ID_SEND) Mailkit reported in results, once known.
        reason: Mailkit's error text, or why the outcome is unknown or the call not sent.
        sent_at: Wall-clock time (``time.time()``) the call was answered or given up.
        notes: Recipients of an answered call that are rejected or unknown, by
            normalised address.
        polls: Results calls made for this batch.
        last_poll_at: When the last results call ended (wall clock).
        next_poll_at: When the next results call is due (wall clock), once scheduled.
        digest: A fingerprint of the last results answer.
        stable_polls: How many answers in a row had that fingerprint.
        stable_since: When the first of those answers came (wall clock).
        settled: Whether the outcome is final.
        settled_by: ``"stable"``, ``"deadline"``, ``"final"`` (nothing to poll) or
            ``"no_request_id"``.
        last_error: The last results call's error, if it failed.
    """

    batch_id: str
    campaign_id: int
    mailinglist_id: int
    status: BatchStatus
    count: int
    recipients: tuple[str, ...] = ()
    request_id: int | None = None
    id_send: int | None = None
    reason: str = ""
    sent_at: float | None = None
    notes: dict[str, RecipientNote] = attrs.Factory(dict)
    polls: int = 0
    last_poll_at: float | None = None
    next_poll_at: float | None = None
    digest: str | None = None
    stable_polls: int = 0
    stable_since: float | None = None
    settled: bool = False
    settled_by: str = ""
    last_error: str = ""

    def counts(self) -> tuple[int, int, int]:
        """``(accepted, rejected, unknown)`` recipients of this batch."""
        if self.status == ANSWERED:
            rejected = unknown = 0
            for note in self.notes.values():
                if note.state is Outcome.REJECTED:
                    rejected += 1
                else:
                    unknown += 1
            return self.count - rejected - unknown, rejected, unknown
        if self.status == UNKNOWN:
            return 0, 0, self.count
        return 0, self.count, 0

    def outcome(self, index: int, error: MailkitError | None = None) -> RecipientOutcome:
        """The outcome of the recipient at ``index`` (needs ``recipients``)."""
        return self._outcome(self.recipients[index], error)

    def outcomes(self, error: MailkitError | None = None) -> Iterator[RecipientOutcome]:
        """Every recipient's outcome, in call order.

        Only the noted (rejected or unknown) ones when accepted addresses were not kept.
        """
        if self.recipients or self.status != ANSWERED:
            for address in self.recipients:
                yield self._outcome(address, error)
            return
        for note in self.notes.values():
            yield self._view(note.send_to, note.state, note.error_code, note.info, True, error)

    def _outcome(self, address: str, error: MailkitError | None) -> RecipientOutcome:
        status = self.status
        if status == ANSWERED:
            note = self.notes.get(normalize_address(address)) if self.notes else None
            if note is None:
                return self._view(address, Outcome.ACCEPTED, None, "", True, None)
            return self._view(address, note.state, note.error_code, note.info, True, error)
        if status == UNKNOWN:
            return self._view(address, Outcome.UNKNOWN, None, self.reason, True, error)
        sent = status == REFUSED
        return self._view(address, Outcome.REJECTED, None, self.reason, sent, error)

    def _view(
        self,
        address: str,
        state: Outcome,
        code: int | None,
        info: str,
        sent: bool,
        error: MailkitError | None,
    ) -> RecipientOutcome:
        return RecipientOutcome(
            address,
            state,
            self.batch_id,
            self.campaign_id,
            self.mailinglist_id,
            self.request_id,
            code,
            info,
            sent,
            error,
        )


_CONVERTER: Final = cattrs.Converter(forbid_extra_keys=True)


@attrs.define
class BulkJobState:
    """Everything needed to account for a bulk job and to resume polling its results.

    Save it with ``to_dict()`` (JSON-able; holds addresses, never credentials), load it
    with ``BulkJobState.from_dict()`` and settle it with ``client.settle_bulk(state)``,
    in this process or another one. The at-most-once promise carries over: nothing in
    the state is ever sent again; settling only asks Mailkit for results.

    Attributes:
        job_id: A random ID for the job; batch IDs start with it.
        campaign_id: The job's default campaign.
        mailinglist_id: The job's default mailing list.
        id_send: The ``id_send`` option of every call (``"today"``), if set.
        created_at: When the job started (wall clock).
        batches: One record per ``sendmail_mass`` call (or group of recipients not sent).
    """

    job_id: str
    campaign_id: int
    mailinglist_id: int
    id_send: str | None = None
    created_at: float = 0.0
    batches: list[BatchRecord] = attrs.Factory(list)

    @classmethod
    def new(
        cls, campaign_id: int, mailinglist_id: int, *, id_send: str | None = None
    ) -> BulkJobState:
        """A fresh state with a random job ID."""
        return cls(uuid.uuid4().hex[:16], campaign_id, mailinglist_id, id_send, time.time())

    def counts(self) -> dict[Outcome, int]:
        """Recipients per state, over every batch."""
        accepted = rejected = unknown = 0
        for record in self.batches:
            a, r, u = record.counts()
            accepted += a
            rejected += r
            unknown += u
        return {Outcome.ACCEPTED: accepted, Outcome.REJECTED: rejected, Outcome.UNKNOWN: unknown}

    @property
    def settled(self) -> bool:
        """Whether every batch's outcome is final."""
        return all(record.settled for record in self.batches)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict of the whole state (``json.dumps`` takes it as it is)."""
        data: dict[str, Any] = _CONVERTER.unstructure(self)
        data["format"] = STATE_FORMAT
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BulkJobState:
        """Rebuild a state saved with ``to_dict``; ``ConfigurationError`` if it is not one."""
        if not isinstance(data, Mapping) or data.get("format") != STATE_FORMAT:
            raise ConfigurationError(f"not a bulk job state of format {STATE_FORMAT}")
        fields = {k: v for k, v in data.items() if k != "format"}
        try:
            return _CONVERTER.structure(fields, cls)
        except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
            raise ConfigurationError(f"not a valid bulk job state: {exc}") from None
