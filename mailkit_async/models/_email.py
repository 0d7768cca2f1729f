"""Results of the ``mailkit.email.*`` functions (one recipient record or address)."""

from __future__ import annotations

from datetime import date, datetime

import attrs

from ._common import ProfileFields, wire

__all__ = [
    "EmailMoved",
    "EmailRecord",
    "EmailUnsubscribed",
    "EmailsDeleted",
    "HistoryClick",
    "HistoryMessage",
    "MoveDetails",
    "Revalidated",
    "UnsubscribeDetails",
    "UnsubscribeStatus",
    "WipeQueued",
]


@attrs.frozen
class EmailRecord(ProfileFields):
    """One list record of a recipient (``mailkit.email.getstatus``).

    Looking up an address gives one record per mailing list that holds it.
    """

    id_email: int
    email: str
    id_mailing_list: int | None = None
    status: str = ""
    """``enabled``, ``disabled``, ``unknown``, ``temporary``, ``permanent`` or ``unsubscribe``."""
    date: datetime | None = None
    change_date: datetime | None = None


@attrs.frozen
class HistoryClick:
    """One response (click) to a delivered message.

    Only these keys were readable in Mailkit's documentation; others are ignored.
    """

    url: str = ""
    country: str = ""
    region_code: str = ""
    city: str = ""
    date: datetime | None = None


@attrs.frozen
class HistoryMessage:
    """One message delivered to the recipient (``mailkit.email.getstatus.history``).

    Mailkit keeps about one year of history.
    """

    id_send_message: int
    id_send: int | None = None
    id_message: int | None = None
    message_name: str = ""
    subject: str = ""
    type_message: str = ""
    date_send: datetime | None = None
    email_from: str = ""
    name_from: str = ""
    id_email: int | None = None
    id_user_list: int | None = None
    read_count: int = 0
    click_count: int = 0
    preview: str = ""
    """A link to the message as the recipient saw it."""
    response_data: tuple[HistoryClick, ...] = ()


@attrs.frozen
class MoveDetails:
    """What only the JSON answer of ``mailkit.email.move`` reports."""

    id_email: int
    """The record's new ID in the destination list: store it."""
    id_user_list_source: int | None = None
    email: str = ""
    move_response: int | None = None


@attrs.frozen
class EmailMoved:
    """A record moved to another list (``mailkit.email.move``).

    XML-RPC answers only "moved"; ``details`` (with the record's new ``ID_email``)
    comes over JSON only. Over XML-RPC look the new record up with
    ``client.email.getstatus(address)``.
    """

    id_email_source: int
    id_user_list: int
    """The destination list."""
    details: MoveDetails | None = None


@attrs.frozen
class EmailsDeleted:
    """The record IDs ``mailkit.email.delete`` removed (one per list for an address)."""

    email_ids: tuple[int, ...] = attrs.field(default=(), metadata=wire("emails"))


@attrs.frozen
class EmailUnsubscribed:
    """The record ``mailkit.email.unsubscribe`` marked unsubscribed.

    ``status`` is only in the JSON answer (``"1"`` in the example; its meaning is
    not documented).
    """

    id_email: int
    status: int | None = None


@attrs.frozen
class UnsubscribeDetails:
    """What only the JSON answer of ``mailkit.email.unsubscribe.getstatus`` reports."""

    email: str = ""
    id_email: int | None = None
    topics: tuple[int, ...] = ()
    """The topics the address is unsubscribed from (empty when none)."""
    timeout: date | None = None
    """When a temporary unsubscribe ends; None when it is permanent or there is none."""


@attrs.frozen
class UnsubscribeStatus:
    """Whether a recipient is unsubscribed (``mailkit.email.unsubscribe.getstatus``).

    Both wires report ``unsubscribed``; XML-RPC answers nothing else, so ``details``
    is None there and filled over JSON.
    """

    unsubscribed: bool
    details: UnsubscribeDetails | None = None


@attrs.frozen
class Revalidated:
    """The outcome of ``mailkit.email.revalidate``.

    ``confirmation_sent`` is True when Mailkit mailed a confirmation request
    ("Sent subscribe email") and False when it re-subscribed the recipient at once
    ("Email has been revalidated").
    """

    confirmation_sent: bool


@attrs.frozen
class WipeQueued:
    """A recipient's erasure, queued by ``mailkit.email.wipe``.

    Mailkit erases in a daily batch: this confirms the request, not the erasure.
    """

    id_email: int
    email: str
