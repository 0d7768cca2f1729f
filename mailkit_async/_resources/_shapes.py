"""Pure reshapers for the answers of the mailing list and e-mail record functions."""

from __future__ import annotations

from .._types import WireValue

__all__ = ["blank_nulls", "group_ids", "says_ok"]


def says_ok(value: WireValue) -> bool:
    """Whether an answer is Mailkit's plain success: ``"OK"`` bare, as ``data`` or ``error``."""
    if isinstance(value, str):
        return value.strip() == "OK"
    if isinstance(value, dict):
        return any(
            isinstance(value.get(k), str) and str(value.get(k)).strip() == "OK"
            for k in ("data", "error")
        )
    return False


def blank_nulls(value: WireValue) -> WireValue:
    """Rows with JSON ``null`` fields read as ``""``, as XML-RPC (which has no null) sends."""
    if isinstance(value, list):
        return [
            {k: "" if v is None else v for k, v in row.items()} if isinstance(row, dict) else row
            for row in value
        ]
    return value


def group_ids(value: WireValue) -> WireValue:
    """``ID_UNSUBSCRIBE_GROUP`` as a list: ``0``, ``""`` and ``None`` mean none.

    Parts that are not numbers are kept, so the model reports them.
    """
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, int):
        return [value] if value else []
    if isinstance(value, str):
        return [p.strip() for p in value.split(",") if p.strip() not in ("", "0")]
    return value
