"""Emulator handlers for mailing list and e-mail record management."""

from __future__ import annotations

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
from ._state import EmulatorState, is_valid_email

__all__: list[str] = []

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
