"""Emulator handlers for the account profile: sender addresses and saved queries."""

from __future__ import annotations

from ._handlers_base import Answer, NumericText, handler
from ._state import EmulatorState, mailkit_date

__all__: list[str] = []


@handler("mailkit.profile.emails.list")
def profile_emails_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The sender addresses: a bare array in XML-RPC, an ``emails`` array in JSON.

    The JSON shape is not documented; a third-party client reads ``emails``, which
    the emulator follows so that clients meet the difference.
    """
    rows = [
        {
            "NAME": s.name,
            "ID_ALLOW_EMAIL": s.id,
            "STATUS": s.status,
            "EMAIL": s.email,
            "SPF": "TRUE" if s.spf else "FALSE",
        }
        for s in state.senders.values()
    ]
    return Answer.per_wire(json={"error_status": 0, "emails": rows}, xml=rows)


@handler("mailkit.profile.queries.list")
def profile_queries_list(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
    """The saved recipient conditions inside ``{error_status, data}`` on both wires."""
    rows = [
        {
            "DATE": mailkit_date(q.created),
            "CHANGE_DATE": mailkit_date(q.changed),
            "CHANGE_NAME": q.changed_by,
            "ID_QUERY": NumericText(q.id),
            "NAME": q.name,
            "DESCRIPTION": q.description,
            "CREATE_NAME": q.created_by,
        }
        for q in state.queries.values()
    ]
    return Answer.value({"error_status": 0, "data": rows})
