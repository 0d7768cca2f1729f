"""Mailing list and recipient results."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._common import ProfileFields, RecipientData, wire

__all__ = [
    "AddUserResult",
    "AddUserStatus",
    "Engagement",
    "ImportRecipient",
    "ImportResult",
    "ListRecipient",
    "MailingList",
    "MailingListCreated",
    "UnsubscribedRecipient",
]


@attrs.frozen
class MailingList:
    """One mailing list of the account."""

    id_user_list: int
    name: str = ""
    status: str = ""
    """``"enabled"`` or ``"disabled"``."""
    description: str = ""


@attrs.frozen
class MailingListCreated:
    """The answer of ``mailkit.mailinglist.create``: the new list's ID."""

    id_user_list: int = attrs.field(metadata=wire("data"))


class AddUserStatus(enum.IntEnum):
    """What ``mailinglist.adduser`` (and ``sendmail``) did with the recipient record."""

    UPDATED = 0
    INSERTED = 1
    INSERTED_UNSUBSCRIBED = 2
    UPDATED_UNSUBSCRIBED = 3
    FAULT = 4
    UPDATED_NOT_SENT = 6
    INSERTED_NOT_SENT = 7


@attrs.frozen
class AddUserResult:
    """The answer of ``mailkit.mailinglist.adduser``.

    With double opt-in (``confirm=True``) Mailkit only sends the confirmation e-mail:
    ``confirmation_sent`` is True and there is no ID or status yet.
    """

    id_email: int | None = None
    status: int | None = None
    """An ``AddUserStatus`` value (kept as int so a new code never breaks decoding)."""
    confirmation_sent: bool = False

    @property
    def status_code(self) -> AddUserStatus | None:
        """``status`` as an ``AddUserStatus``, or None when absent or not documented."""
        try:
            return AddUserStatus(self.status) if self.status is not None else None
        except ValueError:
            return None


@attrs.frozen
class ListRecipient(ProfileFields):
    """One record of a mailing list (``mailkit.mailinglist.getstatus``).

    ``status`` is ``enabled``, ``unknown``, ``temporary``, ``permanent`` or
    ``unsubscribe`` (other values are passed through). ``date`` is when the record
    was created, ``change_date`` its last change.
    """

    id_email: int
    email: str
    status: str = ""
    date: datetime | None = None
    change_date: datetime | None = None


@attrs.frozen
class Engagement:
    """A recipient's engagement score (0-5; 3 for new recipients) and trend.

    Calls ``mailkit.mailinglist.engagement``; scores are refreshed once a day.
    """

    id_email: int
    email: str
    score: int
    trend: int


@attrs.frozen
class UnsubscribedRecipient:
    """One unsubscribe of the account (``mailkit.mailinglist.unsubscribed``).

    ``email`` may hold a phone number for SMS recipients. ``groups`` lists the
    unsubscribe groups (topics) the person left; it is empty when they left
    everything. Mailkit writes it as ``0``, ``""`` or ``"27,29,35"``.
    """

    email: str
    date: datetime | None = None
    groups: tuple[int, ...] = attrs.field(default=(), metadata=wire("ID_UNSUBSCRIBE_GROUP"))


@attrs.frozen
class ImportRecipient:
    """One recipient of ``mailinglist.import_``: an address and optional profile data.

    Unlike ``adduser``, import values travel as plain text in one flat record.
    """

    email: str
    data: RecipientData = attrs.field(factory=RecipientData)

    def to_wire(self) -> dict[str, str]:
        """The flat import record (``email``, ``first_name``, ..., ``custom1`` ...)."""
        data = self.data
        return {
            "email": self.email,
            **data.personal(encode=False),
            **data.address(encode=False),
            **data.customs(encode=False),
        }


@attrs.frozen
class ImportResult:
    """The counts of ``mailkit.mailinglist.import``.

    Inferred from public integrations (the page's answer section was not readable);
    one integrator saw all counts 0 after a successful import, so zero counts alone
    do not prove a failure.
    """

    count_all: int = 0
    count_new: int = 0
    count_updated: int = 0
    count_bad: int = 0
    invalid_emails: tuple[str, ...] = ()
