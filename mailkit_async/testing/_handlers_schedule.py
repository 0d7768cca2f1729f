"""Emulator handlers for campaign scheduling: single.schedule, schedule.list/.timezones/.cancel."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._handlers_base import Answer, CallError, handler, to_int, to_text
from ._handlers_campaigns import campaign_of
from ._state import EmulatorState, Schedule, mailkit_date

__all__ = ["TIMEZONES"]

TIMEZONES: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    ("Africa/Abidjan", ("GMT",)),
    ("America/New_York", ("EST", "EDT")),
    ("Europe/Bratislava", ("CET", "CEST")),
    ("Europe/London", ("GMT", "BST")),
    ("Europe/Prague", ("CET", "CEST")),
    ("UTC", ("UTC",)),
)
"""The zones the emulator accepts as ``time_zone`` (a small part of Mailkit's list)."""

_ZONE_NAMES: Final = frozenset(name for name, _ in TIMEZONES)
_SEND_FORMATS: Final = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")
_PENDING: Final = "scheduled"


def _send_date(state: EmulatorState, raw: object) -> datetime:
    text = to_text(raw)
    if not text:
        raise CallError("Missing send_date")
    if text.lower() == "now":
        return state.now().replace(second=0, microsecond=0)
    for fmt in _SEND_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise CallError("Invalid send_date")


def _utc_offset(zone: str, moment: datetime) -> str:
    """``"+01:00"``: how schedule.list reports a zone (a name goes in, an offset out)."""
    try:
        offset = moment.replace(tzinfo=ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        offset = None
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _optional_id(params: dict[str, object], name: str) -> int | None:
    return to_int(params.get(name)) or None


@handler("mailkit.campaigns.single.schedule")
def single_schedule(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Add a pending delivery; answers its ``ID_send_message_queue`` (inferred shape).

    ``send_date`` is ``"now"`` or ``YYYY-MM-DD HH:MM``; ``time_zone`` one of
    ``TIMEZONES`` or empty (the campaign's zone); an unknown ``ID_query`` answers
    "Invalid ID_query".
    """
    campaign = campaign_of(state, params)
    send_date = _send_date(state, params.get("send_date"))
    zone = to_text(params.get("time_zone")) or campaign.time_zone or "Europe/Prague"
    if zone not in _ZONE_NAMES:
        raise CallError("Invalid time_zone")
    query_id = _optional_id(params, "ID_query")
    if query_id is not None and query_id not in state.queries:
        raise CallError("Invalid ID_query")
    schedule = state.add_schedule(
        campaign.id,
        send_date,
        time_zone=zone,
        status=_PENDING,
        subject=to_text(params.get("subject")) or campaign.subject,
        created=state.now(),
        template_id=_optional_id(params, "ID_template"),
        query_id=query_id,
        delivery_feed_id=_optional_id(params, "ID_delivery_feed"),
    )
    return Answer.per_wire(
        json={"error_status": 0, "ID_send_message_queue": str(schedule.id)},
        xml={"ID_send_message_queue": schedule.id},
    )


def _pending(state: EmulatorState, campaign_id: int) -> list[Schedule]:
    found = [
        s for s in state.schedules.values() if s.campaign_id == campaign_id and s.status == _PENDING
    ]
    return sorted(found, key=lambda s: (s.send_date, s.id))


@handler("mailkit.campaigns.schedule.list")
def schedule_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Pending deliveries; ``data`` is "" when none, the status is ``error`` in XML-RPC."""
    campaign = campaign_of(state, params)
    entries = [
        {
            "SUBJECT": s.subject,
            "TIME_ZONE": _utc_offset(s.time_zone, s.send_date),
            "DATE_SEND": mailkit_date(s.send_date),
            "USE_AB": "TRUE" if campaign.use_ab else "FALSE",
            "SUBJECT_B": campaign.subject_b,
            "DATE": mailkit_date(s.created),
            "ID_SEND_MESSAGE_QUEUE": s.id,
        }
        for s in _pending(state, campaign.id)
    ]
    data: object = entries or ""
    return Answer.per_wire(
        json={"ID_message": str(campaign.id), "data": data, "error_status": 0},
        xml={"ID_message": campaign.id, "data": data, "error": 0},
    )


@handler("mailkit.campaigns.schedule.timezones")
def schedule_timezones(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The zone names scheduling accepts, with their abbreviations."""
    return Answer.value([{"TZ_CODES": list(codes), "TIMEZONE": name} for name, codes in TIMEZONES])


@handler("mailkit.campaigns.schedule.cancel")
def schedule_cancel(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """Cancel one pending delivery of the campaign; answers "OK" (inferred function)."""
    campaign = campaign_of(state, params)
    raw = params.get("ID_send_message_queue")
    if raw is None or to_text(raw) in ("", "0"):
        raise CallError("Missing ID_send_message_queue")
    queue_id = to_int(raw)
    schedule = state.schedules.get(queue_id) if queue_id is not None else None
    if schedule is None or schedule.campaign_id != campaign.id or schedule.status != _PENDING:
        raise CallError("Invalid ID_send_message_queue")
    schedule.status = "cancelled"
    return Answer.per_wire(json={"error_status": 0, "error": "OK"}, xml="OK")
