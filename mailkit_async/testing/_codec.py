"""The emulator's own request parsing and response rendering.

Deliberately independent of the client's codec (``mailkit_async._wire`` and
``mailkit_async._layout`` are never imported here), so that a bug in the client's
encoder or decoder cannot be mirrored, and hidden, by the emulator. Requests are
parsed with the standard library (``json``, ``xmlrpc.client.loads``); responses are
written by the small serializers below.

Only the function table (``mailkit_async._catalog``) is shared: it says where each
documented argument sits on each wire, which is a fact about Mailkit, not code that
could carry an encoding bug.
"""

from __future__ import annotations

import base64
import json
import math
import xmlrpc.client
from collections.abc import Mapping
from datetime import datetime
from typing import Final

import attrs

from .._catalog import FUNCTIONS
from .._spec import Fixed, FunctionSpec, Group, JsonLayout

__all__ = [
    "BadRequest",
    "ParsedCall",
    "WIRES",
    "parse_json_call",
    "parse_xmlrpc_call",
    "render_json",
    "render_xmlrpc",
]

WIRES: Final = ("json", "xmlrpc")
"""The two wire names, as used in request records and fault filters."""

_JSON_ENVELOPE: Final = frozenset({"function", "id", "md5"})
_I4_MIN: Final = -(2**31)
_I4_MAX: Final = 2**31 - 1
_I8_MIN: Final = -(2**63)
_I8_MAX: Final = 2**63 - 1
_DATE_TEXT: Final = "%Y-%m-%d %H:%M:%S"


class BadRequest(Exception):
    """A request body the emulator cannot read; answered with HTTP 400."""


@attrs.frozen
class ParsedCall:
    """One call as read off either wire.

    ``params`` holds the documented argument names; the credentials are kept apart
    (``client_md5`` is never copied into ``params`` or anything recorded).
    """

    function: str
    client_id: object
    client_md5: object = attrs.field(repr=False)
    params: dict[str, object]


# ---------------------------------------------------------------------------
# requests
# ---------------------------------------------------------------------------


def parse_json_call(body: bytes) -> ParsedCall:
    """Parse a JSON request object and place its arguments by the function's layout.

    ``PARAMETERS`` functions read the ``"parameters"`` object, ``TOP_LEVEL`` ones the
    keys beside function/id/md5, ``BARE`` ones nothing. Functions the table does not
    know get both, merged (top-level keys first, then ``parameters``).
    """
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"body is not valid JSON ({type(exc).__name__})") from None
    if not isinstance(document, dict):
        raise BadRequest("JSON body is not an object")
    function = document.get("function")
    if not isinstance(function, str) or not function:
        raise BadRequest("JSON body has no function name")
    spec = FUNCTIONS.get(function)
    top = {k: v for k, v in document.items() if k not in _JSON_ENVELOPE}
    nested = top.pop("parameters", None)
    nested_params = dict(nested) if isinstance(nested, dict) else {}
    if spec is None:
        params = {**top, **nested_params}
    elif spec.json_layout is JsonLayout.PARAMETERS:
        params = nested_params
    elif spec.json_layout is JsonLayout.TOP_LEVEL:
        params = top
        if nested is not None:
            # Kept under its own name: a misplaced argument must not look placed.
            params["parameters"] = nested
    else:
        params = {}
    return ParsedCall(function, document.get("id"), document.get("md5"), params)


def _refuse_declarations(body: bytes) -> None:
    lowered = body.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise BadRequest("XML with a DOCTYPE or ENTITY declaration is refused")


def parse_xmlrpc_call(body: bytes) -> ParsedCall:
    """Parse an XML-RPC methodCall and name its positional parameters.

    params[0] is client_id and params[1] client_md5; the rest follow the function's
    ``xml_slots``: a name takes one slot, ``Fixed`` is a placeholder that is skipped,
    ``Group`` is a struct whose members are named arguments. Functions the table
    does not know keep their arguments as a list under ``"_args"``.
    """
    _refuse_declarations(body)
    try:
        args, function = xmlrpc.client.loads(body, use_builtin_types=True)
    except Exception as exc:  # expat, xmlrpc.client and value errors alike
        raise BadRequest(f"body is not a well-formed XML-RPC call ({type(exc).__name__})") from None
    if not isinstance(function, str) or not function:
        raise BadRequest("XML-RPC body is not a methodCall")
    positional: list[object] = list(args)
    client_id = positional[0] if positional else None
    client_md5 = positional[1] if len(positional) > 1 else None
    rest: list[object] = positional[2:]
    spec = FUNCTIONS.get(function)
    params: dict[str, object] = {"_args": rest} if spec is None else _name_slots(spec, rest)
    return ParsedCall(function, client_id, client_md5, params)


def _name_slots(spec: FunctionSpec, values: list[object]) -> dict[str, object]:
    named: dict[str, object] = {}
    for slot, value in zip(spec.xml_slots, values, strict=False):
        if isinstance(slot, Fixed):
            continue
        if isinstance(slot, Group):
            if isinstance(value, dict):
                named.update((m, value[m]) for m in slot.members if m in value)
            continue
        named[slot] = value
    return named


# ---------------------------------------------------------------------------
# responses
# ---------------------------------------------------------------------------


def _json_default(value: object) -> str:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.strftime(_DATE_TEXT)
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def render_json(value: object) -> bytes:
    """Render an answer as compact UTF-8 JSON (bytes as base64, dates as Mailkit text)."""
    text = json.dumps(
        value, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default
    )
    return text.encode("utf-8")


def _escape(text: str) -> str:
    # Only markup is escaped, as PHP's xmlrpc_encode does; characters XML 1.0 forbids
    # are written through unchanged, which lets tests rehearse a naive server.
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _write_value(value: object, out: list[str]) -> None:
    out.append("<value>")
    if value is None:
        out.append("<nil/>")
    elif isinstance(value, bool):
        out.append(f"<boolean>{int(value)}</boolean>")
    elif isinstance(value, int):
        if _I4_MIN <= value <= _I4_MAX:
            out.append(f"<i4>{int(value)}</i4>")
        elif _I8_MIN <= value <= _I8_MAX:
            out.append(f"<i8>{int(value)}</i8>")
        else:
            raise ValueError("integer beyond 64 bits cannot be rendered as XML-RPC")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinities cannot be rendered as XML-RPC")
        out.append(f"<double>{value!r}</double>")
    elif isinstance(value, str):
        out.append(f"<string>{_escape(value)}</string>")
    elif isinstance(value, bytes | bytearray):
        out.append(f"<base64>{base64.b64encode(bytes(value)).decode('ascii')}</base64>")
    elif isinstance(value, datetime):
        out.append(f"<dateTime.iso8601>{value.strftime('%Y%m%dT%H:%M:%S')}</dateTime.iso8601>")
    elif isinstance(value, Mapping):
        out.append("<struct>")
        for key, member in value.items():
            out.append(f"<member><name>{_escape(str(key))}</name>")
            _write_value(member, out)
            out.append("</member>")
        out.append("</struct>")
    elif isinstance(value, list | tuple):
        out.append("<array><data>")
        for item in value:
            _write_value(item, out)
        out.append("</data></array>")
    else:
        raise TypeError(f"cannot render {type(value).__name__} as XML-RPC")
    out.append("</value>")


def render_xmlrpc(value: object) -> bytes:
    """Render an answer as an XML-RPC methodResponse with one param.

    Integers are ``<i4>`` within the signed 32-bit range and ``<i8>`` beyond, as
    Mailkit does; Mailkit's error answers are a bare ``<string>``, never a fault.
    """
    out = ['<?xml version="1.0" encoding="utf-8"?>\n<methodResponse><params><param>']
    _write_value(value, out)
    out.append("</param></params></methodResponse>\n")
    return "".join(out).encode("utf-8")
