"""Mailkit's XML-RPC wire format (POST to ``/rpc.fcgi``): a string builder and an lxml walk.

Encoding builds the ``<methodCall>`` as a list of ``str`` pieces joined once (several times
faster than building an lxml tree, and faster than ``xmlrpc.client.dumps``). Every string
and struct key passes one precompiled regex ``search``: text XML 1.0 cannot carry (C0
controls other than tab, newline and carriage return, lone surrogates, U+FFFE, U+FFFF)
raises ``EncodeError`` instead of producing a document the server cannot parse.

Decoding parses with one module-level lxml parser built with explicit safe options (no
entity expansion, no network, no DTD loading, libxml2's size limits on) and walks the tree
with a tag -> function table built once. Bodies are refused before parsing when they carry
a DOCTYPE, an ENTITY declaration or a processing instruction, declare an encoding other
than UTF-8, or exceed ``max_bytes``. The walk looks at every element, so an element in a
namespace (XInclude among them) or any other stray markup ends it with an error. Anything
unusable raises ``MalformedResponseError`` (or its subclasses ``UnsafeXMLError`` /
``ResponseTooLargeError``); no lxml, ``ValueError``, ``KeyError``, ``binascii`` or
``RecursionError`` escapes. A ``<fault>`` raises the ``APIError`` subclass that
``error_for_message`` picks.

Mailkit itself reports errors as a bare ``<string>`` result (``"Unauthorized"``); telling
those from results is left to ``_answers.check_answer``.
"""

from __future__ import annotations

import binascii
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar, Final, TypeVar

from lxml import etree

from .._exceptions import (
    APIError,
    EncodeError,
    MalformedResponseError,
    ResponseTooLargeError,
    UnsafeXMLError,
    error_for_message,
)
from .._layout import xmlrpc_params
from .._spec import FunctionSpec
from .._types import WireValue
from ._base import excerpt

__all__ = [
    "MAX_DEPTH",
    "PARSER",
    "XmlRpcWire",
    "decode_method_call",
    "decode_method_response",
    "encode_fault",
    "encode_method_call",
    "encode_method_response",
]

MAX_DEPTH: Final = 64
"""The deepest nesting of ``<struct>`` / ``<array>`` a decoded document may have."""

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_MAX_INT_CHARS: Final = 20
"""An ``<i8>`` has at most 19 digits and a sign: longer text is refused before ``int()``."""
_MAX_DOUBLE_CHARS: Final = 400

# --------------------------------------------------------------------------------------------
# Encoding
# --------------------------------------------------------------------------------------------

_FORBIDDEN_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_FORBIDDEN: Final = re.compile(f"[{_FORBIDDEN_CHARS}]")
"""Characters XML 1.0 cannot carry, not even as character references."""
_NEEDS_WORK: Final = re.compile(f"[&<>\r{_FORBIDDEN_CHARS}]")
"""Anything that needs escaping or refusing: one ``search`` per string in the common case."""
_METHOD_NAME: Final = re.compile(r"[A-Za-z0-9_.:/]+")

_XML_HEAD: Final = '<?xml version="1.0" encoding="UTF-8"?>'
_DATETIME_FORMAT: Final = "{:04d}{:02d}{:02d}T{:02d}:{:02d}:{:02d}"
_FALSE: Final = "<value><boolean>0</boolean></value>"


_Heads = dict[object, str]
"""Member heads (``<member><name>key</name>``) built so far in one document, by key."""

_OMIT_NONE: Final = object()
"""In a document's ``_Heads``: struct members whose value is None are left out."""


def _escape_slow(text: str, what: str) -> str:
    """Escape ``&``, ``<``, ``>`` and CR; refuse characters XML 1.0 forbids."""
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        raise EncodeError(
            f"{what} contains U+{ord(bad.group()):04X} at position {bad.start()}, "
            "which XML 1.0 cannot carry"
        )
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _encode_other(value: object, append: Callable[[str], object], keys: _Heads) -> None:
    """The types off the fast path: subclasses, bytes, datetimes and refusals."""
    if isinstance(value, int):  # bool cannot be subclassed: only int subclasses get here
        _encode_value(int(value), append, keys)
    elif isinstance(value, float):
        _encode_value(float(value), append, keys)
    elif isinstance(value, str):
        _encode_value(str.__str__(value), append, keys)
    elif isinstance(value, bytes | bytearray | memoryview):
        append("<value><base64>")
        append(binascii.b2a_base64(value, newline=False).decode("ascii"))
        append("</base64></value>")
    elif isinstance(value, datetime):
        append("<value><dateTime.iso8601>")
        append(
            _DATETIME_FORMAT.format(
                value.year, value.month, value.day, value.hour, value.minute, value.second
            )
        )
        append("</dateTime.iso8601></value>")
    elif isinstance(value, dict):
        _encode_value(dict(value), append, keys)
    elif isinstance(value, list | tuple):
        _encode_value(list(value), append, keys)
    else:
        raise EncodeError(f"cannot encode {type(value).__name__} as XML-RPC")


def _member_head(key: object, keys: _Heads) -> str:
    """``<member><name>key</name>`` for a struct key, remembered per call."""
    if type(key) is not str:
        if not isinstance(key, str):
            raise EncodeError(f"struct keys must be str, not {type(key).__name__}")
        key = str.__str__(key)
    name = key
    if _NEEDS_WORK.search(name) is not None:
        name = _escape_slow(name, f"struct key {key[:40]!r}")
    head = f"<member><name>{name}</name>"
    keys[key] = head
    return head


def _encode_value(value: object, append: Callable[[str], object], keys: _Heads) -> None:
    """Append one ``<value>`` element. ``keys`` caches member heads for this call."""
    kind = type(value)
    if kind is str:
        text: str = value  # type: ignore[assignment]
        if _NEEDS_WORK.search(text) is not None:
            text = _escape_slow(text, "text")
        append(f"<value><string>{text}</string></value>")
    elif kind is dict:
        append("<value><struct>")
        search = _NEEDS_WORK.search
        for key, item in value.items():  # type: ignore[attr-defined]
            head = keys.get(key)
            if head is None:
                head = _member_head(key, keys)
            kind = type(item)
            if kind is str:
                if search(item) is not None:
                    item = _escape_slow(item, f"member {key[:40]!r}")
                append(f"{head}<value><string>{item}</string></value></member>")
            elif kind is int and _INT32_MIN <= item <= _INT32_MAX:
                append(f"{head}<value><int>{item}</int></value></member>")
            elif item is None and _OMIT_NONE in keys:
                continue
            else:
                append(head)
                _encode_value(item, append, keys)
                append("</member>")
        append("</struct></value>")
    elif kind is list or kind is tuple:
        append("<value><array><data>")
        for item in value:  # type: ignore[attr-defined]
            _encode_value(item, append, keys)
        append("</data></array></value>")
    elif kind is bool:  # before int: True must not become <int>1</int>
        append("<value><boolean>1</boolean></value>" if value else _FALSE)
    elif kind is int:
        number: int = value  # type: ignore[assignment]
        if _INT32_MIN <= number <= _INT32_MAX:
            append(f"<value><int>{number}</int></value>")
        elif _INT64_MIN <= number <= _INT64_MAX:
            append(f"<value><i8>{number}</i8></value>")
        else:
            raise EncodeError(f"integer {number} does not fit XML-RPC's 64-bit <i8>")
    elif value is None:
        append("<value><nil/></value>")
    elif kind is float:
        real: float = value  # type: ignore[assignment]
        if not math.isfinite(real):
            raise EncodeError(f"{real!r} cannot be sent as XML-RPC <double>")
        append(f"<value><double>{real!r}</double></value>")
    else:
        _encode_other(value, append, keys)


def _encode_document(
    head: str, values: Sequence[object], tail: str, *, omit_none_members: bool = False
) -> bytes:
    if isinstance(values, str | bytes | bytearray):
        raise EncodeError("params must be a sequence of values, not a single string")
    out: list[str] = [head]
    append = out.append
    keys: _Heads = {_OMIT_NONE: ""} if omit_none_members else {}
    try:
        for value in values:
            append("<param>")
            _encode_value(value, append, keys)
            append("</param>")
    except RecursionError:
        raise EncodeError("value nests too deeply (or contains itself)") from None
    append(tail)
    return "".join(out).encode("utf-8")


def encode_method_call(
    method: str, params: Sequence[WireValue], *, omit_none_members: bool = False
) -> bytes:
    """Encode a ``<methodCall>`` as UTF-8 bytes.

    Types map as ``bool`` -> ``<boolean>``, ``int`` -> ``<int>`` (``<i8>`` beyond 32 bits),
    ``float`` -> ``<double>``, ``str`` -> ``<string>``, ``bytes`` -> ``<base64>``,
    ``datetime`` -> ``<dateTime.iso8601>`` (``YYYYMMDDTHH:MM:SS``; zone and microseconds are
    dropped, as on the JSON wire), ``None`` -> ``<nil/>``, ``dict`` -> ``<struct>`` and
    ``list``/``tuple`` -> ``<array>``. Integers beyond 64 bits, NaN and infinities, non-str
    struct keys, text with characters XML 1.0 forbids, other types and method names outside
    ``[A-Za-z0-9_.:/]`` raise ``EncodeError``. With ``omit_none_members``, struct members
    whose value is None are left out instead of being sent as ``<nil/>``.
    """
    if not isinstance(method, str) or _METHOD_NAME.fullmatch(method) is None:
        raise EncodeError(f"invalid XML-RPC method name {str(method)[:60]!r}")
    return _encode_document(
        f"{_XML_HEAD}<methodCall><methodName>{method}</methodName><params>",
        params,
        "</params></methodCall>",
        omit_none_members=omit_none_members,
    )


def encode_method_response(value: WireValue) -> bytes:
    """Encode a ``<methodResponse>`` carrying one value (for emulators and tests)."""
    return _encode_document(
        f"{_XML_HEAD}<methodResponse><params>", (value,), "</params></methodResponse>"
    )


def encode_fault(code: int, message: str) -> bytes:
    """Encode a ``<methodResponse>`` holding a ``<fault>`` (for emulators and tests)."""
    out: list[str] = [f"{_XML_HEAD}<methodResponse><fault>"]
    _encode_value({"faultCode": code, "faultString": message}, out.append, {})
    out.append("</fault></methodResponse>")
    return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Decoding
# --------------------------------------------------------------------------------------------

PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    recover=False,
    remove_blank_text=True,
    remove_comments=True,
    remove_pis=True,
)
"""The one parser every decode uses; built once with explicit safe options.

lxml serialises use of one parser object, so sharing it is safe (decoding runs on the
event-loop thread anyway).
"""

_XML_DECL: Final = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml\s[^<>]*\?>")
_PLAIN_PROLOG: Final = re.compile(rb"(?:\xef\xbb\xbf)?(<\?xml\s[^<>]*\?>)?\s*<[A-Za-z_]")
"""A prolog holding nothing but an optional XML declaration, up to the root's first letter."""
_DECL_ENCODING: Final = re.compile(rb"encoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8_NAMES: Final = frozenset({b"utf-8", b"utf8"})
_CHEAP_PROBES: Final = 32
_XINCLUDE_NS: Final = "{http://www.w3.org/2001/XInclude}"
_DATETIME_TEXT: Final = re.compile(
    r"([0-9]{4})(-?)([0-9]{2})\2([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})", re.ASCII
)

_FAULT_CODE: Final = re.compile(r"-?[0-9]{1,18}")

_Element = etree._Element
_Decoder = Callable[[_Element, int], WireValue]


class _Malformed(Exception):
    """Raised inside the walk; turned into ``MalformedResponseError`` at the entry points."""


def _unexpected(element: _Element, where: str) -> _Malformed:
    tag: object = element.tag
    if not isinstance(tag, str):  # pragma: no cover - comments and PIs are removed by PARSER
        return _Malformed(f"unexpected markup in {where}")
    return _Malformed(f"unexpected <{tag[:60]}> in {where}")


def _no_children(element: _Element) -> None:
    if len(element):
        raise _Malformed(f"<{element.tag}> must not contain elements")


_ID_LIST = re.compile(r"\d+(?:,\d+)+")
_MAX_ID_LIST_CHARS = 4096


def _decode_int(element: _Element, depth: int) -> WireValue:
    if len(element):
        _no_children(element)
    text = element.text
    if text is not None and len(text) <= _MAX_INT_CHARS and "_" not in text:
        try:
            return int(text)
        except ValueError:
            pass
    text = (text or "").strip()
    if len(text) <= _MAX_INT_CHARS and "_" not in text:
        try:
            return int(text)
        except ValueError:
            pass
    if len(text) <= _MAX_ID_LIST_CHARS and _ID_LIST.fullmatch(text):
        # Mailkit's mailinglist.unsubscribed page shows <i4>27,29,35</i4> for a list of
        # group IDs: kept as the text, which the typed layer splits on commas.
        return text
    raise _Malformed(f"<{element.tag}> holds no valid integer: {text[:30]!r}")


def _decode_string(element: _Element, depth: int) -> WireValue:
    if len(element):
        _no_children(element)
    text = element.text
    return "" if text is None else text


def _decode_double(element: _Element, depth: int) -> WireValue:
    _no_children(element)
    text = (element.text or "").strip()
    if len(text) <= _MAX_DOUBLE_CHARS and "_" not in text:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):  # NaN, inf and 1e999 are not XML-RPC doubles
                return number
    raise _Malformed(f"<double> holds no valid number: {text[:30]!r}")


def _decode_boolean(element: _Element, depth: int) -> WireValue:
    _no_children(element)
    text = (element.text or "").strip()
    if text == "1":
        return True
    if text == "0":
        return False
    raise _Malformed(f"<boolean> must hold 1 or 0, not {text[:30]!r}")


def _decode_base64(element: _Element, depth: int) -> WireValue:
    _no_children(element)
    text = "".join((element.text or "").split())  # base64 is often wrapped at 76 columns
    try:
        return binascii.a2b_base64(text, strict_mode=True)
    except (binascii.Error, ValueError):
        raise _Malformed("<base64> holds invalid base64") from None


def _decode_datetime(element: _Element, depth: int) -> WireValue:
    _no_children(element)
    text = (element.text or "").strip()
    found = _DATETIME_TEXT.fullmatch(text)
    if found is not None:
        year, _, month, day, hour, minute, second = found.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour), int(minute), int(second))
        except ValueError:
            pass
    raise _Malformed(f"<dateTime.iso8601> holds no valid date-time: {text[:30]!r}")


def _decode_nil(element: _Element, depth: int) -> WireValue:
    _no_children(element)
    if element.text and element.text.strip():
        raise _Malformed("<nil/> must be empty")
    return None


def _decode_value(value: _Element, depth: int) -> WireValue:
    """Decode a ``<value>`` element (its tag is checked by the caller)."""
    try:
        typed = value[0]
    except IndexError:  # no type element: XML-RPC's implicit string
        text = value.text
        return "" if text is None else text
    if typed.getnext() is not None:
        raise _Malformed("a <value> holds more than one element")
    tag = typed.tag
    if tag == "string":
        if len(typed):
            _no_children(typed)
        text = typed.text
        return "" if text is None else text
    decoder = _DECODERS.get(tag)
    if decoder is None:
        raise _unexpected(typed, "<value> (not an XML-RPC type)")
    return decoder(typed, depth)


def _decode_struct(element: _Element, depth: int) -> WireValue:
    if depth >= MAX_DEPTH:
        raise _Malformed(f"structs and arrays nest deeper than {MAX_DEPTH} levels")
    depth += 1
    result: dict[str, WireValue] = {}
    decoders = _DECODERS
    # Every element below is looked at (tag, or "no further siblings/children"), so nothing
    # unexpected, namespaced or not, can hide in a struct. The checks are ordered for speed.
    for member in element:
        try:
            name = member[0]
            value = member[1]
        except IndexError:
            raise _Malformed("a struct <member> lacks its <name> or <value>") from None
        if member.tag != "member":
            raise _unexpected(member, "<struct>")
        if name.tag != "name" or value.tag != "value":
            raise _Malformed("a struct <member> must hold a <name> and then a <value>")
        if value.getnext() is not None:
            raise _unexpected(value.getnext(), "<member>")  # type: ignore[arg-type]
        if len(name):
            _no_children(name)
        key = name.text
        if key is None:
            key = ""
        # _decode_value inlined: one call less per member on the hot path.
        try:
            typed = value[0]
        except IndexError:
            text = value.text
            result[key] = "" if text is None else text
            continue
        if typed.getnext() is not None:
            raise _Malformed("a <value> holds more than one element")
        tag = typed.tag
        if tag == "string":
            if len(typed):
                _no_children(typed)
            text = typed.text
            result[key] = "" if text is None else text
            continue
        decoder = decoders.get(tag)
        if decoder is None:
            raise _unexpected(typed, "<value> (not an XML-RPC type)")
        result[key] = decoder(typed, depth)
    return result


def _decode_array(element: _Element, depth: int) -> WireValue:
    if depth >= MAX_DEPTH:
        raise _Malformed(f"structs and arrays nest deeper than {MAX_DEPTH} levels")
    depth += 1
    try:
        data = element[0]
    except IndexError:  # <array/>: tolerated as an empty array
        return []
    if data.tag != "data":
        raise _unexpected(data, "<array>")
    if data.getnext() is not None:
        raise _Malformed("an <array> must hold exactly one <data>")
    result: list[WireValue] = []
    append = result.append
    for value in data:
        if value.tag != "value":
            raise _unexpected(value, "<data>")
        append(_decode_value(value, depth))
    return result


_DECODERS: Final[Mapping[str, _Decoder]] = {
    "string": _decode_string,
    "i4": _decode_int,
    "int": _decode_int,
    "i8": _decode_int,
    "struct": _decode_struct,
    "array": _decode_array,
    "double": _decode_double,
    "boolean": _decode_boolean,
    "base64": _decode_base64,
    "dateTime.iso8601": _decode_datetime,
    "nil": _decode_nil,
}


def _has_processing_instruction(body: bytes, start: int) -> bool:
    """Whether ``<?`` occurs at or after ``start``.

    ``?`` is rare in Mailkit's answers, so a ``memchr`` for it (checking the byte before)
    is much cheaper than searching for the two-byte ``<?`` among thousands of ``<``.
    """
    find = body.find
    position = find(b"?", start)
    seen = 0
    while position > 0:
        if body[position - 1] == 0x3C:  # "<"
            return True
        seen += 1
        if seen == _CHEAP_PROBES:
            return find(b"<?", position) != -1
        position = find(b"?", position + 1)
    return False


def _refuse_before_parsing(body: bytes, max_bytes: int | None, function: str | None) -> None:
    """Cheap byte checks that refuse a body without handing it to libxml2."""
    if max_bytes is not None and len(body) > max_bytes:
        raise ResponseTooLargeError(
            f"response body of {len(body)} bytes exceeds the {max_bytes}-byte limit",
            function=function,
        )
    if not body or (body[:1].isspace() and not body.strip()):
        raise MalformedResponseError("empty response body", function=function)
    if b"\x00" in body[:4]:  # UTF-16 or UTF-32, with or without a byte order mark
        raise UnsafeXMLError("response is not UTF-8 encoded XML", function=function)
    prolog = _PLAIN_PROLOG.match(body)
    if prolog is not None:
        # Only an XML declaration precedes the root element. A DOCTYPE (and with it any
        # ENTITY declaration) can only stand before the root, so none can follow.
        start = prolog.end() - 2
        declaration = prolog.group(1)
    else:
        if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
            raise UnsafeXMLError(
                "XML with a DOCTYPE or ENTITY declaration is refused", function=function
            )
        found = _XML_DECL.match(body)
        start = 0 if found is None else found.end()
        declaration = None if found is None else found.group()
    if declaration is not None:
        encoding = _DECL_ENCODING.search(declaration)
        if encoding is not None and encoding.group(1).lower() not in _UTF8_NAMES:
            raise UnsafeXMLError(
                f"response declares encoding {excerpt(encoding.group(1), 40)!r}, not UTF-8",
                function=function,
            )
    if _has_processing_instruction(body, start):
        raise UnsafeXMLError("XML processing instructions are refused", function=function)


def _parse(body: bytes, max_bytes: int | None, function: str | None) -> _Element:
    """All safety checks, then the parse; returns the root element."""
    body = bytes(body)  # the same object for bytes; a copy of a bytearray or memoryview
    _refuse_before_parsing(body, max_bytes, function)
    try:
        root = etree.fromstring(body, PARSER)
    except etree.XMLSyntaxError as exc:
        reason = str(exc.msg or "syntax error").splitlines()[0][:100]
        raise MalformedResponseError(
            f"response is not well-formed XML ({reason}): {excerpt(body)!r}", function=function
        ) from None
    except (etree.LxmlError, ValueError) as exc:
        raise MalformedResponseError(
            f"response could not be parsed as XML ({type(exc).__name__}): {excerpt(body)!r}",
            function=function,
        ) from None
    info: Any = root.getroottree().docinfo  # lxml-stubs lack DocInfo.doctype
    if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
        raise UnsafeXMLError("XML with a DOCTYPE is refused", function=function)
    if (info.encoding or "utf-8").lower().encode("ascii", "replace") not in _UTF8_NAMES:
        raise UnsafeXMLError("response is not UTF-8 encoded XML", function=function)
    return root


_T = TypeVar("_T")


def _namespaced_element(root: _Element) -> str | None:
    """The tag of the first element in a namespace (XInclude, SOAP, ...), if any."""
    for element in root.iter():
        tag: object = element.tag
        if isinstance(tag, str) and tag.startswith("{"):
            return tag
    return None


def _walk(root: _Element, function: str | None, walk: Callable[[_Element], _T]) -> _T:
    """Run a walk; its complaints become ``MalformedResponseError`` (or ``UnsafeXMLError``).

    The walks look at every element of the tree, so a namespaced element (XInclude among
    them) always ends a walk with a complaint; only then is the tree searched for one, to
    tell hostile markup from a merely malformed answer without slowing the common case.
    """
    try:
        return walk(root)
    except _Malformed as exc:
        namespaced = _namespaced_element(root)
        if namespaced is not None:
            what = "XInclude" if namespaced.startswith(_XINCLUDE_NS) else "namespaced XML"
            raise UnsafeXMLError(
                f"{what} elements are refused: <{namespaced[:80]}>", function=function
            ) from None
        raise MalformedResponseError(str(exc), function=function) from None
    except RecursionError:  # pragma: no cover - MAX_DEPTH and libxml2's limit come first
        raise MalformedResponseError("response nests too deeply", function=function) from None


def _single_value(container: _Element, what: str) -> _Element:
    if len(container) != 1:
        raise _Malformed(f"{what} must hold exactly one value")
    value = container[0]
    if value.tag != "value":
        raise _Malformed(f"{what} must hold a <value>")
    return value


def _response_value(root: _Element) -> tuple[bool, WireValue]:
    """(is_fault, value) of a ``<methodResponse>``."""
    if root.tag != "methodResponse":
        raise _Malformed(f"expected <methodResponse>, got <{str(root.tag)[:60]}>")
    if len(root) != 1:
        raise _Malformed("a <methodResponse> must hold one <params> or one <fault>")
    first = root[0]
    if first.tag == "params":
        if len(first) != 1 or first[0].tag != "param":
            raise _Malformed("a response's <params> must hold exactly one <param>")
        return False, _decode_value(_single_value(first[0], "<param>"), 0)
    if first.tag == "fault":
        return True, _decode_value(_single_value(first, "<fault>"), 0)
    raise _Malformed(f"unexpected <{str(first.tag)[:60]}> in <methodResponse>")


def _fault_error(value: WireValue, function: str | None) -> APIError:
    message: WireValue = None
    code: WireValue = None
    if isinstance(value, dict):
        message = value.get("faultString")
        code = value.get("faultCode")
    elif isinstance(value, str):
        message = value
    if isinstance(code, str) and _FAULT_CODE.fullmatch(code.strip()) is not None:
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    text = message.strip() if isinstance(message, str) else ""
    return error_for_message(text or "XML-RPC fault without text", function=function, code=code)


def decode_method_response(
    body: bytes, *, function: str = "", max_bytes: int | None = None
) -> WireValue:
    """Decode a ``<methodResponse>`` body into the neutral value tree.

    A ``<fault>`` raises the ``APIError`` subclass for its ``faultString`` (with
    ``faultCode`` as ``code``). Bodies over ``max_bytes`` raise ``ResponseTooLargeError``;
    DOCTYPEs, entities, processing instructions, namespaced (e.g. XInclude) elements and
    non-UTF-8 documents raise ``UnsafeXMLError``; anything else unusable (bad syntax, an
    unknown type, nesting deeper than ``MAX_DEPTH``) raises ``MalformedResponseError``.
    """
    name = function or None
    root = _parse(body, max_bytes, name)
    is_fault, value = _walk(root, name, _response_value)
    if is_fault:
        raise _fault_error(value, name)
    return value


def _call_value(root: _Element) -> tuple[str, list[WireValue]]:
    if root.tag != "methodCall":
        raise _Malformed(f"expected <methodCall>, got <{str(root.tag)[:60]}>")
    count = len(root)
    if count not in (1, 2) or root[0].tag != "methodName" or len(root[0]):
        raise _Malformed("a <methodCall> must hold a <methodName> and optionally <params>")
    method = (root[0].text or "").strip()
    if _METHOD_NAME.fullmatch(method) is None:
        raise _Malformed(f"invalid method name {method[:60]!r}")
    params: list[WireValue] = []
    if count == 2:
        if root[1].tag != "params":
            raise _Malformed(f"unexpected <{str(root[1].tag)[:60]}> in <methodCall>")
        for param in root[1]:
            if param.tag != "param":
                raise _Malformed("<params> may only hold <param>s")
            params.append(_decode_value(_single_value(param, "<param>"), 0))
    return method, params


def decode_method_call(body: bytes) -> tuple[str, list[WireValue]]:
    """Decode a ``<methodCall>`` body into (method name, positional params).

    Same parser and the same refusals as ``decode_method_response``; useful for emulators,
    tests and tools.
    """
    root = _parse(body, None, None)
    return _walk(root, None, _call_value)


class XmlRpcWire:
    """The XML-RPC wire format: one ``<methodCall>`` per call, arguments by position."""

    name: ClassVar[str] = "xmlrpc"
    path: ClassVar[str] = "/rpc.fcgi"
    content_type: ClassVar[str] = "text/xml"

    def encode_call(
        self,
        function: str,
        spec: FunctionSpec | None,
        client_id: int,
        client_md5: str,
        params: Mapping[str, object],
    ) -> bytes:
        """Encode one call as a ``<methodCall>``, credentials first."""
        return encode_method_call(
            function,
            xmlrpc_params(function, spec, client_id, client_md5, params),
            omit_none_members=spec is not None and spec.omit_none_members,
        )

    def decode_response(self, body: bytes, *, function: str) -> WireValue:
        """Decode one ``<methodResponse>`` body."""
        return decode_method_response(body, function=function)

    def __repr__(self) -> str:
        return "XmlRpcWire()"
