"""Emulator handlers for campaign management: list, create, update, messages, tests, history.

Scheduling lives in ``_handlers_schedule``, the profile in ``_handlers_profile`` and
the file manager in ``_handlers_files``.
"""

from __future__ import annotations

from collections.abc import Container
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
from ._state import Campaign, Delivery, EmulatorState, SampleSend, is_valid_email, mailkit_date

__all__ = ["campaign_of"]

TEST_INTERVAL: Final = 30.0
"""Seconds between two test messages of one campaign (Mailkit's documented limit)."""
_HISTORY_DEFAULT: Final = 10
_HISTORY_MAX: Final = 50


def campaign_of(state: EmulatorState, params: dict[str, object]) -> Campaign:
    """The campaign named by ``ID_message``; ``CallError`` when missing or unknown."""
    raw = params.get("ID_message")
    if raw is None or to_text(raw) in ("", "0"):
        raise CallError("Missing ID_message")
    campaign_id = to_int(raw)
    campaign = state.campaigns.get(campaign_id) if campaign_id is not None else None
    if campaign is None:
        raise CallError("Invalid ID_message")
    return campaign


def _campaign_row(campaign: Campaign) -> dict[str, object]:
    # Real JSON numbers and booleans here (unlike campaigns.history), and USER_LIST is
    # an array on both wires (the XML example shows a scalar; an array is what a list
    # of lists needs, and clients are told to accept both).
    return {
        "NAME": campaign.name,
        "ID_MESSAGE": campaign.id,
        "SUBJECT": campaign.subject,
        "SUBJECT_B": campaign.subject_b,
        "MSG_TYPE": campaign.msg_type,
        "CAMPAIGN_TYPE": campaign.campaign_type,
        "USE_AB": campaign.use_ab,
        "TEST_MODE": campaign.test_mode,
        "SEND_DATE": mailkit_date(campaign.send_date),
        "TIME_ZONE": campaign.time_zone,
        "LAST_SENT": mailkit_date(campaign.last_sent),
        "REPEAT": campaign.repeat,
        "REPEAT_COUNT": campaign.repeat_count,
        "PERIOD": campaign.period,
        "DAYS": campaign.days,
        "STATUS": campaign.status,
        "TYPE": campaign.type,
        "USER_LIST": list(campaign.user_lists),
    }


@handler("mailkit.campaigns.list")
def campaigns_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Every campaign, or the one ``ID_message``; an unknown ID gives an empty array."""
    raw = params.get("ID_message")
    wanted = to_int(raw)
    if raw is None or raw == "" or wanted == 0:
        campaigns = list(state.campaigns.values())
    else:
        # Documented quirk: an invalid ID_message yields an empty answer, not an error.
        found = state.campaigns.get(wanted) if wanted is not None else None
        campaigns = [found] if found is not None else []
    return Answer.value([_campaign_row(c) for c in campaigns])


# ---------------------------------------------------------------------------
# create / update: every struct member is base64 text
# ---------------------------------------------------------------------------


def _decoded(params: dict[str, object]) -> dict[str, str]:
    """The base64 members of a create/update struct, decoded (ID_message/update are plain)."""
    return {
        name: b64_text(value, name)
        for name, value in params.items()
        if name not in ("ID_message", "update")
    }


def _known_id(members: dict[str, str], name: str, known: Container[int]) -> None:
    """Check an ID member against ``known``; "" means not given."""
    text = members.get(name, "")
    value = to_int(text)
    if text and (value is None or value not in known):
        raise CallError(f"Invalid {name}")


def _check(state: EmulatorState, members: dict[str, str]) -> None:
    """Refuse create/update members naming unknown records or an unknown channel."""
    if members.get("type_message", "").lower() not in ("", "email", "sms"):
        raise CallError("Invalid type_message")
    _known_id(members, "ID_allow_email", state.senders)
    _known_id(members, "ID_mailing_list", state.mailing_lists)
    _known_id(members, "ID_query", state.queries)


def _apply(state: EmulatorState, campaign: Campaign, members: dict[str, str]) -> None:
    """Apply checked create/update members to a campaign."""
    kind = members.get("type_message", "").lower()
    sender_id = to_int(members.get("ID_allow_email"))
    list_id = to_int(members.get("ID_mailing_list"))
    if "name" in members:
        campaign.name = members["name"]
    if "subject" in members:
        campaign.subject = members["subject"]
    if kind:
        campaign.msg_type = kind
    if sender_id in state.senders:
        sender = state.senders[sender_id]
        campaign.sender_email, campaign.sender_name = sender.email, sender.name
    if list_id in state.mailing_lists:
        campaign.user_lists = [list_id]
    if "test_mode" in members:
        campaign.test_mode = to_flag(members["test_mode"])
    if "content" in members:
        campaign.body = members["content"]


@handler("mailkit.campaigns.create")
def campaigns_create(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Create a campaign; the new ID is ``ID_message`` in JSON and a bare int in XML-RPC.

    Inferred: a missing name answers "Missing name"; unknown sender, list or query
    IDs answer "Invalid <member>".
    """
    members = _decoded(params)
    if not members.get("name"):
        raise CallError("Missing name")
    _check(state, members)
    campaign_id = state.add_campaign(members["name"])
    _apply(state, state.campaigns[campaign_id], members)
    return Answer.per_wire(
        json={"error_status": 0, "ID_message": str(campaign_id)}, xml=campaign_id
    )


@handler("mailkit.campaigns.update")
def campaigns_update(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Change a campaign; answers "OK" (inferred: the page does not show the answer)."""
    campaign = campaign_of(state, params)
    members = _decoded(params)
    _check(state, members)
    _apply(state, campaign, members)
    return Answer.per_wire(json={"error_status": 0, "error": "OK"}, xml="OK")


# ---------------------------------------------------------------------------
# messages (inferred functions), test messages, history
# ---------------------------------------------------------------------------


def _deliveries_newest_first(state: EmulatorState, campaign_id: int | None) -> list[Delivery]:
    found = [d for d in state.deliveries.values() if campaign_id in (None, d.campaign_id)]
    return sorted(found, key=lambda d: (d.date, d.id), reverse=True)


def _message_rows(state: EmulatorState, campaign: Campaign) -> list[dict[str, object]]:
    # The real shape is unknown; the emulator answers the campaign's deliveries, newest
    # first, with plain numbers on both wires.
    return [
        {
            "ID_MESSAGE": campaign.id,
            "ID_SEND": d.id,
            "NAME": campaign.name,
            "SUBJECT": d.subject,
            "DATE": mailkit_date(d.date),
        }
        for d in _deliveries_newest_first(state, campaign.id)
    ]


@handler("mailkit.campaigns.messages")
def campaigns_messages(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Inferred: the campaign's deliveries as message records, newest first."""
    return Answer.value(_message_rows(state, campaign_of(state, params)))


@handler("mailkit.campaigns.messages.last")
def campaigns_messages_last(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Inferred: the newest of ``campaigns.messages``' records, or an empty array for none."""
    found = _message_rows(state, campaign_of(state, params))
    return Answer.value(found[0] if found else [])


@handler("mailkit.campaigns.messages.test")
def campaigns_messages_test(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Send a test copy: "OK" or "OK version A/B"; one per campaign per 30 seconds.

    A second test within 30 s answers "Too many requests" (the limit is documented,
    the text is not).
    """
    campaign = campaign_of(state, params)
    email = to_text(params.get("email"))
    if not email:
        raise CallError("Missing email")
    if not is_valid_email(email):
        raise CallError("Bad email syntax")
    preview = to_int(params.get("ID_preview_email")) or None
    if preview is not None and preview not in state.recipients:
        raise CallError("Invalid ID_preview_email")
    options = params.get("content")
    content = (
        {str(k): b64_text(v, f"content.{k}") for k, v in options.items()}
        if isinstance(options, dict)
        else {}
    )
    now = state.monotonic()
    last = [s.sent_at for s in state.sample_sends if s.campaign_id == campaign.id]
    if last and now - max(last) < TEST_INTERVAL:
        raise CallError("Too many requests: one test message per 30 seconds")
    version = to_text(params.get("A/B")).upper()
    version = version if campaign.use_ab and version in ("A", "B") else ""
    state.sample_sends.append(SampleSend(campaign.id, email, now, preview, version, content))
    text = f"OK version {version}" if version else "OK"
    return Answer.per_wire(json={"error_status": 0, "error": text}, xml=text)


@handler("mailkit.campaigns.history")
def campaigns_history(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The latest deliveries (of one campaign, or all), newest first; IDs as JSON text.

    ``list_count`` is 1..50 (default 10); outside that range answers "Invalid
    list_count" (inferred).
    """
    raw_count = params.get("list_count")
    count = _HISTORY_DEFAULT if raw_count in (None, "") else to_int(raw_count)
    if count is None or not 1 <= count <= _HISTORY_MAX:
        raise CallError("Invalid list_count")
    campaign_id = None
    if to_text(params.get("ID_message")) not in ("", "0"):
        campaign_id = campaign_of(state, params).id
    found = _deliveries_newest_first(state, campaign_id)
    return Answer.value(
        [
            {
                "ID_MESSAGE": NumericText(d.campaign_id),
                "ID_SEND": NumericText(d.id),
                "DATE": mailkit_date(d.date),
                "PREVIEW": f"https://u.mailkit.eu/preview/{d.id}",
            }
            for d in found[:count]
        ]
    )
