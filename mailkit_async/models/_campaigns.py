"""Campaign management results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from ._common import wire

__all__ = [
    "Campaign",
    "CampaignDelivery",
    "CampaignSaved",
    "MessageRecord",
    "MessageTestResult",
    "ScheduleCancelled",
    "ScheduleCreated",
    "ScheduleList",
    "ScheduledSend",
    "TimeZone",
]


@attrs.frozen
class Campaign:
    """One campaign as ``mailkit.campaigns.list`` describes it."""

    id_message: int
    name: str = ""
    subject: str = ""
    subject_b: str = ""
    msg_type: str = ""
    campaign_type: str = ""
    use_ab: bool = False
    test_mode: bool = False
    send_date: datetime | None = None
    time_zone: str = ""
    last_sent: datetime | None = None
    repeat: bool = False
    repeat_count: int | None = None
    period: str = ""
    days: str = ""
    status: str = ""
    type: str = ""
    user_list: tuple[int, ...] = ()
    """Mailing-list IDs (an array in JSON, sometimes a lone int in XML-RPC)."""


@attrs.frozen
class CampaignSaved:
    """The campaign a ``campaigns.create`` or ``campaigns.update`` call saved.

    Mailkit's answer is only partly documented: create answers the new ID (a JSON
    ``ID_message`` key, a bare integer on XML-RPC); update's answer is not visible
    at all, so the ID there is the one the call was made for.
    """

    id_message: int


@attrs.frozen
class ScheduleCreated:
    """The answer of ``campaigns.single.schedule`` (not documented; read leniently).

    ``id_send_message_queue`` is the pending delivery's handle for
    ``schedule_cancel`` when Mailkit returns one, else None.
    """

    id_message: int
    id_send_message_queue: int | None = None


@attrs.frozen
class ScheduledSend:
    """One pending (not yet sent) delivery in ``campaigns.schedule.list``."""

    id_send_message_queue: int
    date_send: datetime | None = None
    """The planned send time."""
    time_zone: str = ""
    """A UTC offset such as ``"+01:00"`` (not a zone name, unlike ``campaigns.list``)."""
    subject: str = ""
    subject_b: str = ""
    use_ab: bool = False
    date: datetime | None = None
    """When the entry was made (inferred from the examples)."""


@attrs.frozen
class ScheduleList:
    """The pending deliveries of one campaign (``mailkit.campaigns.schedule.list``).

    Mailkit answers an empty string instead of an empty array when nothing is
    pending; both read as ``entries == ()``.
    """

    id_message: int
    entries: tuple[ScheduledSend, ...] = attrs.field(default=(), metadata=wire("data"))


@attrs.frozen
class ScheduleCancelled:
    """The acknowledgement of ``campaigns.schedule.cancel``.

    The function's page could not be read: its arguments (the campaign and the
    pending delivery's ``ID_SEND_MESSAGE_QUEUE``) and its answer are inferred. The IDs
    are the ones the call was made with; ``answer`` is Mailkit's text, if it sent one.
    """

    id_message: int
    id_send_message_queue: int
    answer: str = ""


@attrs.frozen
class TimeZone:
    """A time zone accepted by scheduling calls, with its abbreviations."""

    timezone: str
    """The IANA name to pass as ``time_zone`` (``"Europe/Prague"``)."""
    tz_codes: tuple[str, ...] = ()
    """Abbreviations used in the zone (``("CET", "CEST")``)."""


@attrs.frozen
class CampaignDelivery:
    """One delivery (send) of a campaign in ``mailkit.campaigns.history``, newest first."""

    id_message: int
    id_send: int
    """The delivery's ID, as the report functions take it."""
    date: datetime | None = None
    preview: str = ""
    """A web link to the message as sent."""


@attrs.frozen
class MessageRecord:
    """One record of ``campaigns.messages`` / ``campaigns.messages.last``.

    Neither function's page could be read, so the shape is inferred: the few fields
    below are filled when Mailkit sends them, and ``fields`` keeps every member of
    the record exactly as it arrived (keys upper-cased), so nothing is lost.
    """

    id_message: int | None = None
    id_send: int | None = None
    name: str = ""
    subject: str = ""
    date: datetime | None = None
    fields: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen
class MessageTestResult:
    """The answer of ``campaigns.messages.test``.

    Attributes:
        answer: Mailkit's text: ``"OK"``, or ``"OK version A"`` / ``"OK version B"``
            when an A/B campaign's variant was sent.
        version: ``"A"`` or ``"B"`` for those answers, else None.
    """

    answer: str = "OK"
    version: str | None = None
