"""Mailing list and recipient results."""

from __future__ import annotations

import enum

import attrs

from ._common import wire

__all__ = ["AddUserResult", "AddUserStatus", "MailingList", "MailingListCreated"]


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
