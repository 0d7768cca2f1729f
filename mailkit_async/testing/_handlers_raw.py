"""Emulator handlers for the raw exports: ``mailkit.report.raw.*``.

Each export lists rows in ascending ID order, starting AT the cursor argument
(inclusive, as Mailkit does), at most ``limit`` rows (default and cap 25000), and can
be narrowed to one campaign (``ID_message``) or delivery (``ID_send``); 0 or an absent
filter means all. Every JSON value is text; XML-RPC carries the IDs as ``<i4>``.

"No rows" is answered as ``[]`` in JSON and as an empty string in XML-RPC: Mailkit's
pages do not show that case, and the empty string is the spelling its XML-RPC side
uses elsewhere for "nothing" (``campaigns.schedule.list``), so clients must cope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final, TypeVar

from ._handlers_base import Answer, CallError, NumericText, handler, to_int
from ._state import EmulatorState, Recipient, SentMessage, mailkit_date

__all__ = ["rows_answer"]

T = TypeVar("T")

_MAX_LIMIT: Final = 25000
_PERSONAL: Final = ("prefix", "vocative", "first_name", "last_name", "company", "reply_to")
_ADDRESS: Final = (
    "nick_name",
    "gender",
    "street",
    "city",
    "state",
    "country",
    "zip",
    "phone",
    "mobile",
    "fax",
)
_GEO: Final = ("s_continent", "s_country", "s_region", "s_city", "s_org", "s_browser", "s_os")
_ACCESS: Final = (
    "continent",
    "country",
    "code3",
    "code",
    "region",
    "region_code",
    "city",
    "browser",
    "browser_major",
    "browser_minor",
    "browser_type",
    "os",
    "os_version",
    "device",
    "org",
)


def rows_answer(rows: list[dict[str, object]]) -> Answer:
    """A list of report rows; no rows is ``[]`` in JSON and ``""`` in XML-RPC."""
    return Answer.value(rows) if rows else Answer.per_wire(json=[], xml="")


def _filter(state: EmulatorState, params: dict[str, object]) -> Callable[[SentMessage], bool]:
    """Which messages the ``ID_message`` / ``ID_send`` filters keep; unknown IDs are errors."""
    campaign_id = to_int(params.get("ID_message")) or 0
    send_id = to_int(params.get("ID_send")) or 0
    if campaign_id and campaign_id not in state.campaigns:
        raise CallError("Invalid ID_message")
    if send_id and send_id not in state.deliveries:
        raise CallError("Invalid ID_send")

    def keep(message: SentMessage) -> bool:
        if send_id and message.send_id != send_id:
            return False
        return not campaign_id or state.deliveries[message.send_id].campaign_id == campaign_id

    return keep


def _page(
    params: dict[str, object], cursor: str, items: Iterable[T], key: Callable[[T], int]
) -> list[T]:
    """The items from the cursor (inclusive) on, in ID order, at most ``limit`` of them."""
    raw_limit = params.get("limit")
    limit = _MAX_LIMIT if raw_limit in (None, "") else to_int(raw_limit)
    if limit is None or limit < 1:
        raise CallError("Invalid limit")
    start = to_int(params.get(cursor)) or 0
    chosen = sorted((i for i in items if key(i) >= start), key=key)
    return chosen[: min(limit, _MAX_LIMIT)]


def _domain(email: str) -> tuple[str, str]:
    domain = email.rpartition("@")[2].lower()
    return domain, domain.rpartition(".")[2]


def _message_row(state: EmulatorState, message: SentMessage) -> dict[str, object]:
    delivery = state.deliveries[message.send_id]
    record: Recipient | None = state.recipients.get(message.email_id)
    personal = record.personal if record is not None else {}
    address = record.address if record is not None else {}
    custom = record.custom if record is not None else {}
    domain, tld = _domain(message.email)
    row: dict[str, object] = {
        "ID_message": NumericText(delivery.campaign_id),
        "ID_send": NumericText(message.send_id),
        "ID_send_message": NumericText(message.id),
        "ID_user_list": NumericText(record.list_id) if record is not None else "",
        "ID_email": NumericText(message.email_id),
        "ID_template": "",
        "type_message": message.channel,
        "email": message.email,
        "email_date": mailkit_date(record.created if record is not None else None),
        "message_date": mailkit_date(delivery.date),
        "date_sent": mailkit_date(message.date),
        "ab_version": message.ab_version,
        "message_status": message.status,
        "tld": tld,
        "domain": domain,
    }
    for number in range(1, 26):
        row[f"custom_{number}"] = custom.get(f"custom{number}", "")
    for name in _PERSONAL:
        row[name] = personal.get(name, "")
    for name in _ADDRESS:
        row[name] = address.get(name, "")
    first, last = personal.get("first_name", ""), personal.get("last_name", "")
    row["full_name"] = f"{first} {last}".strip()
    for name in _GEO:
        row[name] = ""
    row["preview_url"] = ""
    return row


@handler("mailkit.report.raw.messages")
def report_raw_messages(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """One row per sent message (lower/mixed-case keys), paged by ``ID_send_message``."""
    keep = _filter(state, params)
    messages = _page(
        params, "ID_send_message", (m for m in state.messages.values() if keep(m)), lambda m: m.id
    )
    return rows_answer([_message_row(state, m) for m in messages])


@handler("mailkit.report.raw.bounces")
def report_raw_bounces(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """One row per bounce (UPPER-case keys, ``ID_SEND_MESSGE`` misspelt as Mailkit does)."""
    keep = _filter(state, params)
    bounces = _page(
        params,
        "ID_undelivered_log",
        (b for b in state.bounces if keep(state.messages[b.send_message_id])),
        lambda b: b.id,
    )
    rows: list[dict[str, object]] = []
    for bounce in bounces:
        message = state.messages[bounce.send_message_id]
        delivery = state.deliveries[message.send_id]
        campaign = state.campaigns.get(delivery.campaign_id)
        record = state.recipients.get(message.email_id)
        rows.append(
            {
                "ID_MESSAGE": NumericText(delivery.campaign_id),
                "TEXT_STATUS": bounce.text,
                "STATUS": bounce.status,
                "BOUNCE_CAT": bounce.category,
                "ID_EMAIL": NumericText(message.email_id),
                "ID_SEND": NumericText(message.send_id),
                "EMAIL": message.email,
                "UTM_CAMPAIGN": campaign.name if campaign is not None else "",
                "ID_SEND_MESSGE": NumericText(message.id),
                "CAMPAIGN_NAME": campaign.name if campaign is not None else "",
                "ID_USER_LIST": NumericText(record.list_id) if record is not None else "",
                "SUBJECT": message.subject,
                "REMOTE_MTA": bounce.remote_mta,
                "ID_UNDELIVERED_LOG": NumericText(bounce.id),
            }
        )
    return rows_answer(rows)


@handler("mailkit.report.raw.responses")
def report_raw_responses(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """One row per reaction, paged by ``ID_log``; ``ID_send_message`` narrows to one message.

    The shape is inferred (Mailkit's page is unreadable): the field list of public
    client code, lower/mixed-case keys with ``IP``/``IP_orig`` as they spell them.
    """
    keep = _filter(state, params)
    only = to_int(params.get("ID_send_message")) or 0
    reactions = _page(
        params,
        "ID_log",
        (
            r
            for r in state.reactions
            if keep(state.messages[r.send_message_id]) and only in (0, r.send_message_id)
        ),
        lambda r: r.id,
    )
    rows: list[dict[str, object]] = []
    for reaction in reactions:
        message = state.messages[reaction.send_message_id]
        delivery = state.deliveries[message.send_id]
        record = state.recipients.get(message.email_id)
        domain, tld = _domain(message.email)
        row: dict[str, object] = {
            "date": mailkit_date(reaction.date),
            "email": message.email,
            "ID_email": NumericText(message.email_id),
            "ID_user_list": NumericText(record.list_id) if record is not None else "",
            "ID_message": NumericText(delivery.campaign_id),
            "ID_send": NumericText(message.send_id),
            "ID_send_message": NumericText(message.id),
            "ID_log": NumericText(reaction.id),
            "ab_version": message.ab_version,
            "domain": domain,
            "tld": tld,
            "type": reaction.kind,
            "ID_url": NumericText(reaction.url_id) if reaction.url_id else "",
            "link_type": "link" if reaction.url else "",
            "link_url": reaction.url,
            "link_text": reaction.anchor,
            "link_title": reaction.title,
            "referer": reaction.referer,
            "unsubscribe_answer": "",
            "IP": reaction.ip,
            "IP_orig": reaction.ip,
            "user_agent": reaction.user_agent,
        }
        for name in _ACCESS:
            row[name] = reaction.details.get(name, "")
        rows.append(row)
    return rows_answer(rows)
