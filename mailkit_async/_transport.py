"""The pluggable transport seam: one attempt of one call over one wire format."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol, runtime_checkable

import attrs
from yarl import URL

from ._answers import check_answer
from ._catalog import spec_for
from ._config import DEFAULT_LIMITS, Limits, Timeout
from ._exceptions import (
    ConfigurationError,
    HTTPStatusError,
    RedirectError,
)
from ._http import HttpSender, RawResponse
from ._retry import parse_retry_after
from ._secret import Secret
from ._types import WireValue
from ._wire import WireFormat

__all__ = ["Credentials", "RpcTransport", "Transport"]


@attrs.frozen
class Credentials:
    """The account's API ID and secret; the secret never shows in a repr."""

    client_id: int
    client_md5: Secret


@runtime_checkable
class Transport(Protocol):
    """What ``MailkitClient`` calls: one attempt, no retries, raising library errors.

    A transport returns the decoded value of a successful answer and raises an
    ``APIError`` for Mailkit's error answers, so both wire formats behave the same.
    """

    @property
    def name(self) -> str:
        """``"json"``, ``"xmlrpc"`` or a name of your own."""
        ...

    async def call(
        self,
        function: str,
        params: Mapping[str, object],
        *,
        credentials: Credentials,
        timeout: Timeout,
    ) -> WireValue:
        """Make one attempt at one call."""
        ...

    async def aclose(self) -> None:
        """Release what the transport owns."""
        ...


class RpcTransport:
    """A wire format (JSON or XML-RPC) over an HTTP sender, against one base URL."""

    def __init__(
        self,
        wire: WireFormat,
        sender: HttpSender,
        base_url: str,
        *,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.wire = wire
        self.sender = sender
        self.url = base_url.rstrip("/") + wire.path
        self._host = URL(self.url).host or "?"
        self.limits = limits
        self._headers = {"Content-Type": wire.content_type, "Accept": wire.content_type}

    @property
    def name(self) -> str:
        """The wire format's name."""
        return self.wire.name

    def encode(
        self, function: str, params: Mapping[str, object], *, credentials: Credentials
    ) -> bytes:
        """The request body for one call (pure; lets callers measure it before sending)."""
        body = self.wire.encode_call(
            function,
            spec_for(function),
            credentials.client_id,
            credentials.client_md5.reveal(),
            params,
        )
        if len(body) > self.limits.max_request_bytes:
            raise ConfigurationError(
                f"request of {len(body)} bytes exceeds the {self.limits.max_request_bytes}-byte"
                " limit",
                function=function,
            )
        return body

    async def send(self, function: str, body: bytes, *, timeout: Timeout) -> WireValue:
        """Post an encoded call once and interpret the answer."""
        response = await self.sender.post(
            self.url,
            body,
            self._headers,
            timeout=timeout,
            max_response_bytes=self.limits.max_response_bytes,
        )
        return self.interpret(function, response)

    def interpret(self, function: str, response: RawResponse) -> WireValue:
        """Turn one raw answer into a value or the matching library error (pure)."""
        status = response.status
        if 300 <= status < 400:
            host, origin = _location(response.headers.get("location", ""))
            raise RedirectError(
                f"HTTP {status} redirect to {origin or 'an unnamed location'} was not followed"
                " (the request carries the API secret)",
                status=status,
                location_host=host,
                function=function,
            )
        if not 200 <= status < 300:
            raise HTTPStatusError(
                f"HTTP {status} from {self._host}",
                status=status,
                function=function,
                retry_after=parse_retry_after(response.headers.get("retry-after")),
            )
        value = self.wire.decode_response(response.body, function=function)
        return check_answer(function, spec_for(function), value)

    async def call(
        self,
        function: str,
        params: Mapping[str, object],
        *,
        credentials: Credentials,
        timeout: Timeout,
    ) -> WireValue:
        """Encode, send once, decode and check one call."""
        body = self.encode(function, params, credentials=credentials)
        return await self.send(function, body, timeout=timeout)

    async def aclose(self) -> None:
        """Close the HTTP sender."""
        await self.sender.aclose()

    def __repr__(self) -> str:
        return f"RpcTransport({self.wire!r}, url={self.url!r})"


def _location(location: str) -> tuple[str | None, str | None]:
    """(host, scheme://host[:port]) of a redirect target; path and query are left out."""
    if not location:
        return None, None
    try:
        url = URL(location)
        host = url.host
    except (ValueError, TypeError):
        return None, None
    if host is None:
        return None, None
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    port = "" if url.port in (None, default_port) else f":{url.port}"
    return host, f"{url.scheme}://{host}{port}"
