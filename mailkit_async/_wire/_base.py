"""The interface every wire format implements."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from .._spec import FunctionSpec
from .._types import WireValue

__all__ = ["WireFormat", "excerpt"]


class WireFormat(Protocol):
    """Turns one call into request bytes and response bytes into a value. No I/O.

    ``decode_response`` returns the neutral value tree, or raises
    ``MalformedResponseError`` / ``UnsafeXMLError`` for unusable bodies and an
    ``APIError`` for an XML-RPC ``<fault>``. Telling Mailkit's in-band error answers
    from results is left to ``_answers.check_answer``, shared by both formats.
    """

    @property
    def name(self) -> str:
        """Short name: ``"json"`` or ``"xmlrpc"``."""
        ...

    @property
    def path(self) -> str:
        """The endpoint path below the base URL, e.g. ``"/json.fcgi"``."""
        ...

    @property
    def content_type(self) -> str:
        """The request's Content-Type header."""
        ...

    def encode_call(
        self,
        function: str,
        spec: FunctionSpec | None,
        client_id: int,
        client_md5: str,
        params: Mapping[str, object],
    ) -> bytes:
        """Encode one call, credentials included."""
        ...

    def decode_response(self, body: bytes, *, function: str) -> WireValue:
        """Decode one response body into the neutral value tree."""
        ...


def excerpt(body: bytes, limit: int = 120) -> str:
    """A short, printable start of a body for error messages (never the whole body)."""
    text = body[:limit].decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text + ("…" if len(body) > limit else "")
