"""The handler registry and the small toolkit every emulator handler uses.

A handler is a plain function ``(state, params, wire) -> Answer`` registered under a
Mailkit function name with ``@handler("mailkit.x.y")``. It reads its arguments from
``params`` (documented names, already placed from either wire), coerces them with
the lenient helpers below, updates ``state`` and returns an ``Answer``; or it raises
``CallError("Missing ...")`` for one of Mailkit's error texts.

``params`` is also what the request log keeps: read it, never modify it.

Handlers are synchronous on purpose: each runs to completion without yielding to
the event loop, so concurrent calls can never see a half-updated state.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Final, TypeAlias

import attrs

from ._state import EmulatorState

__all__ = [
    "Answer",
    "CallError",
    "HANDLERS",
    "Handler",
    "NumericText",
    "b64_text",
    "handler",
    "to_flag",
    "to_int",
    "to_text",
]


class NumericText(int):
    """An integer that JSON writes as a numeric string (``"123"``) and XML-RPC as ``<i4>``.

    Several Mailkit functions answer IDs and counts this way; using the marker keeps
    a handler's answer to one tree for both wires.
    """

    __slots__ = ()


def _json_view(value: object) -> object:
    if isinstance(value, NumericText):
        return str(int(value))
    if isinstance(value, Mapping):
        return {k: _json_view(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_view(v) for v in value]
    return value


@attrs.frozen
class Answer:
    """What a handler answers, once per wire.

    Build it with ``Answer.value(tree)`` when both wires carry the same tree (use
    ``NumericText`` where JSON quotes numbers), ``Answer.per_wire(json=..., xml=...)``
    when the shapes differ, or ``Answer.error(text)`` for a Mailkit error.
    """

    json: object
    xml: object

    @classmethod
    def value(cls, tree: object) -> Answer:
        """The same tree on both wires; ``NumericText`` numbers become text in JSON."""
        return cls(json=_json_view(tree), xml=tree)

    @classmethod
    def per_wire(cls, *, json: object, xml: object) -> Answer:
        """Different trees for JSON and XML-RPC (``NumericText`` still becomes JSON text)."""
        return cls(json=_json_view(json), xml=xml)

    @classmethod
    def error(cls, message: str, *, error_status: int = 1) -> Answer:
        """Mailkit's error shape: ``{"error_status": n, "error": text}`` / a bare string."""
        return cls(json={"error_status": error_status, "error": message}, xml=message)

    def for_wire(self, wire: str) -> object:
        """The tree for ``"json"`` or ``"xmlrpc"``."""
        return self.json if wire == "json" else self.xml


class CallError(Exception):
    """Raised by a handler to answer one of Mailkit's error texts."""

    def __init__(self, message: str, *, error_status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.error_status = error_status

    def answer(self) -> Answer:
        """The error as an answer in Mailkit's shape."""
        return Answer.error(self.message, error_status=self.error_status)


Handler: TypeAlias = Callable[[EmulatorState, dict[str, object], str], Answer]
"""``(state, params, wire) -> Answer``; ``wire`` is ``"json"`` or ``"xmlrpc"``."""

HANDLERS: Final[dict[str, Handler]] = {}
"""Every registered handler by Mailkit function name."""


def handler(function: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the emulator's handler of ``function``."""

    def register(func: Handler) -> Handler:
        if function in HANDLERS:
            raise ValueError(f"a handler for {function} is already registered")
        HANDLERS[function] = func
        return func

    return register


# ---------------------------------------------------------------------------
# lenient coercion: clients send IDs as ints or numeric strings, flags as bools
# or "TRUE"/"FALSE" text
# ---------------------------------------------------------------------------


def to_int(value: object) -> int | None:
    """An integer from an int or numeric text; None when absent, empty or not a number."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    return None


_TRUE: Final = frozenset({"TRUE", "1", "YES", "Y", "ON"})
_FALSE: Final = frozenset({"FALSE", "0", "NO", "N", "OFF", ""})


def to_flag(value: object, default: bool = False) -> bool:
    """A flag from a bool, ``"TRUE"``/``"FALSE"`` text (any case) or 0/1; else ``default``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().upper()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return default


def to_text(value: object) -> str:
    """Text from a string or number (stripped); ``""`` for anything else."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").strip()
    return ""


def b64_text(value: object, where: str) -> str:
    """Decode one base64 value to text; ``CallError`` names ``where`` when it is not base64.

    ``bytes`` (an XML-RPC ``<base64>``) are taken as already decoded.
    """
    if isinstance(value, bytes):
        raw = value
    elif isinstance(value, str | int) and not isinstance(value, bool):
        try:
            raw = base64.b64decode(str(value).strip(), validate=True)
        except (binascii.Error, ValueError):
            raise CallError(f"Bad base64 encoding of {where}") from None
    else:
        return ""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CallError(f"Bad base64 encoding of {where}") from None
