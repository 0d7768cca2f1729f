"""How one Mailkit function travels: parameter kinds, JSON layout and XML-RPC slots.

A ``FunctionSpec`` is pure data. ``_layout`` reads it to place ``client.call()``
parameters on either wire; the retry policy reads ``idempotent``; the answer check
reads ``success_strings`` and ``string_result``.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Final

import attrs

from ._exceptions import ConfigurationError
from ._types import WireValue

__all__ = [
    "Converter",
    "Documentation",
    "Fixed",
    "FunctionSpec",
    "Group",
    "JsonLayout",
    "MISSING",
    "Param",
    "as_any",
    "as_bool",
    "as_date_text",
    "as_datetime_text",
    "as_flag_text",
    "as_id_or_text",
    "as_int",
    "as_numeric_text",
    "as_text",
]


class _Missing(enum.Enum):
    MISSING = enum.auto()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing.MISSING
"""Marks a parameter the caller did not give (distinct from an explicit ``None``)."""


class JsonLayout(enum.Enum):
    """Where a function's arguments sit in the JSON request object."""

    PARAMETERS = "parameters"
    """Inside ``"parameters": {...}`` next to function/id/md5 (most functions)."""
    TOP_LEVEL = "top_level"
    """Beside function/id/md5 (``campaigns.list``, ``sendmail_mass``)."""
    BARE = "bare"
    """No arguments at all and no ``parameters`` key (``mailinglist.list``, timezones)."""


class Documentation(enum.Enum):
    """How much of a function's shape Mailkit's own pages document."""

    FULL = "full"
    PARTIAL = "partial"
    """Part of the page was not readable; gaps filled from public client code."""
    INFERRED = "inferred"
    """The page was not readable at all; the shape is inferred and decoded leniently."""


Converter = Callable[[object], "WireValue | _Missing"]
"""Turns a caller's value into a wire value; ``MISSING`` leaves the key or slot out."""


_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _bad(value: object, wanted: str) -> ConfigurationError:
    return ConfigurationError(f"expected {wanted}, got {type(value).__name__}")


def as_int(value: object) -> WireValue:
    """An integer: ``int`` as is, a string of digits parsed; never ``bool``."""
    if isinstance(value, bool):
        raise _bad(value, "an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise _bad(value, "an integer")


def as_numeric_text(value: object) -> WireValue:
    """An integer written as text, as Mailkit's JSON examples quote IDs (``"12345"``)."""
    return str(as_int(value))


def as_text(value: object) -> WireValue:
    """Text; integers are written out, anything else is refused."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise _bad(value, "text")


def as_id_or_text(value: object) -> WireValue:
    """An ID (kept as ``int``) or an address (kept as text), for slots that take either."""
    if isinstance(value, str) and not value.strip().isdigit():
        return value
    return as_int(value)


def as_date_text(value: object) -> WireValue:
    """A day as Mailkit's ``YYYY-MM-DD`` text, from a ``date`` (or a ``datetime``'s day)."""
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value.strip()):
        return value.strip()
    raise _bad(value, "a date (YYYY-MM-DD)")


def as_datetime_text(value: object) -> WireValue:
    """Mailkit's ``YYYY-MM-DD HH:MM:SS`` from a ``datetime`` (a ``date`` is midnight)."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d 00:00:00")
    return as_text(value)


def as_flag_text(value: object) -> WireValue:
    """A flag written as Mailkit's ``"TRUE"`` / ``"FALSE"`` text."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str) and value.strip().upper() in {"TRUE", "FALSE"}:
        return value.strip().upper()
    raise _bad(value, "a flag (bool or 'TRUE'/'FALSE')")


def as_bool(value: object) -> WireValue:
    """A native boolean (JSON ``true`` / XML-RPC ``<boolean>``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().upper() in {"TRUE", "FALSE"}:
        return value.strip().upper() == "TRUE"
    raise _bad(value, "a flag (bool or 'TRUE'/'FALSE')")


def as_any(value: object) -> WireValue:
    """Structs, arrays and other values passed through unchanged."""
    return value  # type: ignore[return-value]


@attrs.frozen
class Param:
    """One documented argument of a function.

    ``name`` is the documented JSON key (``ID_user_list``); ``json`` and ``xml`` turn
    the caller's Python value into what each wire expects; ``xml_default`` fills the
    slot on XML-RPC, which is positional, when the caller left the argument out.
    """

    name: str
    json: Converter = as_text
    xml: Converter = as_text
    required: bool = False
    xml_default: WireValue | _Missing = MISSING


@attrs.frozen
class Fixed:
    """An XML-RPC placeholder slot that always carries the same value."""

    value: WireValue
    label: str = ""


@attrs.frozen
class Group:
    """An XML-RPC slot that gathers several named arguments into one struct.

    On JSON the same arguments sit flat among the others.
    """

    members: tuple[str, ...]


Slot = str | Fixed | Group


@attrs.frozen
class FunctionSpec:
    """Everything the client needs to know to call one Mailkit function.

    Attributes:
        name: Mailkit's function name, e.g. ``mailkit.report.message.recipients``.
        method: The typed method path on the client: ``"report.message_recipients"``,
            or a bare name for client-level methods (``"sendmail_mass"``).
        idempotent: Whether repeating the call is safe (reads, reports, status calls).
        params: The documented arguments, in documented order.
        json_layout: Where the arguments sit in the JSON object.
        xml_slots: The XML-RPC positional slots after client_id and client_md5 (by
            default the parameters in documented order): a
            parameter name, a ``Fixed`` placeholder or a ``Group`` struct.
        success_strings: Bare XML-RPC strings (or prefixes of them) that mean success.
        string_result: Whether any bare string is a legitimate result.
        empty_is_no_data: Whether a bare ``""`` answer means "no rows" (some reports).
        at_most_once: Whether the call sends e-mail or SMS: after an attempt that may
            have reached Mailkit it is never repeated, whatever the retry policy says.
        omit_none_members: Whether struct members whose value is None are left out of
            the request on either wire (``sendmail_mass`` recipients: None means "not
            given") instead of being sent as ``null`` / ``<nil/>``.
        documentation: How complete Mailkit's own documentation of the shape is.
        category: The documentation section the function belongs to.
    """

    name: str
    method: str
    idempotent: bool
    params: tuple[Param, ...] = ()
    json_layout: JsonLayout = JsonLayout.PARAMETERS
    xml_slots: tuple[Slot, ...] = attrs.field(
        default=attrs.Factory(lambda self: tuple(p.name for p in self.params), takes_self=True)
    )
    success_strings: tuple[str, ...] = ()
    string_result: bool = False
    empty_is_no_data: bool = False
    at_most_once: bool = False
    omit_none_members: bool = False
    documentation: Documentation = Documentation.FULL
    category: str = ""
    param_index: Mapping[str, Param] = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "param_index", {p.name: p for p in self.params})

    @property
    def namespace(self) -> str | None:
        """The client attribute holding the typed method, or None for client-level methods."""
        head, _, tail = self.method.partition(".")
        return head if tail else None

    @property
    def method_name(self) -> str:
        """The typed method's own name."""
        return self.method.rpartition(".")[2]

    def is_success_string(self, text: str) -> bool:
        """Whether a bare string answer means success for this function."""
        if self.empty_is_no_data and not text.strip():
            return True
        return self.string_result or any(text.startswith(s) for s in self.success_strings)
