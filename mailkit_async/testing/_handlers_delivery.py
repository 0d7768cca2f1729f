"""Emulator handlers for campaign delivery: sendmail, sendmail_mass and its results, sendsms."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

from ._handlers_base import Answer, CallError, b64_text, handler, to_flag, to_int, to_text
from ._state import (
    Campaign,
    Delivery,
    EmulatorState,
    MassOutcome,
    MassRequest,
    Recipient,
    is_valid_email,
    mailkit_date,
)

__all__: list[str] = []

# Documented ERROR_CODEs of mailkit.sendmail_mass.results.
ATTACHMENT: Final = 1
INVALID_EMAIL: Final = 2
MISSING_EMAIL: Final = 3
INVALID_LIST: Final = 4
INVALID_CAMPAIGN: Final = 5
UNSUBSCRIBED: Final = 6
NO_SENDER: Final = 7

_NAME_FIELDS: Final = frozenset({"first_name", "last_name", "vocative", "prefix", "company"})


class _Refused(Exception):
    """One recipient's documented failure (code and INFO text)."""

    def __init__(self, code: int, info: str, record: Recipient | None = None) -> None:
        super().__init__(info)
        self.code = code
        self.info = info
        self.record = record


def _check_campaign(campaign: Campaign | None) -> Campaign:
    if campaign is None:
        raise _Refused(INVALID_CAMPAIGN, "invalid campaign_id")
    if not campaign.sender_email:
        raise _Refused(NO_SENDER, "campaign is missing sender address")
    return campaign


def _as_dict(value: object) -> dict[str, object]:
    return {str(k): v for k, v in value.items()} if isinstance(value, Mapping) else {}


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return list(value)
    return [value] if value else []


def _apply_customs(record: Recipient, customs: object) -> None:
    # "Provided data will update the recipient's record"; the example sends plain text.
    if not isinstance(customs, Mapping):
        return
    for key, value in customs.items():
        target = record.personal if key in _NAME_FIELDS else record.custom
        target[str(key)] = to_text(value)


def _check_attachments(campaign: Campaign, attachments: object) -> None:
    items = _as_list(attachments)
    if not items:
        return
    if campaign.campaign_type != "transactional":
        # Documented: attachments only go with transactional campaigns, else not sent.
        raise _Refused(ATTACHMENT, "attachment is allowed for transactional campaigns only")
    for item in items:
        if not isinstance(item, Mapping) or not (item.get("url") or item.get("data")):
            raise _Refused(ATTACHMENT, "unable to attach file attachment")


def _accept(
    state: EmulatorState, campaign: Campaign | None, recipient: object
) -> tuple[Campaign, Recipient]:
    """The campaign and list record one recipient is sent with, or ``_Refused``."""
    campaign = _check_campaign(campaign)
    fields = recipient if isinstance(recipient, Mapping) else {}
    email = to_text(fields.get("send_to"))
    if not email:
        raise _Refused(MISSING_EMAIL, "missing email")
    if not is_valid_email(email):
        raise _Refused(INVALID_EMAIL, "invalid email syntax")
    raw_list = fields.get("mailinglist_id")
    if raw_list is None or to_text(raw_list) in ("", "0"):
        raise _Refused(INVALID_LIST, "missing mailinglist_id")
    list_id = to_int(raw_list)
    if list_id is None or list_id not in state.mailing_lists:
        raise _Refused(INVALID_LIST, "invalid mailinglist_id")
    record = state.find_recipient(list_id, email)
    if record is None:
        # An absent create_email is read as FALSE, the strict reading, so a client that
        # forgets the flag finds out in tests. With FALSE and no record nothing is sent;
        # no documented code fits exactly: 3 ("recipient email missing") is the closest.
        if not to_flag(fields.get("create_email")):
            raise _Refused(MISSING_EMAIL, "email is not in the mailing list (create_email FALSE)")
        record = state.add_recipient(list_id, email)
    _apply_customs(record, fields.get("customs"))
    if record.status == "unsubscribe" or state.is_unsubscribed(email, list_id):
        raise _Refused(UNSUBSCRIBED, "unsubscribed email", record)
    if record.status == "permanent":
        raise _Refused(INVALID_EMAIL, "invalid email status permanent", record)
    _check_attachments(campaign, fields.get("attachment"))
    return campaign, record


def _send_one(
    state: EmulatorState,
    request: MassRequest,
    delivery: Delivery | None,
    campaign: Campaign | None,
    recipient: object,
) -> None:
    fields = recipient if isinstance(recipient, Mapping) else {}
    email = to_text(fields.get("send_to"))
    moment = state.now()
    try:
        campaign, record = _accept(state, campaign, recipient)
    except _Refused as refused:
        # IDs are 0 where no record exists ("may return a value of 0"), else filled in.
        outcome = MassOutcome(email, refused.code, refused.info, moment)
        outcome.send_id = delivery.id if delivery is not None else 0
        if refused.record is not None and delivery is not None:
            # The address has a record, so Mailkit creates the message, as failed.
            message = state.add_message(delivery, refused.record, status="failed")
            outcome.email_id = refused.record.id
            outcome.send_message_id = message.id
        request.outcomes.append(outcome)
        return
    assert delivery is not None  # a valid campaign with a sender always has a delivery
    ab_version = ""
    if campaign.use_ab:
        ab_version = "AB"[len(request.outcomes) % 2]  # alternate within the call
    message = state.add_message(
        delivery,
        record,
        subject=to_text(fields.get("subject")) or campaign.subject,
        ab_version=ab_version,
        message_data=to_text(fields.get("message_data")),
        customs=_as_dict(fields.get("customs")),
        content=_as_dict(fields.get("content")),
        attachments=_as_list(fields.get("attachment")),
    )
    request.outcomes.append(MassOutcome(email, 0, "", moment, record.id, delivery.id, message.id))


@handler("mailkit.sendmail_mass")
def sendmail_mass(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Accept a mass send; per-recipient failures show later in ``sendmail_mass.results``.

    Inferred, not documented: an empty or missing recipient array answers
    "Missing recipients"; recipients naming different campaigns answer
    "Only one campaign_id is allowed in one request".
    """
    recipients = params.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise CallError("Missing recipients")
    campaign_ids = {to_int(r.get("campaign_id")) for r in recipients if isinstance(r, Mapping)}
    if len(campaign_ids) > 1:
        raise CallError("Only one campaign_id is allowed in one request")
    campaign_id = next(iter(campaign_ids), None)
    campaign = state.campaigns.get(campaign_id) if campaign_id is not None else None
    options = params.get("options")
    merge_today = (
        isinstance(options, Mapping) and to_text(options.get("id_send")).lower() == "today"
    )
    delivery = None
    if campaign is not None and campaign.sender_email:
        delivery = state.new_delivery(campaign, merge_today=merge_today)
    request = state.new_mass_request(delivery.id if delivery else 0, campaign_id)
    for recipient in recipients:
        _send_one(state, request, delivery, campaign, recipient)
    sent_to = [to_text(r.get("send_to")) if isinstance(r, Mapping) else "" for r in recipients]
    return Answer.per_wire(
        json={"list": sent_to, "data": "OK", "request_id": str(request.id), "error_status": 0},
        # The XML example omits request_id, but without it results cannot be asked for.
        xml={"data": "OK", "list": sent_to, "request_id": request.id},
    )


@handler("mailkit.sendmail_mass.results")
def sendmail_mass_results(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Failures of one mass request: "OK" while processing or when none, else "ERROR" rows.

    ``ID_send`` 0 or absent means any delivery; a different non-zero one answers
    "Invalid ID_send" (inferred).
    """
    raw = params.get("request_id")
    if raw is None or to_text(raw) == "":
        raise CallError("Missing request_id")
    request_id = to_int(raw)
    request = state.mass_requests.get(request_id) if request_id is not None else None
    if request is None:
        raise CallError("Invalid request_id")
    send_id = to_int(params.get("ID_send"))
    if send_id and send_id != request.send_id:
        raise CallError("Invalid ID_send")
    failures = request.failures
    if not failures or not state.results_ready(request):
        # Documented quirk: OK is also the answer while the request is still processing.
        return Answer.per_wire(json={"error_status": 0, "status": "OK"}, xml={"status": "OK"})
    rows = [
        {
            "DATE": mailkit_date(o.date),
            "INFO": o.info,
            "ID_EMAIL": o.email_id,
            "ERROR_CODE": o.error_code,
            "ID_SEND": o.send_id,
            "EMAIL": o.email,
            "ID_SEND_MESSAGE": o.send_message_id,
        }
        for o in failures
    ]
    return Answer.per_wire(
        json={"results": rows, "error_status": 1, "status": "ERROR"},
        xml={"status": "ERROR", "results": rows},
    )


# ---------------------------------------------------------------------------
# mailkit.sendmail and mailkit.sendsms: one message, one recipient
# ---------------------------------------------------------------------------

# sendmail/adduser status codes (official PHP client names in brackets)
_UPDATED: Final = 0  # [UPDATE]
_INSERTED: Final = 1  # [INSERT]
_INSERTED_UNSUBSCRIBED: Final = 2  # [INSERT_UNSUBSCRIBE]
_UPDATED_UNSUBSCRIBED: Final = 3  # [UPDATE_UNSUBSCRIBE]
_UPDATED_NOT_SENT: Final = 6  # [UPDATE_NOT_SENT]
_INSERTED_NOT_SENT: Final = 7  # [INSERT_NOT_SENT]

_MOBILE: Final = re.compile(r"\+?[0-9]{6,15}")
_SMS_PERSONAL: Final = frozenset(
    {"first_name", "last_name", "vocative", "prefix", "reply_to", "company", "status"}
)


def _list_and_campaign(
    state: EmulatorState, list_value: object, campaign_value: object
) -> tuple[int, Campaign]:
    """The mailing list and campaign of a single send, checked in Mailkit's order."""
    if list_value is None or to_text(list_value) in ("", "0"):
        raise CallError("Missing ID_mailing_list")
    list_id = to_int(list_value)
    if list_id is None or list_id not in state.mailing_lists:
        raise CallError("Invalid ID_mailing_list")
    if campaign_value is None or to_text(campaign_value) in ("", "0"):
        raise CallError("Missing ID_message")
    campaign_id = to_int(campaign_value)
    campaign = state.campaigns.get(campaign_id) if campaign_id is not None else None
    if campaign is None:
        raise CallError("Invalid ID_message")
    return list_id, campaign


def _decoded(branch: object, where: str) -> dict[str, str]:
    """A struct of base64 values, decoded; ``CallError`` names the first bad one."""
    fields = _as_dict(branch)
    return {k: b64_text(v, f"{where}.{k}") for k, v in fields.items()}


def _send_answer(record_id: int, send_id: int, message_id: int, code: int) -> Answer:
    """A single send's answer: numeric text in JSON, ``<i4>`` in XML-RPC (PHP client fixtures)."""
    values = {"data": record_id, "data2": send_id, "data3": message_id, "status": code}
    return Answer.per_wire(
        json={**{k: str(v) for k, v in values.items()}, "error_status": 0}, xml=values
    )


def _outcome(
    state: EmulatorState, record: Recipient, inserted: bool, list_id: int
) -> tuple[int, bool]:
    """The status code for a single send to ``record``, and whether the message goes out."""
    if record.status == "unsubscribe" or state.is_unsubscribed(record.email, list_id):
        return (_INSERTED_UNSUBSCRIBED if inserted else _UPDATED_UNSUBSCRIBED), False
    if record.status == "permanent":
        return (_INSERTED_NOT_SENT if inserted else _UPDATED_NOT_SENT), False
    return (_INSERTED if inserted else _UPDATED), True


@handler("mailkit.sendmail")
def sendmail(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Send one campaign message: insert or update the recipient, file a message.

    Checks run in the order of the official PHP client's error list: mailing list,
    campaign, ``send_to``, sender address, attachment; then every base64 value.
    Messages of one campaign and day share one delivery (inferred: Mailkit groups
    transactional sends). Unsubscribed and permanently failing addresses are updated
    but not sent to (status 2/3 and 6/7, ``data2``/``data3`` 0).
    """
    list_id, campaign = _list_and_campaign(
        state, params.get("mailinglist_id"), params.get("campaign_id")
    )
    main = _as_dict(params.get("main"))
    send_to = to_text(main.get("send_to"))
    if not send_to:
        raise CallError("Missing send_to")
    if not is_valid_email(send_to):
        raise CallError("Bad email syntax")
    if not campaign.sender_email:
        raise CallError("Missing sender address")
    attachments = _as_list(params.get("attachment"))
    if attachments and campaign.campaign_type != "transactional":
        raise CallError("Attachment is not allowed")
    personal = _decoded(params.get("recipient"), "recipient")
    address = _decoded(params.get("contact"), "contact")
    custom = _decoded(params.get("custom"), "custom")
    content = _decoded(main.get("content"), "main.content")
    body = b64_text(main["message_data"], "main.message_data") if "message_data" in main else ""

    record = state.find_recipient(list_id, send_to)
    inserted = record is None
    record = state.add_recipient(list_id, send_to) if record is None else record
    record.personal.update(personal)
    record.address.update(address)
    record.custom.update(custom)
    code, goes_out = _outcome(state, record, inserted, list_id)
    if not goes_out:
        return _send_answer(record.id, 0, 0, code)
    delivery = state.new_delivery(campaign, merge_today=True)
    message = state.add_message(
        delivery,
        record,
        subject=to_text(main.get("subject")) or campaign.subject,
        message_data=body,
        customs=dict(custom),
        content=dict(content),
        attachments=attachments,
    )
    return _send_answer(record.id, delivery.id, message.id, code)


def _sms_address(email: str, mobile: str) -> str:
    # Records are keyed by address; a number without one gets a reserved .invalid address.
    return email or f"{mobile.lstrip('+')}@sms.invalid"


@handler("mailkit.sendsms")
def sendsms(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Send one SMS: insert or update the recipient (plain-text fields), file a message.

    Mailkit documents neither this answer nor this function's errors; the emulator
    answers as ``sendmail`` does and uses sendmail's texts ("Missing ID_message",
    "Invalid ID_mailing_list", ...) plus "Missing mobile" / "Invalid mobile". A
    recipient without an e-mail address is filed as ``<digits>@sms.invalid``.
    """
    campaign_fields = _as_dict(params.get("campaign"))
    list_id, campaign = _list_and_campaign(
        state, campaign_fields.get("ID_user_list"), campaign_fields.get("ID_message")
    )
    fields = _as_dict(params.get("recipient"))
    mobile = to_text(fields.get("mobile"))
    if not mobile:
        raise CallError("Missing mobile")
    if not _MOBILE.fullmatch(mobile):
        raise CallError("Invalid mobile")
    email = to_text(fields.get("email"))
    if email and not is_valid_email(email):
        raise CallError("Bad email syntax")
    sms = _as_dict(params.get("content"))
    text = b64_text(sms["sms_data"], "content.sms_data") if "sms_data" in sms else ""
    variables = _decoded(sms.get("content"), "content.content")

    address = _sms_address(email, mobile)
    record = state.find_recipient(list_id, address)
    inserted = record is None
    record = state.add_recipient(list_id, address) if record is None else record
    for key, value in fields.items():
        if key == "email":
            continue
        if key in _SMS_PERSONAL:
            record.personal[key] = to_text(value)
        elif key.startswith("custom"):
            record.custom[key] = to_text(value)
        else:
            record.address[key] = to_text(value)
    code, goes_out = _outcome(state, record, inserted, list_id)
    if not goes_out:
        return _send_answer(record.id, 0, 0, code)
    delivery = state.new_delivery(campaign, merge_today=True)
    message = state.add_message(
        delivery,
        record,
        channel="sms",
        message_data=text or campaign.body,
        content=dict(variables),
        customs={
            "use_utf": to_flag(campaign_fields.get("use_utf")),
            "allow_split": to_flag(campaign_fields.get("allow_split")),
            "source": to_text(campaign_fields.get("source")),
        },
    )
    return _send_answer(record.id, delivery.id, message.id, code)
