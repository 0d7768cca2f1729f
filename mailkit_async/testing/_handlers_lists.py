"""Emulator handlers for mailing list and e-mail record management."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from ._handlers_base import (
    Answer,
    CallError,
    NumericText,
    b64_text,
    handler,
    to_flag,
    to_int,
    to_text,
)
from ._state import EmulatorState, Recipient, is_valid_email, mailkit_date

__all__ = ["ADDRESS_KEYS", "PERSONAL_KEYS", "parse_moment", "profile_row"]

PERSONAL_KEYS: Final = ("first_name", "last_name", "vocative", "prefix", "reply_to", "company")
"""Profile fields kept in ``Recipient.personal`` (adduser's ``personal`` branch)."""
ADDRESS_KEYS: Final = (
    "nick_name",
    "street",
    "city",
    "state",
    "country",
    "zip",
    "phone",
    "mobile",
    "fax",
    "gender",
)
"""Profile fields kept in ``Recipient.address`` (adduser's ``address`` branch)."""
_MAX_GETSTATUS: Final = 10_000
_ENGAGEMENT_DEFAULT: Final = 25_000


def profile_row(record: Recipient) -> dict[str, object]:
    """The upper-case profile keys Mailkit reports for a record (``""`` when unset)."""
    row: dict[str, object] = {k.upper(): record.personal.get(k, "") for k in PERSONAL_KEYS}
    row.update((k.upper(), record.address.get(k, "")) for k in ADDRESS_KEYS)
    row.update((f"CUSTOM_{n}", record.custom.get(f"custom{n}", "")) for n in range(1, 26))
    return row


def parse_moment(value: object, name: str) -> datetime | None:
    """A ``YYYY-MM-DD[ HH:MM:SS]`` argument; None when absent; ``Invalid <name>`` if bad."""
    text = to_text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise CallError(f"Invalid {name}")


def _list_id(state: EmulatorState, params: dict[str, object], *, noun: str) -> int:
    raw = params.get("ID_user_list")
    if raw is None or to_text(raw) == "":
        raise CallError(f"Missing {noun}")
    list_id = to_int(raw)
    if list_id is None or list_id not in state.mailing_lists:
        raise CallError(f"Invalid {noun}")
    return list_id


# adduser status codes (official PHP library names in brackets)
_UPDATED: Final = 0  # [UPDATE]
_INSERTED: Final = 1  # [INSERT]
_INSERTED_UNSUBSCRIBED: Final = 2  # [INSERT_UNSUBSCRIBE]
_UPDATED_UNSUBSCRIBED: Final = 3  # [UPDATE_UNSUBSCRIBE]


@handler("mailkit.mailinglist.list")
def mailinglist_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Every mailing list; ``ID_USER_LIST`` is a JSON number (PHP fixture) and ``<i4>``."""
    return Answer.value(
        [
            {
                "ID_USER_LIST": m.id,
                "NAME": m.name,
                "STATUS": m.status,
                "DESCRIPTION": m.description,
            }
            for m in state.mailing_lists.values()
        ]
    )


@handler("mailkit.mailinglist.create")
def mailinglist_create(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Create a list: ``{"data": "<id>"}`` in JSON (text), ``{data: <i4>}`` in XML-RPC."""
    name = to_text(params.get("name"))
    if not name:
        raise CallError("Missing name of mailing list")
    if state.find_mailing_list(name) is not None:
        raise CallError("Mailing list exist")
    list_id = state.add_mailing_list(name, to_text(params.get("description")))
    return Answer.value({"data": NumericText(list_id)})


def _decode_branch(params: dict[str, object], branch: str) -> dict[str, str]:
    values = params.get(branch)
    if not isinstance(values, dict):
        return {}
    return {str(k): b64_text(v, f"{branch}.{k}") for k, v in values.items()}


@handler("mailkit.mailinglist.adduser")
def mailinglist_adduser(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Insert or update one recipient (base64 fields), or start a double opt-in.

    Checks run in this order (Mailkit's own order is not documented): list ID,
    base64 of every personal/address/custom value, e-mail presence, e-mail syntax.
    """
    raw_list = params.get("ID_user_list")
    if raw_list is None or to_text(raw_list) == "":
        raise CallError("Missing ID_mailing_list")
    list_id = to_int(raw_list)
    if list_id is None or list_id not in state.mailing_lists:
        raise CallError("Invalid ID_mailing_list")
    personal = _decode_branch(params, "personal")
    address = _decode_branch(params, "address")
    custom = _decode_branch(params, "custom")
    email = personal.pop("email", "").strip()
    if not email:
        raise CallError("Missing email")
    if not is_valid_email(email):
        raise CallError("Bad email syntax")
    status = personal.pop("status", "").strip()
    consent = params.get("params")

    record = state.find_recipient(list_id, email)
    inserted = record is None
    if to_flag(params.get("confirm")):
        # Double opt-in: Mailkit mails a confirmation; the record waits unconfirmed.
        if record is None:
            record = state.add_recipient(list_id, email, confirmed=False)
        record.personal.update(personal)
        record.address.update(address)
        record.custom.update(custom)
        return Answer.per_wire(
            json={"error": "Sent subscribe email", "error_status": 0},
            xml="Sent subscribe email",
        )
    if record is None:
        record = state.add_recipient(list_id, email)
    record.personal.update(personal)
    record.address.update(address)
    record.custom.update(custom)
    if isinstance(consent, dict):
        record.consent.update({str(k): to_text(v) for k, v in consent.items()})
    if status:
        state.set_recipient_status(record, status, "adduser")
    unsubscribed = record.status == "unsubscribe" or state.is_unsubscribed(email, list_id)
    if unsubscribed:
        # The record exists (and is updated) but stays unsubscribed: sends to it fail.
        state.set_recipient_status(record, "unsubscribe", "adduser")
    if inserted:
        code = _INSERTED_UNSUBSCRIBED if unsubscribed else _INSERTED
    else:
        code = _UPDATED_UNSUBSCRIBED if unsubscribed else _UPDATED
    return Answer.per_wire(
        json={"ID_email": str(record.id), "status": code, "error_status": 0},
        xml={"data": record.id, "status": code},
    )


@handler("mailkit.mailinglist.delete")
def mailinglist_delete(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Delete a list and its records, or with ``keep_list`` only its records."""
    list_id = _list_id(state, params, noun="ID_user_list")
    for record in state.recipients_of(list_id):
        state.remove_recipient(record.id)
    if not to_flag(params.get("keep_list")):
        del state.mailing_lists[list_id]
    return Answer.per_wire(json={"data": "OK", "error_status": 0}, xml={"data": "OK"})


def _find_record(state: EmulatorState, list_id: int, value: object) -> Recipient | None:
    """A record of list ``list_id`` by ID or, as the PHP library passes, by address."""
    record_id = to_int(value)
    if record_id is not None:
        record = state.recipients.get(record_id)
        return record if record is not None and record.list_id == list_id else None
    return state.find_recipient(list_id, to_text(value))


@handler("mailkit.mailinglist.edituser")
def mailinglist_edituser(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Update a record's base64 profile branches: JSON ``error`` OK, XML-RPC a bare OK."""
    list_id = _list_id(state, params, noun="ID_mailing_list")
    if to_text(params.get("ID_email")) == "":
        raise CallError("Missing ID_email")
    record = _find_record(state, list_id, params.get("ID_email"))
    if record is None:
        raise CallError("Invalid ID_email")
    personal = _decode_branch(params, "personal")
    personal.pop("email", None)
    status = personal.pop("status", "").strip()
    record.personal.update(personal)
    record.address.update(_decode_branch(params, "address"))
    record.custom.update(_decode_branch(params, "custom"))
    record.updated = state.now()
    if status:
        state.set_recipient_status(record, status, "edituser")
    return Answer.per_wire(json={"error_status": 0, "error": "OK", "ID_email": record.id}, xml="OK")


@handler("mailkit.mailinglist.import")
def mailinglist_import(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Insert or update flat, plain-text records; answer the counts as numeric text."""
    list_id = _list_id(state, params, noun="ID_user_list")
    rows = params.get("recipients")
    if not isinstance(rows, list) or not rows:
        raise CallError("Missing recipients")
    new = updated = 0
    invalid: list[str] = []
    for row in rows:
        values = (
            {str(k).lower(): to_text(v) for k, v in row.items()} if isinstance(row, dict) else {}
        )
        email = values.pop("email", "")
        if not is_valid_email(email):
            invalid.append(email)
            continue
        existed = state.find_recipient(list_id, email) is not None
        record = state.add_recipient(
            list_id,
            email,
            personal={k: v for k, v in values.items() if k in PERSONAL_KEYS},
            address={k: v for k, v in values.items() if k in ADDRESS_KEYS},
            custom={k: v for k, v in values.items() if k.startswith("custom")},
        )
        if values.get("status"):
            state.set_recipient_status(record, values["status"], "import")
        updated += existed
        new += not existed
    return Answer.value(
        {
            "count_all": NumericText(len(rows)),
            "count_new": NumericText(new),
            "count_updated": NumericText(updated),
            "count_bad": NumericText(len(invalid)),
            "invalid_emails": invalid,
        }
    )


def _page(
    records: list[Recipient], params: dict[str, object], default: int, cap: int | None = None
) -> list[Recipient]:
    """Keyset page: records from ``ID_email`` on (inclusive), in ID order, ``limit`` of them."""
    start = to_int(params.get("ID_email")) or 0
    limit = to_int(params.get("limit")) or default
    if cap is not None:
        limit = min(limit, cap)
    chosen = sorted((r for r in records if r.id >= start), key=lambda r: r.id)
    return chosen[:limit]


@handler("mailkit.mailinglist.getstatus")
def mailinglist_getstatus(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """A page of a list's records, filtered by status and change date (values as text)."""
    list_id = _list_id(state, params, noun="ID_user_list")
    status = to_text(params.get("status"))
    since = parse_moment(params.get("change_date"), "change_date")
    records = [
        r
        for r in state.recipients_of(list_id)
        if (not status or r.status == status)
        and (since is None or (r.updated is not None and r.updated >= since))
    ]
    return Answer.value(
        [
            {
                "ID_EMAIL": NumericText(r.id),
                "EMAIL": r.email,
                "STATUS": r.status,
                "DATE": mailkit_date(r.created),
                "CHANGE_DATE": mailkit_date(r.updated),
                **profile_row(r),
            }
            for r in _page(records, params, _MAX_GETSTATUS, _MAX_GETSTATUS)
        ]
    )


@handler("mailkit.mailinglist.unsubscribed")
def mailinglist_unsubscribed(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Every unsubscribe since ``range_from``; no group is ``""`` in JSON and ``<i4>0`` in XML."""
    since = parse_moment(params.get("range_from"), "range_from")
    entries = [u for u in state.unsubscribes if since is None or u.date >= since]

    def rows(none: object) -> list[dict[str, object]]:
        return [
            {
                "DATE": mailkit_date(u.date),
                "ID_UNSUBSCRIBE_GROUP": ",".join(u.groups) if u.groups else none,
                "EMAIL": u.email,
            }
            for u in entries
        ]

    return Answer.per_wire(json=rows(""), xml=rows(0))


@handler("mailkit.mailinglist.engagement")
def mailinglist_engagement(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """A page of scores; real JSON numbers here, unlike getstatus."""
    list_id = _list_id(state, params, noun="ID_user_list")
    page = _page(state.recipients_of(list_id), params, _ENGAGEMENT_DEFAULT)
    return Answer.value(
        [{"ID_EMAIL": r.id, "EMAIL": r.email, "SCORE": r.score, "TREND": r.trend} for r in page]
    )
