"""Mailing list and recipient results."""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from ._common import RecipientData, wire

__all__ = [
    "AddUserResult",
    "AddUserStatus",
    "Engagement",
    "ImportRecipient",
    "ImportResult",
    "ListRecipient",
    "MailingList",
    "MailingListCreated",
    "ProfileFields",
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


@attrs.frozen(kw_only=True)
class ProfileFields:
    """A recipient's stored profile as Mailkit reports it: text fields, ``""`` when unset.

    Custom fields arrive as ``CUSTOM_1`` .. ``CUSTOM_25`` (``custom`` gathers the ones
    that are set). ``to_data()`` gives a ``RecipientData`` for editing the record.
    """

    vocative: str = ""
    prefix: str = ""
    first_name: str = ""
    last_name: str = ""
    nick_name: str = ""
    gender: str = ""
    company: str = ""
    reply_to: str = ""
    phone: str = ""
    mobile: str = ""
    fax: str = ""
    street: str = ""
    city: str = ""
    state: str = ""
    country: str = ""
    zip: str = ""
    custom_1: str = ""
    custom_2: str = ""
    custom_3: str = ""
    custom_4: str = ""
    custom_5: str = ""
    custom_6: str = ""
    custom_7: str = ""
    custom_8: str = ""
    custom_9: str = ""
    custom_10: str = ""
    custom_11: str = ""
    custom_12: str = ""
    custom_13: str = ""
    custom_14: str = ""
    custom_15: str = ""
    custom_16: str = ""
    custom_17: str = ""
    custom_18: str = ""
    custom_19: str = ""
    custom_20: str = ""
    custom_21: str = ""
    custom_22: str = ""
    custom_23: str = ""
    custom_24: str = ""
    custom_25: str = ""

    @property
    def custom(self) -> dict[int, str]:
        """The custom fields that hold a value, by number (1-25)."""
        values = ((n, getattr(self, f"custom_{n}")) for n in range(1, 26))
        return {n: v for n, v in values if v}

    def to_data(self) -> RecipientData:
        """The set fields as ``RecipientData`` (for ``edituser`` or ``adduser``)."""
        names = [f.name for f in attrs.fields(RecipientData) if f.name not in ("custom", "status")]
        values = {n: getattr(self, n) or None for n in names}
        custom: dict[int | str, str] = {}
        custom.update(self.custom.items())
        return RecipientData(**values, custom=custom)


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
