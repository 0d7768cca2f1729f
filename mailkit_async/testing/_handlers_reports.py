"""Emulator handlers for the reporting functions."""

from __future__ import annotations

from ._handlers_base import Answer, CallError, NumericText, handler, to_int, to_text
from ._state import EmulatorState, mailkit_date

__all__: list[str] = []


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
