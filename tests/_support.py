"""Test doubles shared by the per-area function tests."""

from __future__ import annotations

import base64
import contextlib
import gc
from collections.abc import Iterator, Mapping
from typing import Any

from mailkit_async import Credentials, RetryPolicy, Timeout, WireFormat
from mailkit_async._answers import check_answer
from mailkit_async._catalog import spec_for

CLIENT_ID = 12345
MD5 = "0123456789abcdef0123456789abcdef"
FAST = RetryPolicy(initial_delay=0.0, max_delay=0.0)
"""Retries without pauses, for tests that exercise them."""


@contextlib.contextmanager
def collector_off() -> Iterator[None]:
    """The garbage collector off: what goes inside goes by reference counting alone."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def b64(text: str | bytes) -> str:
    """Base64 text of ``text`` (UTF-8 for str), as Mailkit carries encoded fields."""
    raw = text.encode() if isinstance(text, str) else text
    return base64.b64encode(raw).decode("ascii")


class CannedTransport:
    """Records each call's named parameters and answers with fixed bytes.

    The bytes go through the real wire decoder and Mailkit's answer check, so a typed
    method sees exactly what it would see from the network.
    """

    def __init__(self, wire: WireFormat, body: bytes) -> None:
        self.wire = wire
        self.body = body
        self.calls: list[tuple[str, dict[str, object]]] = []

    @property
    def name(self) -> str:
        return self.wire.name

    async def call(
        self,
        function: str,
        params: Mapping[str, object],
        *,
        credentials: Credentials,
        timeout: Timeout,
    ) -> Any:
        self.calls.append((function, dict(params)))
        value = self.wire.decode_response(self.body, function=function)
        return check_answer(function, spec_for(function), value)

    async def aclose(self) -> None:
        return None


def xml_response(value: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><methodResponse><params><param>'
        f"<value>{value}</value></param></params></methodResponse>"
    ).encode()
