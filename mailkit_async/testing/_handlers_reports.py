"""Emulator handlers for the reporting functions.

Every report is computed from the state: deliveries and their messages (made by
``sendmail``, ``sendmail_mass`` and ``sendsms``), bounces (``EmulatorState.bounce``)
and reactions (``EmulatorState.record_reaction``). Numbers that Mailkit's JSON
examples quote are ``NumericText``; rates and revenue are ``"12.50"`` text in JSON and
``<double>`` in XML-RPC. The raw exports live in ``_handlers_raw`` (imported here so
that loading this module registers them too).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from ._handlers_base import Answer, CallError, NumericText, handler, to_int, to_text
from ._handlers_raw import rows_answer
from ._state import Campaign, Delivery, EmulatorState, Reaction, SentMessage, mailkit_date

__all__: list[str] = []

_DAY_TEXT: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_OVERVIEW_DAYS: Final = 31
"""Without a range, ``mailkit.report`` covers about the last month."""
_CAMPAIGN_DAYS: Final = 92
"""Without a range, ``mailkit.report.campaign`` covers about the last three months."""
_PERIODS: Final = {"DAY": (timedelta(hours=1), 24), "WEEK": (timedelta(days=1), 7)}
_MONTH: Final = (timedelta(days=1), 31)
_ACCESS_KEYS: Final = (
    "continent",
    "country",
    "code",
    "region",
    "region_code",
    "city",
    "org",
    "browser",
    "browser_major",
    "browser_minor",
    "browser_type",
    "os",
    "os_version",
    "device",
)


def _delivery_id(state: EmulatorState, params: dict[str, object]) -> int:
    """The ``ID_send`` argument of a report; ``CallError`` when missing or unknown."""
    raw = params.get("ID_send")
    if raw is None or to_text(raw) in ("", "0"):
        raise CallError("Missing ID_send")
    send_id = to_int(raw)
    if send_id is None or send_id not in state.deliveries:
        raise CallError("Invalid ID_send")
    return send_id


@handler("mailkit.report.message.recipients")
def report_message_recipients(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Per-recipient rows of one delivery: numbers as JSON text and ``<i4>`` in XML-RPC."""
    send_id = _delivery_id(state, params)
    return Answer.value(
        [
            {
                "DATE": mailkit_date(m.date),
                "READ_COUNT": NumericText(m.read_count),
                "STATUS": m.status,
                "ID_EMAIL": NumericText(m.email_id),
                "EMAIL": m.email,
                "CLICK_COUNT": NumericText(m.click_count),
                "ID_SEND_MESSAGE": NumericText(m.id),
                "AB_VERSION": m.ab_version,
            }
            for m in state.messages_of(send_id)
        ]
    )


# ---------------------------------------------------------------------------
# shared arithmetic
# ---------------------------------------------------------------------------


def _decimal(value: float, wire: str) -> object:
    """A rate or amount: ``"12.50"`` in JSON, a ``<double>`` in XML-RPC."""
    return f"{value:.2f}" if wire == "json" else round(value, 2)


def _percent(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


@attrs.frozen
class _Totals:
    """What the overview, campaign and message reports count for a set of messages."""

    sent: int
    failed: int
    reads: int
    readers: int
    clicks: int
    clickers: int
    unsubscribes: int
    spam: int

    @property
    def delivered(self) -> int:
        return self.sent - self.failed


def _totals(state: EmulatorState, messages: list[SentMessage]) -> _Totals:
    ids = {m.id for m in messages}
    kinds = Counter(r.kind for r in state.reactions if r.send_message_id in ids)
    return _Totals(
        sent=len(messages),
        failed=sum(1 for m in messages if m.status == "failed"),
        reads=sum(m.read_count for m in messages),
        readers=sum(1 for m in messages if m.read_count),
        clicks=sum(m.click_count for m in messages),
        clickers=sum(1 for m in messages if m.click_count),
        unsubscribes=kinds["unsubscribe"],
        spam=kinds["spam"],
    )


def _day(params: dict[str, object], name: str) -> date | None:
    raw = to_text(params.get(name))
    if not raw:
        return None
    if not _DAY_TEXT.fullmatch(raw):
        raise CallError(f"Invalid {name}")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CallError(f"Invalid {name}") from None


def _window(state: EmulatorState, params: dict[str, object], days: int) -> tuple[date, date]:
    """The ``range_from``..``range_to`` days asked for, defaulting to the last ``days``."""
    today = state.now().date()
    end = _day(params, "range_to") or today
    start = _day(params, "range_from") or end - timedelta(days=days)
    return start, end


def _deliveries(
    state: EmulatorState, window: tuple[date, date], campaign_id: int | None = None
) -> list[Delivery]:
    start, end = window
    return [
        d
        for d in state.deliveries.values()
        if start <= d.date.date() <= end and campaign_id in (None, d.campaign_id)
    ]


def _campaign_id(state: EmulatorState, params: dict[str, object]) -> Campaign:
    raw = params.get("ID_message")
    if raw is None or to_text(raw) in ("", "0"):
        raise CallError("Missing ID_message")
    campaign_id = to_int(raw)
    campaign = state.campaigns.get(campaign_id) if campaign_id is not None else None
    if campaign is None:
        raise CallError("Invalid ID_message")
    return campaign


def _utm(state: EmulatorState, delivery: Delivery) -> str:
    campaign = state.campaigns.get(delivery.campaign_id)
    name = re.sub(r"[^A-Za-z0-9]+", "-", campaign.name if campaign else "").strip("-")
    return f"{name}-{delivery.date:%Y%m%d}"


def _reactions_of(state: EmulatorState, messages: Iterable[SentMessage]) -> list[Reaction]:
    ids = {m.id for m in messages}
    return [r for r in state.reactions if r.send_message_id in ids]


# ---------------------------------------------------------------------------
# overview and campaign
# ---------------------------------------------------------------------------


@handler("mailkit.report")
def report(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """One row per campaign with deliveries in the range (default: the last month)."""
    deliveries = _deliveries(state, _window(state, params, _OVERVIEW_DAYS))
    rows: list[dict[str, object]] = []
    for campaign in state.campaigns.values():
        own = [d for d in deliveries if d.campaign_id == campaign.id]
        if not own:
            continue
        totals = _totals(state, [m for d in own for m in state.messages_of(d.id)])
        rows.append(
            {
                "SEND_COUNT": NumericText(totals.sent),
                "ID_MESSAGE": NumericText(campaign.id),
                "NAME": campaign.name,
                "DELIVERED_COUNT": NumericText(totals.delivered),
                "READ_COUNT": NumericText(totals.reads),
                "READ_COUNT_U": NumericText(totals.readers),
                "CLICK_COUNT": NumericText(totals.clicks),
                "CLICK_COUNT_U": NumericText(totals.clickers),
                "CLICK_RATE": _decimal(_percent(totals.clickers, totals.delivered), wire),
            }
        )
    return rows_answer(rows)


@handler("mailkit.report.campaign")
def report_campaign(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """One row per delivery of a campaign in the range (default: the last three months)."""
    campaign = _campaign_id(state, params)
    window = _window(state, params, _CAMPAIGN_DAYS)
    rows: list[dict[str, object]] = []
    for delivery in _deliveries(state, window, campaign.id):
        totals = _totals(state, state.messages_of(delivery.id))
        rows.append(
            {
                "SEND_COUNT": NumericText(totals.sent),
                "SUBJECT": delivery.subject,
                "DATE": mailkit_date(delivery.date),
                "READ_COUNT": NumericText(totals.reads),
                "ID_SEND": NumericText(delivery.id),
                "SPAM_REPORT": NumericText(totals.spam),
                "CLICK_COUNT": NumericText(totals.clicks),
                "CONVERSION_COUNT_U": NumericText(0),
                "READ_COUNT_U": NumericText(totals.readers),
                "FORWARD_COUNT": NumericText(0),
                "UNSUBSCRIBE": NumericText(totals.unsubscribes),
                "CLICK_RATE": _decimal(_percent(totals.clickers, totals.delivered), wire),
                "PRINT_COUNT": NumericText(0),
                "FROM": campaign.sender_email,
                "CONVERSION_COUNT": NumericText(0),
                "REV": _decimal(0.0, wire),
                "CLICK_RATE2": _decimal(_percent(totals.clickers, totals.readers), wire),
                "DELIVERED_COUNT": NumericText(totals.delivered),
                "CLICK_COUNT_U": NumericText(totals.clickers),
                "DATE2": delivery.date.strftime("%Y-%m-%d"),
            }
        )
    return rows_answer(rows)


# ---------------------------------------------------------------------------
# one delivery
# ---------------------------------------------------------------------------


@handler("mailkit.report.message")
def report_message(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Totals of one delivery: ONE struct, not a list.

    As in Mailkit's examples, JSON quotes every number (``REV`` ``"0.00"``) while
    XML-RPC sends ``<i4>``, ``<double>`` and an empty ``FAILED_COUNT`` when nothing failed.
    """
    send_id = _delivery_id(state, params)
    delivery = state.deliveries[send_id]
    totals = _totals(state, state.messages_of(send_id))
    counts = {
        "SEND_COUNT": totals.sent,
        "FAILED_COUNT": totals.failed,
        "READ_COUNT": totals.reads,
        "CLICK_COUNT": totals.clicks,
        "MINIPAGE_CLICK_COUNT": 0,
        "CONVERSION_COUNT_U": 0,
        "CONVERSION_COUNT": 0,
        "DELIVERED_COUNT": totals.delivered,
        "READ_COUNT_U": totals.readers,
        "CLICK_COUNT_U": totals.clickers,
    }
    text = {
        "SUBJECT": delivery.subject,
        "SEND_DATE": mailkit_date(delivery.date),
        "UTM": _utm(state, delivery),
    }
    json_tree = {**{k: str(v) for k, v in counts.items()}, **text, "REV": "0.00"}
    xml_tree: dict[str, object] = {**counts, **text, "REV": 0.0}
    if not totals.failed:
        xml_tree["FAILED_COUNT"] = ""
    return Answer.per_wire(json={**json_tree, "error_status": 0}, xml=xml_tree)


def _buckets(start: datetime, period: str) -> tuple[list[datetime], timedelta, str]:
    step, count = _PERIODS.get(period, _MONTH)
    if step == timedelta(hours=1):
        first = start.replace(minute=0, second=0, microsecond=0)
        return [first + step * i for i in range(count)], step, "%Y-%m-%d %H:00"
    first = start.replace(hour=0, minute=0, second=0, microsecond=0)
    return [first + step * i for i in range(count)], step, "%Y-%m-%d"


@handler("mailkit.report.message.feedback")
def report_message_feedback(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Reactions bucketed by hour (``period`` DAY, the default) or by day (WEEK, MONTH).

    As in Mailkit's JSON example, READ/OPEN/OPEN_P are numeric text and the other
    counters numbers. READ counts opens, OPEN the messages opened, VISIT the messages
    clicked; the ``_P`` variants are percentages of delivered messages (Mailkit's own
    definitions are not readable).
    """
    send_id = _delivery_id(state, params)
    period = to_text(params.get("period")).upper() or "DAY"
    if period not in ("DAY", "WEEK", "MONTH"):
        raise CallError("Invalid period")
    messages = state.messages_of(send_id)
    delivered = _totals(state, messages).delivered
    reactions = _reactions_of(state, messages)
    starts, step, label = _buckets(state.deliveries[send_id].date, period)
    rows: list[dict[str, object]] = []
    for start in starts:
        inside = [r for r in reactions if start <= r.date < start + step]
        opened = {r.send_message_id for r in inside if r.kind == "open"}
        clicked = {r.send_message_id for r in inside if r.kind == "click"}
        kinds = Counter(r.kind for r in inside)
        rows.append(
            {
                "DATE": start.strftime(label),
                "READ": NumericText(kinds["open"]),
                "OPEN": NumericText(len(opened)),
                "OPEN_P": NumericText(int(_percent(len(opened), delivered))),
                "CLICK": kinds["click"],
                "VISIT": len(clicked),
                "VISIT_P": int(_percent(len(clicked), delivered)),
                "UNSUBSCRIBE": kinds["unsubscribe"],
                "SPAM_REPORT": kinds["spam"],
            }
        )
    return rows_answer(rows)


@handler("mailkit.report.message.links")
def report_message_links(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Clicked links of one delivery (per link and A/B version), numbers as real numbers."""
    send_id = _delivery_id(state, params)
    messages = {m.id: m for m in state.messages_of(send_id)}
    groups: dict[tuple[int, str], list[Reaction]] = {}
    for reaction in _reactions_of(state, messages.values()):
        if reaction.kind == "click":
            version = messages[reaction.send_message_id].ab_version
            groups.setdefault((reaction.url_id, version), []).append(reaction)
    rows: list[dict[str, object]] = []
    for (url_id, version), clicks in groups.items():
        first = clicks[0]
        title = first.title or first.url
        rows.append(
            {
                "TITLE": title,
                "TITLE_SHORT": title[:16],
                "ANCHOR": first.anchor,
                "URL": first.url,
                "ID_URL": url_id,
                "AB_VERSION": version,
                "CLICK": len(clicks),
                "VISIT": len({c.send_message_id for c in clicks}),
                "CONVERSION": 0,
            }
        )
    return rows_answer(rows)


@handler("mailkit.report.message.links.visitors")
def report_message_links_visitors(
    state: EmulatorState, params: dict[str, object], wire: str
) -> Answer:
    """Who clicked one link of a delivery; ``DATA`` holds the latest click's access data."""
    send_id = _delivery_id(state, params)
    raw = params.get("ID_url")
    if raw is None or to_text(raw) in ("", "0"):
        raise CallError("Missing ID_url")
    url_id = to_int(raw)
    if url_id is None or url_id not in state.link_ids.values():
        raise CallError("Invalid ID_url")
    by_message: dict[int, list[Reaction]] = {}
    for reaction in _reactions_of(state, state.messages_of(send_id)):
        if reaction.kind == "click" and reaction.url_id == url_id:
            by_message.setdefault(reaction.send_message_id, []).append(reaction)
    rows: list[dict[str, object]] = []
    for message_id, clicks in by_message.items():
        message = state.messages[message_id]
        last = clicks[-1]
        access = {name.upper(): last.details.get(name, "") for name in _ACCESS_KEYS}
        access.update(
            IP=last.ip,
            IP_ORIG=last.ip,
            USER_AGENT=last.user_agent,
            REFERER=last.referer,
            DATETIME=mailkit_date(last.date),
        )
        rows.append(
            {
                "ID_EMAIL": NumericText(message.email_id),
                "EMAIL": message.email,
                "COUNT": NumericText(len(clicks)),
                "DATA": access,
            }
        )
    return rows_answer(rows)


@handler("mailkit.report.message.bounces")
def report_message_bounces(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Bounced messages of one delivery with the SMTP status and the address's state."""
    send_id = _delivery_id(state, params)
    rows: list[dict[str, object]] = []
    for bounce in state.bounces:
        message = state.messages[bounce.send_message_id]
        if message.send_id != send_id:
            continue
        record = state.recipients.get(message.email_id)
        rows.append(
            {
                "EMAIL": message.email,
                "ID_EMAIL": NumericText(message.email_id),
                "ID_USER_LIST": NumericText(record.list_id) if record is not None else "",
                "ID_SEND_MESSAGE": NumericText(message.id),
                "DATE": mailkit_date(bounce.date),
                "STATUS": bounce.status,
                "EMAIL_STATUS": record.status if record is not None else "",
            }
        )
    return rows_answer(rows)
