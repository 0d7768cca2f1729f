"""Emulator handlers for campaign delivery: sendmail_mass and its results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ._handlers_base import Answer, CallError, handler, to_flag, to_int, to_text
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
        ab_version = "AB"[len(state.messages_of(delivery.id)) % 2]
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
