"""Tell Mailkit's in-band error answers from results (shared by both wire formats).

Mailkit reports most errors inside HTTP 200 bodies: JSON carries a non-zero
``error_status`` (an int, a numeric string, or absent on success); XML-RPC returns a
bare string where a struct was expected. Some functions also answer success with a
bare string ("OK", "DELETED"), and ``sendmail_mass.results`` sets ``error_status`` 1
on a successful call that lists rejected recipients.
"""

from __future__ import annotations

from ._exceptions import APIError, error_for_message
from ._spec import FunctionSpec
from ._types import WireValue

__all__ = ["check_answer", "error_status"]

_RESULTS_FUNCTION = "mailkit.sendmail_mass.results"


def error_status(value: WireValue) -> int:
    """The ``error_status`` of an answer as an int (0 when absent or unreadable as a number)."""
    if not isinstance(value, dict):
        return 0
    raw = value.get("error_status")
    if isinstance(raw, bool):
        return int(raw)
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    if raw is None or raw == "":
        return 0
    return 1  # present but not a number: treat as a failure marker


def check_answer(function: str, spec: FunctionSpec | None, value: WireValue) -> WireValue:
    """Return ``value`` if it is a result; raise the matching ``APIError`` if it is an error."""
    if isinstance(value, dict):
        status = error_status(value)
        if status and not (function == _RESULTS_FUNCTION and "results" in value):
            message = value.get("error")
            raise error_for_message(
                message if isinstance(message, str) else "", function=function, code=status
            )
        return value
    if isinstance(value, str):
        if spec is not None and spec.is_success_string(value):
            return value
        error = error_for_message(value, function=function)
        if spec is None and type(error) is APIError:
            return value  # an unknown function's string that is no known error text
        raise error
    return value
