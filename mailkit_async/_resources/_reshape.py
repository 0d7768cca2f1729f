"""Reshapers for campaign, profile and file manager answers (pure functions).

Each one turns an answer whose JSON and XML-RPC forms differ, or whose shape Mailkit
does not document, into the one tree a typed model is structured from. They run
after ``strip_envelope``, so a JSON ``error_status`` is already gone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Final

from .._codec._hooks import structure_datetime, structure_int, structure_str
from .._exceptions import error_for_message
from .._types import WireValue

__all__ = [
    "answer_text",
    "find_int",
    "message_record",
    "rows",
    "schedule_list",
]

_TEXT_KEYS: Final = ("data", "status", "error", "message")
_RECORD_CHECKS: Final[dict[str, Callable[[object], object]]] = {
    "ID_MESSAGE": structure_int,
    "ID_SEND": structure_int,
    "NAME": structure_str,
    "SUBJECT": structure_str,
    "DATE": structure_datetime,
}


def _upper(value: dict[str, WireValue]) -> dict[str, WireValue]:
    return {str(k).upper(): v for k, v in value.items()}


def find_int(value: WireValue, keys: Iterable[str]) -> int | None:
    """An integer answer: a bare int or numeric text, or the first of ``keys`` in a struct."""
    if isinstance(value, dict):
        upper = _upper(value)
        for key in keys:
            found = find_int(upper.get(key.upper()), ())
            if found is not None:
                return found
        return None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def answer_text(value: WireValue, default: str) -> str:
    """The text of a bare-string answer, or of its JSON form (``data``/``status``/``error``)."""
    if isinstance(value, str):
        return value.strip() or default
    if isinstance(value, dict):
        for key in _TEXT_KEYS:
            text = value.get(key)
            if isinstance(text, str) and text.strip():
                return text.strip()
    return default


def rows(value: WireValue, *envelopes: str) -> list[WireValue]:
    """The records of a list answer: a bare array, or one wrapped in an envelope key.

    An empty string (Mailkit's "nothing") gives no rows; a lone struct gives one.
    """
    if isinstance(value, list):
        return value
    if value is None or value == "":
        return []
    if isinstance(value, dict):
        for key in envelopes:
            if key in value:
                return rows(value[key])
        return [value]
    return [value]


def schedule_list(value: WireValue) -> WireValue:
    """Drop schedule.list's XML-RPC status member ``error`` (JSON says ``error_status``).

    A non-zero status raises the matching ``APIError``: a success never carries one.
    """
    if not isinstance(value, dict):
        return value
    out = dict(value)
    status = out.pop("error", 0)
    code = find_int(status, ())
    if status in ("", None) or code == 0:
        return out
    text = status if isinstance(status, str) else f"error status {status!r}"
    raise error_for_message(text, function="mailkit.campaigns.schedule.list", code=code)


def _fits(check: Callable[[object], object], value: WireValue) -> bool:
    try:
        check(value)
    except (TypeError, ValueError):
        return False
    return True


def message_record(row: WireValue) -> WireValue:
    """One record of campaigns.messages(.last), whose shape is not documented.

    The known members are copied only when they have the expected type, so an
    unexpected value never fails decoding; ``FIELDS`` keeps the whole record.
    """
    if not isinstance(row, dict):
        return {"FIELDS": {"VALUE": row}}
    upper = _upper(row)
    out: dict[str, WireValue] = {
        key: upper[key]
        for key, check in _RECORD_CHECKS.items()
        if key in upper and upper[key] not in ("", None) and _fits(check, upper[key])
    }
    out["FIELDS"] = upper
    return out
