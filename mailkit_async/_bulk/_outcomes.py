"""The three states a bulk recipient can end in, and how addresses are compared."""

from __future__ import annotations

import enum

import attrs

from .._exceptions import MailkitError
from ..models import MassErrorCode

__all__ = ["Outcome", "RecipientOutcome", "normalize_address"]


def normalize_address(address: str) -> str:
    """The form addresses are matched in: surrounding spaces dropped, lower case."""
    return address.strip().lower()


class Outcome(enum.Enum):
    """Where one recipient of a bulk send ended up. Every recipient ends in exactly one.

    The bulk engine sends each recipient at most once: a ``sendmail_mass`` call that may
    have reached Mailkit is never sent again, so a lost answer leaves its recipients
    ``UNKNOWN`` rather than risking a second e-mail.

    Attributes:
        ACCEPTED: Mailkit listed the address in its answer (and, after settling, did
            not report it as failed).
        REJECTED: The recipient will not be sent by this job: Mailkit reported it as
            failed (``error_code`` 1-8), Mailkit refused the whole call (``error_code``
            None, ``info`` is Mailkit's text), or the library never sent it
            (``sent`` is False: withdrawn, discarded on close, or not encodable).
        UNKNOWN: The request may have reached Mailkit but no usable answer came back,
            or Mailkit's answer did not list the address. Reconcile before resending.
    """

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"


@attrs.frozen
class RecipientOutcome:
    """One recipient's outcome in a bulk job (a view; the job state holds the facts).

    The recipient was sent at most once: ``UNKNOWN`` means its one call may have
    reached Mailkit, so reconcile before sending it again; ``sent=False`` means it never
    left and may be sent again safely.

    Attributes:
        send_to: The address as it was submitted.
        state: ``ACCEPTED``, ``REJECTED`` or ``UNKNOWN``.
        batch_id: The batch (one ``sendmail_mass`` call) the recipient went in.
        campaign_id: The campaign it was sent with.
        mailinglist_id: The mailing list it was filed in.
        request_id: Mailkit's handle for the batch's results, when it answered.
        error_code: Mailkit's per-recipient ERROR_CODE (see ``reason``), if any.
        info: Mailkit's INFO or error text, or the library's reason for the state.
        sent: False when the library never sent the recipient (safe to send again).
        error: The library error behind a whole-batch outcome (a lost connection, a
            timeout, Mailkit's refusal); not part of equality.
    """

    send_to: str
    state: Outcome
    batch_id: str
    campaign_id: int
    mailinglist_id: int
    request_id: int | None = None
    error_code: int | None = None
    info: str = ""
    sent: bool = True
    error: MailkitError | None = attrs.field(default=None, eq=False)

    @property
    def reason(self) -> MassErrorCode | None:
        """``error_code`` as a ``MassErrorCode``, or None (no code, or an undocumented one)."""
        if self.error_code is None:
            return None
        try:
            return MassErrorCode(self.error_code)
        except ValueError:
            return None
