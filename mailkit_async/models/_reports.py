"""Reporting results.

Mailkit sends the numbers of one report as numeric text in JSON and as ``<i4>`` or
``<double>`` in XML-RPC; every count below is an ``int`` and every rate or amount a
``float`` whichever wire carried it. Fields documented only in part have defaults, so
an answer that leaves them out still decodes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TypeAlias

import attrs

from ._common import ProfileFields, wire

__all__ = [
    "CampaignOverview",
    "DeliveryReport",
    "DeliveryStatus",
    "FeedbackBucket",
    "LinkReport",
    "LinkVisitor",
    "MessageBounce",
    "MessageRecipient",
    "MessageReport",
    "RawBounce",
    "RawMessage",
    "RawResponse",
    "VisitorAccess",
]

_Day: TypeAlias = date  # a model with a field named ``date`` cannot name the type itself


class DeliveryStatus(enum.StrEnum):
    """Delivery states of one message in ``report.message.recipients``."""

    SENT = "sent"
    FAILED = "failed"
    """Bounced."""
    WAIT = "wait"
    """Queued; the receiving side has not answered yet."""
    WAIT_AB = "wait_ab"
    """Held for the A/B test evaluation."""


@attrs.frozen
class MessageRecipient:
    """One recipient of a campaign delivery (``mailkit.report.message.recipients``)."""

    id_send_message: int
    id_email: int
    email: str
    status: str = ""
    """A ``DeliveryStatus`` value; kept as text so a new state never breaks decoding."""
    date: datetime | None = None
    read_count: int = 0
    click_count: int = 0
    ab_version: str = ""


@attrs.frozen
class CampaignOverview:
    """One campaign in the account overview (``mailkit.report``).

    Only part of the answer is documented (the field list comes from public client
    code); fields other than the ID default to 0 / empty when left out.
    """

    id_message: int
    name: str = ""
    send_count: int = 0
    delivered_count: int = 0
    read_count: int = 0
    read_count_u: int = 0
    """Unique reads."""
    click_count: int = 0
    click_count_u: int = 0
    """Unique clicks."""
    click_rate: float | None = None


@attrs.frozen(kw_only=True)
class DeliveryCounts:
    """The counters ``report.campaign`` and ``report.message`` share (0 when absent).

    ``_u`` counts are unique recipients; ``rev`` is revenue.
    """

    send_count: int = 0
    delivered_count: int = 0
    read_count: int = 0
    read_count_u: int = 0
    click_count: int = 0
    click_count_u: int = 0
    conversion_count: int = 0
    conversion_count_u: int = 0
    rev: float = 0.0
    """Revenue."""


@attrs.frozen
class DeliveryReport(DeliveryCounts):
    """One delivery (``ID_send``) of a campaign (``mailkit.report.campaign``).

    ``id_send`` is the key for the ``report.message*`` functions. The page shows
    placeholders only, so value types follow the sibling reports; counts default to 0.
    """

    id_send: int
    subject: str = ""
    date: datetime | None = None
    """When the delivery was sent."""
    date2: _Day | None = None
    """The delivery's day (Mailkit's ``DATE2``)."""
    sender: str = attrs.field(default="", metadata=wire("FROM"))
    click_rate: float | None = None
    click_rate2: float | None = None
    """A second click rate; Mailkit does not define how it differs from ``click_rate``."""
    forward_count: int = 0
    print_count: int = 0
    spam_report: int = 0
    unsubscribe: int = 0


@attrs.frozen
class MessageReport(DeliveryCounts):
    """Totals of one delivery (``mailkit.report.message``): a single object, not a list.

    ``rev`` is ``"10.00"`` text in JSON and a ``<double>`` in XML-RPC; ``failed_count``
    may be an empty string in XML-RPC, read as 0. An empty answer gives all zeros.
    """

    subject: str = ""
    send_date: datetime | None = None
    utm: str = ""
    """The delivery's UTM campaign name."""
    failed_count: int = 0
    minipage_click_count: int = 0


@attrs.frozen
class FeedbackBucket:
    """Recipient reactions in one time bucket (``mailkit.report.message.feedback``).

    JSON mixes numeric text (``READ``, ``OPEN``, ``OPEN_P``) and numbers (the rest);
    all are ints here. Mailkit's definitions of READ vs OPEN and of the ``_P``
    variants are not readable; the names are kept as Mailkit spells them.
    """

    date: datetime | None = None
    """Start of the bucket: an hour or a day, depending on the period asked for."""
    read: int = 0
    open: int = 0
    open_p: int = 0
    click: int = 0
    visit: int = 0
    visit_p: int = 0
    unsubscribe: int = 0
    spam_report: int = 0


@attrs.frozen
class LinkReport:
    """One clicked link of a delivery (``mailkit.report.message.links``).

    Links nobody clicked are not listed. ``id_url`` is the input of
    ``report.message_links_visitors``.
    """

    id_url: int
    url: str = ""
    title: str = ""
    title_short: str = ""
    anchor: str = ""
    """Where the link sits: an image name or the link text."""
    ab_version: str = ""
    click: int = 0
    visit: int = 0
    """Unique clicks."""
    conversion: int = 0


@attrs.frozen
class VisitorAccess:
    """Where a click came from (the ``DATA`` object of a link visitor).

    All text; Mailkit writes ``""`` where a value is unknown.
    """

    accessed: datetime | None = attrs.field(default=None, metadata=wire("DATETIME"))
    ip: str = ""
    ip_orig: str = ""
    continent: str = ""
    country: str = ""
    code: str = ""
    """Two-letter country code."""
    region: str = ""
    region_code: str = ""
    city: str = ""
    org: str = ""
    user_agent: str = ""
    browser: str = ""
    browser_major: str = ""
    browser_minor: str = ""
    browser_type: str = ""
    os: str = ""
    os_version: str = ""
    device: str = ""
    referer: str = ""


@attrs.frozen
class LinkVisitor:
    """One address that clicked a link (``mailkit.report.message.links.visitors``)."""

    id_email: int
    email: str = ""
    count: int = 0
    """Clicks by this address."""
    data: VisitorAccess = attrs.Factory(VisitorAccess)


@attrs.frozen
class MessageBounce:
    """One bounced message of a delivery (``mailkit.report.message.bounces``).

    ``status`` is the enhanced SMTP status (``"5.1.1"``, soft bounces ``"4.x.x"``
    included), not a delivery word as in ``report.message.recipients``.
    """

    id_send_message: int
    email: str = ""
    id_email: int | None = None
    id_user_list: int | None = None
    date: datetime | None = None
    status: str = ""
    email_status: str = ""
    """The address's state after the bounce (value list not documented)."""


@attrs.frozen
class RawMessage(ProfileFields):
    """One sent message in the raw export (``mailkit.report.raw.messages``).

    Keys arrive in lower/mixed case and every JSON value is text (``""`` when empty).
    The page's example stops after ``custom_4``; the profile fields and the ``s_*``
    access fields come from public client code and may be absent.
    """

    id_send_message: int
    """The row's ID and the export's paging cursor."""
    id_message: int | None = None
    id_send: int | None = None
    id_user_list: int | None = None
    id_email: int | None = None
    id_template: int | None = None
    type_message: str = ""
    email: str = ""
    email_date: datetime | None = None
    message_date: datetime | None = None
    date_sent: datetime | None = None
    ab_version: str = ""
    message_status: str = ""
    tld: str = ""
    domain: str = ""
    full_name: str = ""
    s_continent: str = ""
    s_country: str = ""
    s_region: str = ""
    s_city: str = ""
    s_org: str = ""
    s_browser: str = ""
    s_os: str = ""
    preview_url: str = ""


@attrs.frozen
class RawBounce:
    """One bounce record in the raw export (``mailkit.report.raw.bounces``).

    Mailkit misspells the message ID's key as ``ID_SEND_MESSGE``; it is read into
    ``id_send_message``. The page's example stops after ``SUBJECT``: ``remote_mta`` and
    ``id_undelivered_log`` (the paging cursor) come from public client code.
    """

    id_undelivered_log: int | None = None
    """The row's ID and the export's paging cursor."""
    id_send_message: int | None = attrs.field(default=None, metadata=wire("ID_SEND_MESSGE"))
    id_message: int | None = None
    id_send: int | None = None
    id_email: int | None = None
    id_user_list: int | None = None
    email: str = ""
    status: str = ""
    """Enhanced SMTP status, e.g. ``"5.1.1"``."""
    text_status: str = ""
    """The receiving server's diagnostic text."""
    bounce_cat: str = ""
    """Bounce category, e.g. ``"bad-mailbox"``."""
    remote_mta: str = ""
    campaign_name: str = ""
    utm_campaign: str = ""
    subject: str = ""


@attrs.frozen
class RawResponse:
    """One recipient reaction (open, click, ...) in the raw export (``report.raw.responses``).

    Inferred, not documented: Mailkit's page for this function could not be read. The
    field list comes from public client code, every field is optional, and numbers are
    read from text or numbers alike. ``type``'s values are not known.
    """

    id_log: int | None = None
    """The row's ID and the export's paging cursor."""
    date: datetime | None = None
    type: str = ""
    email: str = ""
    id_email: int | None = None
    id_user_list: int | None = None
    id_message: int | None = None
    id_send: int | None = None
    id_send_message: int | None = None
    ab_version: str = ""
    domain: str = ""
    tld: str = ""
    id_url: int | None = None
    link_type: str = ""
    link_url: str = ""
    link_text: str = ""
    link_title: str = ""
    referer: str = ""
    unsubscribe_answer: str = ""
    ip: str = ""
    ip_orig: str = ""
    continent: str = ""
    country: str = ""
    code: str = ""
    code3: str = ""
    region: str = ""
    region_code: str = ""
    city: str = ""
    org: str = ""
    user_agent: str = ""
    browser: str = ""
    browser_major: str = ""
    browser_minor: str = ""
    browser_type: str = ""
    os: str = ""
    os_version: str = ""
    device: str = ""
