"""Emulator handlers for one recipient's records: ``mailkit.email.*``.

A recipient is named by record ID or by address. XML-RPC carries either in the
``ID_email`` slot; JSON has separate ``email`` and ``ID_email`` keys (the unused one
may be null). A numeric ``ID_email`` wins, as Mailkit documents for the history.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from ._handlers_base import Answer, CallError, NumericText, handler, to_flag, to_int, to_text
from ._handlers_lists import profile_row
from ._state import EmulatorState, Recipient, is_valid_email, mailkit_date

__all__: list[str] = []

_NOT_FOUND: Final = "Invalid ID_email or email"
_HISTORY_DAYS: Final = 365
_OPT_OUT_DAYS: Final = range(14, 91)


def _target(params: dict[str, object]) -> int | str | None:
    """The record ID or address a call names, or None."""
    ident = params.get("ID_email")
    number = to_int(ident)
    if number:
        return number
    if number is None and to_text(ident):
        return to_text(ident)  # an address in the XML-RPC slot
    return to_text(params.get("email")) or None


def _records(state: EmulatorState, target: int | str) -> list[Recipient]:
    if isinstance(target, int):
        record = state.recipients.get(target)
        return [record] if record is not None else []
    return state.recipients_by_email(target)


def _address(state: EmulatorState, target: int | str) -> str:
    """The address a target names; ``Invalid ID_email or email`` for an unknown ID."""
    if isinstance(target, str):
        return target
    record = state.recipients.get(target)
    if record is None:
        raise CallError(_NOT_FOUND)
    return record.email


def _known(state: EmulatorState, params: dict[str, object]) -> tuple[int | str, list[Recipient]]:
    """The target and its records; ``Missing ID_email`` / ``Invalid ...`` otherwise."""
    target = _target(params)
    if target is None:
        raise CallError("Missing ID_email")
    records = _records(state, target)
    if not records:
        raise CallError(_NOT_FOUND)
    return target, records


@handler("mailkit.email.getstatus")
def email_getstatus(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The records of an ID, an address or a delivered message; empty error when none."""
    target = _target(params)
    message_id = to_int(params.get("ID_send_message"))
    if target is None and not message_id:
        raise CallError("Missing ID email")
    if target is not None:
        records = _records(state, target)
    else:
        message = state.messages.get(message_id or 0)
        found = state.recipients.get(message.email_id) if message is not None else None
        records = [found] if found is not None else []
    if not records:
        raise CallError("")  # Mailkit's "not found" has no text
    return Answer.value(
        [
            {
                "ID_EMAIL": NumericText(r.id),
                "ID_MAILING_LIST": r.list_id,
                "EMAIL": r.email,
                "STATUS": r.status,
                "DATE": mailkit_date(r.created),
                "CHANGE_DATE": mailkit_date(r.updated),
                **profile_row(r),
            }
            for r in records
        ]
    )


@handler("mailkit.email.getstatus.history")
def email_getstatus_history(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The last year's messages of a record (its list only) or of an address (all lists)."""
    target = _target(params)
    if target is None:
        raise CallError("Missing ID_email")
    if isinstance(target, int) and target not in state.recipients:
        raise CallError(_NOT_FOUND)
    since = state.now() - timedelta(days=_HISTORY_DAYS)
    key = str(target).lower()
    rows: list[dict[str, object]] = []
    for message in state.messages.values():
        if message.date is not None and message.date < since:
            continue
        if message.email_id != target and message.email.lower() != key:
            continue
        delivery = state.deliveries.get(message.send_id)
        campaign = state.campaigns.get(delivery.campaign_id) if delivery is not None else None
        record = state.recipients.get(message.email_id)
        clicks = [
            {
                "URL": r.url,
                "COUNTRY": r.details.get("country", ""),
                "REGION_CODE": r.details.get("region_code", ""),
                "CITY": r.details.get("city", ""),
                "DATE": mailkit_date(r.date),
            }
            for r in state.reactions
            if r.send_message_id == message.id and r.kind == "click"
        ]
        rows.append(
            {
                "ID_SEND_MESSAGE": NumericText(message.id),
                "ID_SEND": NumericText(message.send_id),
                "ID_MESSAGE": NumericText(campaign.id if campaign is not None else 0),
                "MESSAGE_NAME": campaign.name if campaign is not None else "",
                "SUBJECT": message.subject,
                "TYPE_MESSAGE": message.channel,
                "DATE_SEND": mailkit_date(message.date),
                "EMAIL_FROM": campaign.sender_email if campaign is not None else "",
                "NAME_FROM": campaign.sender_name if campaign is not None else "",
                "ID_EMAIL": NumericText(message.email_id),
                "ID_USER_LIST": NumericText(record.list_id if record is not None else 0),
                "READ_COUNT": NumericText(message.read_count),
                "CLICK_COUNT": NumericText(message.click_count),
                "PREVIEW": f"https://u.mailkit.eu/preview/{message.id}",
                "RESPONSE_DATA": clicks,
            }
        )
    return Answer.value(rows)


@handler("mailkit.email.move")
def email_move(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Move a record to another list under a new ID; XML-RPC answers only 1 or 0."""
    record = state.recipients.get(to_int(params.get("ID_email")) or 0)
    list_id = to_int(params.get("ID_user_list"))
    if record is None or list_id not in state.mailing_lists:
        text = _NOT_FOUND if record is None else "Invalid ID_user_list"
        return Answer.per_wire(json={"error_status": 1, "error": text}, xml=0)
    source_list = record.list_id
    if list_id == source_list:
        moved = record
    else:
        moved = state.add_recipient(
            list_id,
            record.email,
            status=record.status,
            personal=record.personal,
            address=record.address,
            custom=record.custom,
        )
        moved.score, moved.trend = record.score, record.trend
        state.remove_recipient(record.id)
    return Answer.per_wire(
        json={
            "ID_user_list_source": NumericText(source_list),
            "ID_user_list": NumericText(list_id),
            "email": moved.email,
            "ID_email": NumericText(moved.id),
            "ID_email_source": record.id,
            "move_response": moved.id,
            "error_status": "0",
        },
        xml=1,
    )


@handler("mailkit.email.delete")
def email_delete(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Delete one record (XML-RPC: its ``<i4>`` ID) or an address's records ("id,id")."""
    target = _target(params)
    if target is None:
        raise CallError("Missing ID_email")
    records = _records(state, target)
    if not records:
        # The same failure is worded differently on each wire.
        return Answer.per_wire(
            json={"error_status": 1, "error": _NOT_FOUND}, xml="Invalid ID_email"
        )
    for record in records:
        state.remove_recipient(record.id)
    ids = ",".join(str(r.id) for r in records)
    return Answer.per_wire(
        json={"error": "OK", "error_status": 0, "emails": ids},
        xml=records[0].id if isinstance(target, int) else ids,
    )


@handler("mailkit.email.unsubscribe")
def email_unsubscribe(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Unsubscribe an address everywhere, for good or for ``timeout_days``."""
    _, records = _known(state, params)
    temporary = to_flag(params.get("timeout"))
    days = to_int(params.get("timeout_days"))
    if temporary and (days is None or days not in _OPT_OUT_DAYS):
        raise CallError("Invalid timeout_days")
    entry = state.unsubscribe(records[0].email, None, reason="api")
    entry.notified = to_flag(params.get("send_optout"), default=True)
    if temporary and days is not None:
        entry.until = entry.date + timedelta(days=days)
    return Answer.per_wire(
        json={"error_status": "0", "ID_email": NumericText(records[0].id), "status": "1"},
        xml=records[0].id,
    )


@handler("mailkit.email.unsubscribe.getstatus")
def email_unsubscribe_getstatus(
    state: EmulatorState, params: dict[str, object], wire: str
) -> Answer:
    """``"TRUE"``/``"FALSE"`` on XML-RPC; JSON adds the topics left and the timeout date."""
    target = _target(params)
    if target is None:
        raise CallError("Missing ID_email")
    address = _address(state, target)
    unsubscribed = state.is_unsubscribed(address)
    records = state.recipients_by_email(address)
    moment = state.now()
    ends = [
        u.until
        for u in state.unsubscribes
        if u.email.lower() == address.lower() and u.until is not None and u.until > moment
    ]
    topics = sorted(state.topic_optouts.get(address.lower(), ()))
    flag = "TRUE" if unsubscribed else "FALSE"
    return Answer.per_wire(
        json={
            "email": address,
            "ID_email": NumericText(records[0].id) if records else "",
            "unsubscribe": flag,
            "topics": topics or None,
            "timeout": {"date": max(ends).strftime("%Y-%m-%d") if ends else "0000-00-00"},
            "error_status": "0",
        },
        xml=flag,
    )


@handler("mailkit.email.revalidate")
def email_revalidate(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Re-subscribe at once (agreement) or mail a confirmation; refuse the subscribed."""
    target = _target(params)
    if target is None:
        raise CallError("Missing ID_email")
    address = _address(state, target)
    if not state.is_unsubscribed(address):
        raise CallError(f"{target} is not unsubscribed")
    if to_flag(params.get("agreement")):
        state.resubscribe(address)
        text = "Email has been revalidated"
    else:
        text = "Sent subscribe email"  # stays unsubscribed until the person confirms
    return Answer.per_wire(json={"error_status": 0, "error": text}, xml=text)


@handler("mailkit.email.topics")
def email_topics(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Keep the listed topics (leave the others), all of them, or none when none is listed.

    The answer is not documented; the emulator answers Mailkit's usual "OK".
    """
    email = to_text(params.get("email"))
    if not email:
        raise CallError("Missing email")
    if not is_valid_email(email):
        raise CallError("Bad email syntax")
    raw = params.get("ID_topics")
    wanted = {to_int(t) for t in raw} if isinstance(raw, list) else set()
    if not wanted <= set(state.topics):
        raise CallError("Invalid ID_topics")
    if to_flag(params.get("activate_all")):
        left: set[int] = set()
    else:
        left = set(state.topics) - {t for t in wanted if t is not None}
    if left:
        state.topic_optouts[email.lower()] = left
    else:
        state.topic_optouts.pop(email.lower(), None)
    return Answer.per_wire(json={"error_status": 0, "error": "OK"}, xml="OK")


@handler("mailkit.email.wipe")
def email_wipe(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Queue an erasure (a struct with error "OK" on both wires); a second one conflicts."""
    _, records = _known(state, params)
    address = records[0].email
    if address.lower() in state.wipes:
        raise CallError("Email has already been inserted")
    state.wipes[address.lower()] = state.now()
    return Answer.value(
        {"email": address, "error_status": 0, "ID_email": records[0].id, "error": "OK"}
    )
