"""A batch as pure data (``BatchSpec``) and what sending it gave (``BatchResult``).

Both are meant to travel: a job queue can carry a ``BatchSpec`` (``to_dict`` /
``from_dict``) to a worker that runs ``send_batch`` and reports the ``BatchResult``'s
record back.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

import attrs

from .._exceptions import ConfigurationError, MailkitError
from ..models import MassRecipient
from ._outcomes import RecipientOutcome
from ._recipients import RecipientPreparer, as_id
from ._state import BatchRecord, BatchStatus

__all__ = [
    "BatchOutline",
    "BatchResult",
    "BatchSpec",
    "addresses_of",
    "outline_of",
    "without_tracebacks",
]

_send_to = itemgetter("send_to")


@attrs.frozen(eq=True, hash=False)
class BatchSpec:
    """Exactly one ``sendmail_mass`` call, as serialisable data.

    Hand it to ``send_batch`` once: the call is made at most once and must not be
    re-run after it may have reached Mailkit (a job queue should not retry it blindly;
    a ``BatchResult`` with status ``unknown`` is the answer to reconcile).

    Attributes:
        batch_id: An ID unique within the job (it names the batch in reports).
        campaign_id: The campaign every recipient gets (one per call, as Mailkit requires).
        mailinglist_id: The mailing list the recipients are filed in.
        recipients: The wire structs (``send_to``, ``campaign_id``, ``mailinglist_id``,
            ``subject``, base64 ``message_data`` ...), as ``MassRecipient.to_wire`` makes them.
        id_send: The ``id_send`` option (``"today"``), if any.
    """

    batch_id: str
    campaign_id: int
    mailinglist_id: int
    recipients: tuple[Mapping[str, Any], ...]
    id_send: str | None = None

    @classmethod
    def build(
        cls,
        batch_id: str,
        campaign_id: int,
        mailinglist_id: int,
        recipients: Iterable[MassRecipient | Mapping[str, Any]],
        *,
        id_send: str | None = None,
    ) -> BatchSpec:
        """A batch from ``MassRecipient`` objects or dicts of plain (not base64) values.

        Every recipient must belong to ``campaign_id`` and ``mailinglist_id``.
        """
        campaign_id = as_id(campaign_id, "campaign_id")
        mailinglist_id = as_id(mailinglist_id, "mailinglist_id")
        preparer = RecipientPreparer(campaign_id, mailinglist_id)
        structs = []
        for item in recipients:
            wire, group, _ = preparer.prepare(item)
            if group != (campaign_id, mailinglist_id):
                raise ConfigurationError(
                    f"recipient {wire.get('send_to')!r} belongs to campaign/list {group}, not"
                    f" {(campaign_id, mailinglist_id)}: one call sends one campaign",
                    function="mailkit.sendmail_mass",
                )
            structs.append(wire)
        return cls(batch_id, campaign_id, mailinglist_id, tuple(structs), id_send)

    @property
    def addresses(self) -> list[str]:
        """The recipients' addresses, in call order."""
        return list(self._addresses)

    @functools.cached_property
    def _addresses(self) -> tuple[str, ...]:
        # Read once per batch (duplicates, matching, the record), so kept.
        return tuple(map(_send_to, self.recipients))

    def params(self) -> dict[str, Any]:
        """The documented parameters of the call (``recipients`` and ``options``)."""
        params: dict[str, Any] = {"recipients": list(self.recipients)}
        if self.id_send is not None:
            params["options"] = {"id_send": self.id_send}
        return params

    def part(self, batch_id: str, start: int, stop: int) -> BatchSpec:
        """The recipients ``start:stop`` as a batch of their own."""
        return attrs.evolve(self, batch_id=batch_id, recipients=self.recipients[start:stop])

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict (recipient structs are copied as they are)."""
        return {
            "batch_id": self.batch_id,
            "campaign_id": self.campaign_id,
            "mailinglist_id": self.mailinglist_id,
            "recipients": [dict(r) for r in self.recipients],
            "id_send": self.id_send,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BatchSpec:
        """Rebuild a batch saved with ``to_dict``."""
        try:
            recipients = tuple(dict(r) for r in data["recipients"])
            spec = cls(
                str(data["batch_id"]),
                as_id(data["campaign_id"], "campaign_id"),
                as_id(data["mailinglist_id"], "mailinglist_id"),
                recipients,
                data.get("id_send"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigurationError(f"not a batch description: {exc}") from None
        if not all(isinstance(r.get("send_to"), str) for r in recipients):
            raise ConfigurationError("not a batch description: every recipient needs send_to")
        return spec

    def __len__(self) -> int:
        return len(self.recipients)


@attrs.frozen
class BatchOutline:
    """A batch without its recipient structs: enough to account for every recipient.

    Once a batch's body is encoded, the engine keeps only this while the call is in
    flight, so the structs (the bulk of a batch's memory) can be freed.

    Attributes:
        batch_id: The batch's ID.
        campaign_id: The campaign of the call.
        mailinglist_id: The mailing list of the call.
        addresses: The recipients' addresses, in call order.
    """

    batch_id: str
    campaign_id: int
    mailinglist_id: int
    addresses: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.addresses)


def without_tracebacks(error: MailkitError | None) -> MailkitError | None:
    """``error``, and every error it was raised from, without their tracebacks.

    A batch's error is kept for the whole job (in its result and report). Its traceback
    would keep every frame it passed through alive, and with them their locals: the
    batch's recipient structs and its request body, which carries the API secret.
    """
    stack: list[BaseException] = [] if error is None else [error]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        stack += [e for e in (current.__cause__, current.__context__) if e is not None]
    return error


@attrs.frozen
class BatchResult:
    """What one ``send_batch`` call learned (the call was made at most once).

    Attributes:
        record: The batch's record for the job state (status, request_id, notes).
        error: The library error when the call was refused, lost or not sent. It and
            the errors it was raised from carry no traceback: kept for the whole job,
            they must not keep the frames of the call (and its request body) alive.
    """

    record: BatchRecord
    error: MailkitError | None = attrs.field(default=None, eq=False, converter=without_tracebacks)

    @property
    def batch_id(self) -> str:
        """The batch's ID."""
        return self.record.batch_id

    @property
    def status(self) -> BatchStatus:
        """``"answered"``, ``"refused"``, ``"unknown"`` or ``"not_sent"``."""
        return self.record.status

    @property
    def outcomes(self) -> list[RecipientOutcome]:
        """Every recipient's outcome, in call order."""
        return list(self.record.outcomes(self.error))


def addresses_of(batch: BatchSpec) -> tuple[str, ...]:
    """``batch.addresses`` without a copy, computed once per batch (for the engine)."""
    return batch._addresses


def outline_of(batch: BatchSpec) -> BatchOutline:
    """What accounting for ``batch`` needs, without its recipient structs."""
    return BatchOutline(batch.batch_id, batch.campaign_id, batch.mailinglist_id, batch._addresses)
