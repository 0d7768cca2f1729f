"""Mailkit's JSON wire format (POST to ``/json.fcgi``), on orjson."""

from __future__ import annotations

import base64
import math
from collections.abc import Mapping
from datetime import datetime
from typing import ClassVar

import orjson

from .._exceptions import EncodeError, MalformedResponseError
from .._layout import json_request, without_none_members
from .._spec import FunctionSpec
from .._types import WireValue
from ._base import excerpt

__all__ = ["JsonWire", "MAILKIT_DATETIME", "dumps", "loads"]

MAILKIT_DATETIME = "%Y-%m-%d %H:%M:%S"
"""Mailkit's date-time text: ``YYYY-MM-DD HH:MM:SS``, no zone."""


def _default(value: object) -> str:
    """What orjson cannot write itself: bytes as base64, datetimes as Mailkit's text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, datetime):
        return value.strftime(MAILKIT_DATETIME)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME
# Non-text keys are rare and make orjson take a slower path for every dict, so they
# get their own second try.
_OPTIONS_ANY_KEYS = _OPTIONS | orjson.OPT_NON_STR_KEYS


def _encode(value: object) -> bytes:
    try:
        return orjson.dumps(value, default=_default, option=_OPTIONS)
    except (orjson.JSONEncodeError, TypeError):
        try:
            return orjson.dumps(value, default=_default, option=_OPTIONS_ANY_KEYS)
        except (orjson.JSONEncodeError, TypeError) as exc:
            raise EncodeError(f"value cannot be encoded as JSON: {exc}") from None


def dumps(value: object, *, omit_none_members: bool = False) -> bytes:
    """Encode a value tree as compact UTF-8 JSON.

    ``bytes`` become base64 text and ``datetime`` Mailkit's date-time text. NaN,
    infinities and integers beyond 64 bits raise ``EncodeError``. With
    ``omit_none_members``, struct members whose value is None are left out instead of
    being sent as ``null``.
    """
    body = _encode(value)
    # orjson writes None, NaN and infinities as null; only then is the tree walked.
    # (rfind: the same answer as "in", found faster in typical bodies.)
    if body.rfind(b"null") >= 0:
        if _has_non_finite(value):
            raise EncodeError("NaN and infinities cannot be sent as JSON")
        if omit_none_members:
            cleaned = without_none_members(value)
            if cleaned is not value:
                body = _encode(cleaned)
    return body


def _has_non_finite(value: object) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, dict):
        return any(_has_non_finite(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_non_finite(v) for v in value)
    return False


def loads(body: bytes, *, function: str = "") -> WireValue:
    """Decode a JSON body; anything unusable raises ``MalformedResponseError``."""
    if not body.strip():
        raise MalformedResponseError("empty response body", function=function or None)
    try:
        value: WireValue = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedResponseError(
            f"response is not valid JSON ({exc.msg}): {excerpt(body)!r}",
            function=function or None,
        ) from None
    return value


class JsonWire:
    """The JSON wire format: one object per call, arguments by name."""

    name: ClassVar[str] = "json"
    path: ClassVar[str] = "/json.fcgi"
    content_type: ClassVar[str] = "application/json"

    def encode_call(
        self,
        function: str,
        spec: FunctionSpec | None,
        client_id: int,
        client_md5: str,
        params: Mapping[str, object],
    ) -> bytes:
        """Encode one call as a JSON request object."""
        request = json_request(function, spec, client_id, client_md5, params)
        return dumps(request, omit_none_members=spec is not None and spec.omit_none_members)

    def decode_response(self, body: bytes, *, function: str) -> WireValue:
        """Decode one JSON response body."""
        return loads(body, function=function)

    def __repr__(self) -> str:
        return "JsonWire()"
