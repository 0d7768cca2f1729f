"""Structure hooks for the value shapes Mailkit sends (pure functions).

Mailkit writes the same field as a JSON number on one function and as a numeric
string on the next, booleans as ``true``, ``"TRUE"`` or ``1``, dates as
``YYYY-MM-DD HH:MM:SS`` text, and "no data" as an empty string. These hooks accept
exactly those spellings and refuse everything else, so a wrong value is reported
instead of silently coerced (``bool("0")`` would be True).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, Final

__all__ = [
    "NULL_DATES",
    "structure_base64",
    "structure_bool",
    "structure_date",
    "structure_datetime",
    "structure_float",
    "structure_int",
    "structure_str",
]

_TRUE: Final = frozenset({"TRUE", "1", "Y", "YES"})
_FALSE: Final = frozenset({"FALSE", "0", "N", "NO"})
_DATETIME_FORMATS: Final = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
_EXACT_FLOAT_INT: Final = 2**53
"""Beyond this a float has lost integer precision (orjson reads huge JSON ints as floats)."""
NULL_DATES: Final = frozenset({"", "0000-00-00", "0000-00-00 00:00:00"})
"""Texts Mailkit uses for "no date"; an optional date field reads them as None."""


def structure_int(value: Any, _: Any = int) -> int:
    """An int from an int, a numeric string or an integral float; never from a bool."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and len(text) <= 20:
            return int(text)
        raise ValueError(f"not an integer: {value[:40]!r}")
    if isinstance(value, float) and value.is_integer() and abs(value) <= _EXACT_FLOAT_INT:
        return int(value)
    raise TypeError(f"expected an integer, got {type(value).__name__}")


def structure_float(value: Any, _: Any = float) -> float:
    """A float from a number or a numeric string such as ``"10.00"``."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip().replace(",", "."))
        except ValueError:
            raise ValueError(f"not a number: {value[:40]!r}") from None
    raise TypeError(f"expected a number, got {type(value).__name__}")


def structure_bool(value: Any, _: Any = bool) -> bool:
    """A bool from ``true``/``false``, 0/1, or Mailkit's ``"TRUE"``/``"FALSE"`` text."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    raise ValueError(f"not a flag: {value!r}"[:60])


def structure_str(value: Any, _: Any = str) -> str:
    """Text; numbers are written out (IDs arrive as either)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"expected text, got {type(value).__name__}")


def structure_datetime(value: Any, _: Any = datetime) -> datetime:
    """A naive datetime (Mailkit's account time zone) from text or XML-RPC dateTime."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in _DATETIME_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                continue
        try:
            return datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            pass
        raise ValueError(f"not a Mailkit date-time: {value[:40]!r}")
    raise TypeError(f"expected a date-time, got {type(value).__name__}")


def structure_date(value: Any, _: Any = date) -> date:
    """A date from ``YYYY-MM-DD`` text (a time part is dropped)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return structure_datetime(value).date()


def structure_base64(value: Any, _: Any = bytes) -> bytes:
    """Bytes from XML-RPC ``<base64>`` (already bytes) or base64 text."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("not valid base64 text") from None
    raise TypeError(f"expected base64 data, got {type(value).__name__}")
