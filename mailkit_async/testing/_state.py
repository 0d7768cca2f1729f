"""The emulator's in-memory Mailkit account.

One ``EmulatorState`` holds everything the API functions read and write: mailing
lists and their recipient records, unsubscribes, campaigns and schedules,
deliveries (``ID_send``) with their per-recipient messages, ``sendmail_mass``
requests with their per-recipient outcomes, status history, link clicks and the file
manager. Handlers keep it consistent across functions; tests seed it with the
``add_*`` helpers.

IDs come from one counter per kind, each starting in its own range (lists at 1001,
campaigns at 2001, deliveries at 3001, ...), so runs are deterministic and an ID of
one kind passed where another is expected finds nothing instead of a wrong record.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Final

import attrs

__all__ = [
    "Bounce",
    "Campaign",
    "Delivery",
    "EmulatorState",
    "FileEntry",
    "LinkClick",
    "MailingList",
    "MassOutcome",
    "MassRequest",
    "Query",
    "Reaction",
    "Recipient",
    "SampleSend",
    "Schedule",
    "Sender",
    "SentMessage",
    "StatusChange",
    "Unsubscribe",
    "is_valid_email",
    "mailkit_date",
]

_EMAIL: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
_DATE_TEXT: Final = "%Y-%m-%d %H:%M:%S"


def is_valid_email(address: str) -> bool:
    """A deliberately simple syntax check: one ``@``, no spaces, a dotted domain."""
    return bool(_EMAIL.match(address))


def mailkit_date(moment: datetime | None) -> str:
    """Mailkit's ``YYYY-MM-DD HH:MM:SS`` text, or ``""`` for no date."""
    return moment.strftime(_DATE_TEXT) if moment is not None else ""


def _key(email: str) -> str:
    return email.strip().lower()


@attrs.define
class MailingList:
    """A mailing list (``ID_user_list``)."""

    id: int
    name: str
    description: str = ""
    status: str = "enabled"
    created: datetime | None = None


@attrs.define
class Recipient:
    """One e-mail record in one mailing list (``ID_email`` is unique per record).

    ``personal`` holds first_name, last_name, vocative, prefix, company, reply_to...;
    ``address`` zip, city, street, phone, gender...; ``custom`` custom1..custom25; all
    as decoded text. ``confirmed`` is False while a double opt-in is pending.
    """

    id: int
    list_id: int
    email: str
    status: str = "enabled"
    confirmed: bool = True
    personal: dict[str, str] = attrs.Factory(dict)
    address: dict[str, str] = attrs.Factory(dict)
    custom: dict[str, str] = attrs.Factory(dict)
    consent: dict[str, str] = attrs.Factory(dict)
    topics: list[int] = attrs.Factory(list)
    created: datetime | None = None
    updated: datetime | None = None
    score: int = 3
    """Engagement score 0-5 (3 for new recipients, as in Mailkit)."""
    trend: int = 0


@attrs.define
class Unsubscribe:
    """An unsubscribe of an address, from one list (``list_id``) or all (``None``)."""

    email: str
    date: datetime
    list_id: int | None = None
    groups: list[str] = attrs.Factory(list)
    reason: str = ""
    until: datetime | None = None
    """When a temporary unsubscribe ends (None: for good)."""
    notified: bool = False
    """Whether an opt-out confirmation e-mail was sent."""


@attrs.define
class StatusChange:
    """One change of a recipient record's status (for status-history functions)."""

    email_id: int
    email: str
    status: str
    date: datetime
    reason: str = ""


@attrs.define
class Campaign:
    """A campaign (``ID_message``) with its sending and scheduling settings."""

    id: int
    name: str
    subject: str = ""
    subject_b: str = ""
    sender_email: str = "sender@example.com"
    sender_name: str = ""
    reply_to: str = ""
    msg_type: str = "email"
    campaign_type: str = "normal"
    use_ab: bool = False
    test_mode: bool = False
    send_date: datetime | None = None
    time_zone: str = "Europe/Prague"
    last_sent: datetime | None = None
    repeat: bool = False
    repeat_count: int = 0
    period: str = ""
    days: str = ""
    status: str = "enabled"
    type: str = "single"
    user_lists: list[int] = attrs.Factory(list)
    body: str = ""


@attrs.define
class Schedule:
    """A scheduled sending of a campaign."""

    id: int
    campaign_id: int
    send_date: datetime
    time_zone: str = "Europe/Prague"
    status: str = "scheduled"
    subject: str = ""
    created: datetime | None = None
    template_id: int | None = None
    query_id: int | None = None
    delivery_feed_id: int | None = None


@attrs.define
class Delivery:
    """One delivery of a campaign (``ID_send``): the unit reports are grouped by."""

    id: int
    campaign_id: int
    date: datetime
    subject: str = ""
    day: _dt.date | None = None
    """Set for deliveries that ``id_send: "today"`` calls of the same day merge into."""


@attrs.define
class SentMessage:
    """One recipient's message in a delivery (``ID_send_message``)."""

    id: int
    send_id: int
    email_id: int
    email: str
    status: str = "sent"
    date: datetime | None = None
    subject: str = ""
    read_count: int = 0
    click_count: int = 0
    ab_version: str = ""
    customs: dict[str, object] = attrs.Factory(dict)
    content: dict[str, object] = attrs.Factory(dict)
    message_data: str = ""
    attachments: list[object] = attrs.Factory(list)
    channel: str = "email"
    """``"email"`` or ``"sms"``."""


@attrs.define
class Bounce:
    """A bounce of one sent message (``ID_undelivered_log``), made with ``EmulatorState.bounce``.

    ``status`` is the enhanced SMTP status (``"5.1.1"``; soft bounces ``"4.x.x"``),
    ``category`` Mailkit's bounce category (``"bad-mailbox"``).
    """

    id: int
    send_message_id: int
    status: str
    category: str
    date: datetime
    text: str = ""
    remote_mta: str = ""


@attrs.define
class Reaction:
    """One reaction to a sent message (``ID_log``), made with ``EmulatorState.record_reaction``.

    ``kind`` is ``"open"``, ``"click"``, ``"unsubscribe"`` or ``"spam"``; clicks carry
    the link (``url``, its ``url_id``, ``title``, ``anchor``). ``details`` holds the
    access data the link and raw reports show (``country``, ``city``, ``browser``,
    ``os``, ``device``...), as text.
    """

    id: int
    send_message_id: int
    kind: str
    date: datetime
    url: str = ""
    url_id: int = 0
    title: str = ""
    anchor: str = ""
    ip: str = ""
    user_agent: str = ""
    referer: str = ""
    details: dict[str, str] = attrs.Factory(dict)


@attrs.define
class LinkClick:
    """A click on a link of a sent message (for link and engagement reports)."""

    send_message_id: int
    url: str
    date: datetime


@attrs.define
class MassOutcome:
    """What became of one recipient of a ``sendmail_mass`` call.

    ``error_code`` 0 means accepted; otherwise one of the documented codes
    (1 attachment, 2 invalid email, 3 missing email, 4 mailinglist_id, 5 campaign_id,
    6 unsubscribed, 7 no sender address, 8 template file). IDs are 0 where no record
    could be created, as Mailkit documents.
    """

    email: str
    error_code: int
    info: str
    date: datetime
    email_id: int = 0
    send_id: int = 0
    send_message_id: int = 0


@attrs.define
class MassRequest:
    """One ``sendmail_mass`` call (``request_id``) and its per-recipient outcomes."""

    id: int
    send_id: int
    campaign_id: int | None
    received_at: float
    """``EmulatorState.monotonic()`` when the call was handled."""
    date: datetime
    outcomes: list[MassOutcome] = attrs.Factory(list)

    @property
    def failures(self) -> list[MassOutcome]:
        """The outcomes with a non-zero error code, in call order."""
        return [o for o in self.outcomes if o.error_code]


@attrs.define
class FileEntry:
    """A file or folder of the file manager."""

    id: int
    name: str
    folder_id: int = 0
    is_dir: bool = False
    data: bytes = b""
    created: datetime | None = None
    description: str = ""

    @property
    def size(self) -> int:
        """Size of the file's data in bytes (0 for folders)."""
        return len(self.data)


@attrs.define
class Sender:
    """A sender (From) address of the account (``ID_allow_email``)."""

    id: int
    email: str
    name: str = ""
    status: str = "active"
    spf: bool = True


@attrs.define
class Query:
    """A saved recipient condition (``ID_query``)."""

    id: int
    name: str
    description: str = ""
    created: datetime | None = None
    changed: datetime | None = None
    created_by: str = "admin"
    changed_by: str = "admin"


@attrs.define
class SampleSend:
    """One test message sent with ``campaigns.messages.test``."""

    campaign_id: int
    email: str
    sent_at: float
    """``EmulatorState.monotonic()`` when it was sent (for the one-per-30-s limit)."""
    preview_email_id: int | None = None
    version: str = ""
    content: dict[str, str] = attrs.Factory(dict)


def _default_senders() -> dict[int, Sender]:
    return {6001: Sender(6001, "sender@example.com", "Sender")}


def _counter(start: int) -> Callable[[], int]:
    return itertools.count(start).__next__


@attrs.define
class EmulatorState:
    """The whole in-memory account an emulator serves.

    Collections are plain dicts keyed by ID (and lists of events), open for tests to
    inspect. ``now`` and ``monotonic`` are the clocks handlers use; replace them to
    control dates and the ``results_delay`` window.
    """

    results_delay: float = 0.0
    """Seconds after a ``sendmail_mass`` call during which its results still say OK."""
    now: Callable[[], datetime] = attrs.field(default=datetime.now, repr=False)
    monotonic: Callable[[], float] = attrs.field(default=time.monotonic, repr=False)

    mailing_lists: dict[int, MailingList] = attrs.Factory(dict)
    recipients: dict[int, Recipient] = attrs.Factory(dict)
    unsubscribes: list[Unsubscribe] = attrs.Factory(list)
    status_history: list[StatusChange] = attrs.Factory(list)
    campaigns: dict[int, Campaign] = attrs.Factory(dict)
    schedules: dict[int, Schedule] = attrs.Factory(dict)
    deliveries: dict[int, Delivery] = attrs.Factory(dict)
    messages: dict[int, SentMessage] = attrs.Factory(dict)
    clicks: list[LinkClick] = attrs.Factory(list)
    mass_requests: dict[int, MassRequest] = attrs.Factory(dict)
    files: dict[int, FileEntry] = attrs.Factory(dict)
    senders: dict[int, Sender] = attrs.Factory(_default_senders)
    """Sender addresses; one (6001, the campaigns' default sender) is there from the start."""
    queries: dict[int, Query] = attrs.Factory(dict)
    sample_sends: list[SampleSend] = attrs.Factory(list)
    bounces: list[Bounce] = attrs.Factory(list)
    reactions: list[Reaction] = attrs.Factory(list)
    link_ids: dict[str, int] = attrs.Factory(dict)
    """The ``ID_url`` of every link clicked so far, by URL."""
    topics: dict[int, str] = attrs.Factory(dict)
    """Campaign topics in use, by ID; add them with ``add_topic``."""
    topic_optouts: dict[str, set[int]] = attrs.Factory(dict)
    """The topics each address (lower-cased) has left."""
    wipes: dict[str, datetime] = attrs.Factory(dict)
    """Queued erasures (``email.wipe``) by lower-cased address."""

    _next_list_id: Callable[[], int] = attrs.field(factory=lambda: _counter(1001), repr=False)
    _next_campaign_id: Callable[[], int] = attrs.field(factory=lambda: _counter(2001), repr=False)
    _next_send_id: Callable[[], int] = attrs.field(factory=lambda: _counter(3001), repr=False)
    _next_schedule_id: Callable[[], int] = attrs.field(factory=lambda: _counter(4001), repr=False)
    _next_file_id: Callable[[], int] = attrs.field(factory=lambda: _counter(5001), repr=False)
    _next_request_id: Callable[[], int] = attrs.field(factory=lambda: _counter(7001), repr=False)
    _next_email_id: Callable[[], int] = attrs.field(factory=lambda: _counter(500001), repr=False)
    _next_message_id: Callable[[], int] = attrs.field(factory=lambda: _counter(9000001), repr=False)
    _next_sender_id: Callable[[], int] = attrs.field(factory=lambda: _counter(6002), repr=False)
    _next_query_id: Callable[[], int] = attrs.field(factory=lambda: _counter(8001), repr=False)
    _next_url_id: Callable[[], int] = attrs.field(factory=lambda: _counter(90001), repr=False)
    _next_bounce_id: Callable[[], int] = attrs.field(factory=lambda: _counter(30000001), repr=False)
    _next_log_id: Callable[[], int] = attrs.field(factory=lambda: _counter(40000001), repr=False)
    _next_topic_id: Callable[[], int] = attrs.field(factory=lambda: _counter(201), repr=False)

    # Lookup indexes kept by the helpers below, so that a 10 000-recipient send stays
    # linear. Records added by assigning into the public dicts directly are not seen
    # by find_recipient / is_unsubscribed / messages_of: use the helpers.
    _by_email: dict[str, dict[int, int]] = attrs.field(factory=dict, repr=False)
    _unsubscribed: dict[str, list[Unsubscribe]] = attrs.field(factory=dict, repr=False)
    _by_send: dict[int, list[int]] = attrs.field(factory=dict, repr=False)

    # -- mailing lists and recipients ---------------------------------------

    def add_mailing_list(self, name: str, description: str = "", *, status: str = "enabled") -> int:
        """Create a mailing list and return its ``ID_user_list``.

        Raises ``ValueError`` for a name already in use, as Mailkit refuses duplicates.
        """
        if self.find_mailing_list(name) is not None:
            raise ValueError(f"mailing list {name!r} already exists")
        list_id = self._next_list_id()
        self.mailing_lists[list_id] = MailingList(
            list_id, name, description, status, created=self.now()
        )
        return list_id

    def find_mailing_list(self, name: str) -> MailingList | None:
        """The mailing list with exactly this name, if any."""
        return next((m for m in self.mailing_lists.values() if m.name == name), None)

    def find_recipient(self, list_id: int, email: str) -> Recipient | None:
        """The record of ``email`` in list ``list_id`` (addresses match case-insensitively)."""
        record_id = self._by_email.get(_key(email), {}).get(list_id)
        return self.recipients.get(record_id) if record_id is not None else None

    def recipients_by_email(self, email: str) -> list[Recipient]:
        """Every record of ``email`` (one per list), in insertion order."""
        ids = self._by_email.get(_key(email), {}).values()
        return sorted((self.recipients[i] for i in ids if i in self.recipients), key=lambda r: r.id)

    def recipients_of(self, list_id: int) -> list[Recipient]:
        """Every record of one mailing list, in insertion order."""
        return [r for r in self.recipients.values() if r.list_id == list_id]

    def add_recipient(
        self,
        list_id: int,
        email: str,
        *,
        status: str = "enabled",
        confirmed: bool = True,
        personal: Mapping[str, str] | None = None,
        address: Mapping[str, str] | None = None,
        custom: Mapping[str, str] | None = None,
    ) -> Recipient:
        """Insert ``email`` into list ``list_id``, or update its record; return the record.

        Raises ``KeyError`` for an unknown list.
        """
        if list_id not in self.mailing_lists:
            raise KeyError(f"no mailing list {list_id}")
        record = self.find_recipient(list_id, email)
        moment = self.now()
        if record is None:
            record = Recipient(
                self._next_email_id(),
                list_id,
                email.strip(),
                status=status,
                confirmed=confirmed,
                created=moment,
                updated=moment,
            )
            self.recipients[record.id] = record
            self._by_email.setdefault(_key(email), {})[list_id] = record.id
            self._log_status(record, "inserted")
        elif record.status != status:
            record.status = status
            self._log_status(record, "updated")
        record.personal.update(personal or {})
        record.address.update(address or {})
        record.custom.update(custom or {})
        record.updated = moment
        return record

    def remove_recipient(self, record_id: int) -> Recipient | None:
        """Delete one list record (and its lookup entry); return it, or None if unknown."""
        record = self.recipients.pop(record_id, None)
        if record is not None:
            self._by_email.get(_key(record.email), {}).pop(record.list_id, None)
        return record

    def set_recipient_status(self, record: Recipient, status: str, reason: str = "") -> None:
        """Change a record's status and log the change in ``status_history``."""
        if record.status != status:
            record.status = status
            record.updated = self.now()
            self._log_status(record, reason)

    def _log_status(self, record: Recipient, reason: str) -> None:
        self.status_history.append(
            StatusChange(record.id, record.email, record.status, self.now(), reason)
        )

    # -- unsubscribes -----------------------------------------------------------

    def unsubscribe(
        self,
        email: str,
        list_id: int | None = None,
        *,
        groups: Iterable[str] = (),
        reason: str = "",
    ) -> Unsubscribe:
        """Mark ``email`` unsubscribed from one list, or from every list when ``list_id`` is None.

        Existing records it covers get the status ``unsubscribe``.
        """
        entry = Unsubscribe(email.strip(), self.now(), list_id, list(groups), reason)
        self.unsubscribes.append(entry)
        key = _key(email)
        self._unsubscribed.setdefault(key, []).append(entry)
        for record_list, record_id in self._by_email.get(key, {}).items():
            record = self.recipients.get(record_id)
            if record is not None and list_id in (None, record_list):
                self.set_recipient_status(record, "unsubscribe", "unsubscribed")
        return entry

    def is_unsubscribed(self, email: str, list_id: int | None = None) -> bool:
        """Whether ``email`` is unsubscribed globally or from list ``list_id`` (and not expired)."""
        entries = self._unsubscribed.get(_key(email), ())
        moment = self.now()
        return any(
            u.list_id in (None, list_id) and (u.until is None or u.until > moment) for u in entries
        )

    def resubscribe(self, email: str) -> None:
        """Lift every unsubscribe of ``email``; its unsubscribed records turn ``enabled``."""
        key = _key(email)
        self.unsubscribes[:] = [u for u in self.unsubscribes if _key(u.email) != key]
        self._unsubscribed.pop(key, None)
        for record in self.recipients_by_email(email):
            if record.status == "unsubscribe":
                self.set_recipient_status(record, "enabled", "resubscribed")

    def add_topic(self, name: str) -> int:
        """Create a campaign topic and return its ID."""
        topic_id = self._next_topic_id()
        self.topics[topic_id] = name
        return topic_id

    # -- campaigns and deliveries ---------------------------------------------

    def add_campaign(
        self,
        name: str = "Campaign",
        subject: str = "Subject",
        *,
        sender_email: str = "sender@example.com",
        sender_name: str = "",
        campaign_type: str = "normal",
        user_lists: Iterable[int] = (),
        **settings: object,
    ) -> int:
        """Create a campaign and return its ``ID_message``.

        ``sender_email=""`` makes sends fail with code 7 (missing sender address);
        ``campaign_type="transactional"`` allows attachments. Any other ``Campaign``
        field can be given by name in ``settings`` (``use_ab=True``, ``period="week"``...).
        """
        campaign_id = self._next_campaign_id()
        campaign = Campaign(
            campaign_id,
            name,
            subject,
            sender_email=sender_email,
            sender_name=sender_name,
            campaign_type=campaign_type,
            user_lists=list(user_lists),
        )
        for field_name, value in settings.items():
            if field_name not in attrs.fields_dict(Campaign) or field_name == "id":
                raise TypeError(f"Campaign has no settable field {field_name!r}")
            setattr(campaign, field_name, value)
        self.campaigns[campaign_id] = campaign
        return campaign_id

    def new_delivery(self, campaign: Campaign, *, merge_today: bool = False) -> Delivery:
        """A delivery (``ID_send``) for ``campaign``.

        With ``merge_today`` the campaign's delivery of the current day is reused
        (``id_send: "today"``); otherwise a new one is made.
        """
        moment = self.now()
        if merge_today:
            for delivery in self.deliveries.values():
                if delivery.campaign_id == campaign.id and delivery.day == moment.date():
                    return delivery
        delivery = Delivery(
            self._next_send_id(),
            campaign.id,
            moment,
            campaign.subject,
            day=moment.date() if merge_today else None,
        )
        self.deliveries[delivery.id] = delivery
        campaign.last_sent = moment
        return delivery

    def add_message(self, delivery: Delivery, record: Recipient, **fields: object) -> SentMessage:
        """Record one recipient's message in ``delivery``; extra ``SentMessage`` fields by name."""
        message = SentMessage(
            self._next_message_id(),
            delivery.id,
            record.id,
            record.email,
            date=self.now(),
            subject=delivery.subject,
        )
        for field_name, value in fields.items():
            setattr(message, field_name, value)
        self.messages[message.id] = message
        self._by_send.setdefault(delivery.id, []).append(message.id)
        return message

    def messages_of(self, send_id: int) -> list[SentMessage]:
        """Every message of one delivery, in sending order."""
        found = (self.messages.get(i) for i in self._by_send.get(send_id, ()))
        return [m for m in found if m is not None]

    def add_schedule(self, campaign_id: int, send_date: datetime, **fields: object) -> Schedule:
        """Schedule a campaign; extra ``Schedule`` fields by name."""
        schedule = Schedule(self._next_schedule_id(), campaign_id, send_date)
        for field_name, value in fields.items():
            setattr(schedule, field_name, value)
        self.schedules[schedule.id] = schedule
        return schedule

    # -- sendmail_mass ------------------------------------------------------------

    def new_mass_request(self, send_id: int, campaign_id: int | None) -> MassRequest:
        """Register a ``sendmail_mass`` call and return it with its new ``request_id``."""
        request = MassRequest(
            self._next_request_id(), send_id, campaign_id, self.monotonic(), self.now()
        )
        self.mass_requests[request.id] = request
        return request

    def results_ready(self, request: MassRequest) -> bool:
        """Whether ``results_delay`` has passed since the request (results become visible)."""
        return self.monotonic() - request.received_at >= self.results_delay

    # -- bounces and reactions ------------------------------------------------------

    def bounce(
        self,
        message_id: int,
        status: str = "5.1.1",
        category: str = "bad-mailbox",
        *,
        text: str = "",
        remote_mta: str = "",
    ) -> Bounce:
        """Mark a sent message as bounced: it turns ``failed`` and shows in the bounce reports.

        The recipient's record turns ``permanent`` for a hard bounce (``5.x.x``) and
        ``temporary`` for a soft one. Raises ``KeyError`` for an unknown ``ID_send_message``.
        """
        message = self.messages[message_id]
        message.status = "failed"
        record = self.recipients.get(message.email_id)
        if record is not None:
            hard = status.startswith("5")
            self.set_recipient_status(record, "permanent" if hard else "temporary", "bounce")
        entry = Bounce(
            self._next_bounce_id(),
            message_id,
            status,
            category,
            self.now(),
            text or f"smtp;550 {status} mailbox unavailable",
            remote_mta,
        )
        self.bounces.append(entry)
        return entry

    def record_reaction(
        self,
        message_id: int,
        kind: str = "open",
        *,
        url: str = "",
        title: str = "",
        anchor: str = "",
        ip: str = "",
        user_agent: str = "",
        referer: str = "",
        **details: str,
    ) -> Reaction:
        """Record an open, click, unsubscribe or spam report of a sent message.

        Opens and clicks raise the message's read/click counts; a click needs ``url``
        and also lands in ``clicks``. Raises ``KeyError`` for an unknown message and
        ``ValueError`` for an unknown kind or a click without a URL.
        """
        message = self.messages[message_id]
        if kind not in ("open", "click", "unsubscribe", "spam"):
            raise ValueError(f"unknown reaction kind {kind!r}")
        moment = self.now()
        url_id = 0
        if kind == "click":
            if not url:
                raise ValueError("a click needs the url clicked")
            url_id = self.link_ids.setdefault(url, self._next_url_id())
            message.click_count += 1
            self.clicks.append(LinkClick(message_id, url, moment))
        elif kind == "open":
            message.read_count += 1
        reaction = Reaction(
            self._next_log_id(),
            message_id,
            kind,
            moment,
            url,
            url_id,
            title,
            anchor,
            ip,
            user_agent,
            referer,
            dict(details),
        )
        self.reactions.append(reaction)
        return reaction

    # -- profile --------------------------------------------------------------------

    def add_sender(self, email: str, name: str = "", **fields: object) -> Sender:
        """Add a sender address; extra ``Sender`` fields (``status``, ``spf``) by name."""
        sender = Sender(self._next_sender_id(), email, name)
        for field_name, value in fields.items():
            setattr(sender, field_name, value)
        self.senders[sender.id] = sender
        return sender

    def add_query(self, name: str, description: str = "") -> Query:
        """Save a recipient condition and return it (its ``id`` is the ``ID_query``)."""
        moment = self.now()
        query = Query(self._next_query_id(), name, description, moment, moment)
        self.queries[query.id] = query
        return query

    # -- file manager -------------------------------------------------------------

    def add_file(
        self, name: str, data: bytes = b"", *, folder_id: int = 0, is_dir: bool = False
    ) -> FileEntry:
        """Store a file (or, with ``is_dir``, a folder) in the file manager."""
        entry = FileEntry(
            self._next_file_id(), name, folder_id, is_dir, bytes(data), created=self.now()
        )
        self.files[entry.id] = entry
        return entry

    def files_in(self, folder_id: int) -> Iterator[FileEntry]:
        """The files and folders directly inside one folder (0 = the root)."""
        return (f for f in self.files.values() if f.folder_id == folder_id)
