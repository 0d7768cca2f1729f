"""The only module that does network I/O: one HTTP POST per call, on aiohttp.

``AiohttpSender`` owns (or borrows) one ``aiohttp.ClientSession`` and turns aiohttp's
exceptions into the library's. A failure before a connection was obtained (DNS,
refused, TLS, connect timeout, no free pool slot) becomes ``ConnectError`` or
``TLSError``: the request never left. A failure after that becomes
``MailkitTimeout`` or ``ConnectionLostError``: the outcome is unknown. On a session
the sender created itself, "a connection was obtained" is known exactly (its
connector marks the attempt's probe); on a borrowed session it is inferred from the
exception class.

It never retries, never follows redirects, sends every request with explicit
``total``, ``connect``, ``sock_connect`` and ``sock_read`` limits, and reads at most
``max_response_bytes`` of a body (checked against Content-Length first, then while
streaming the decompressed body); a larger body closes the connection instead of
returning it to the pool.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping, Sequence
from typing import Protocol

import aiohttp
import attrs
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from yarl import URL

from ._config import DEFAULT_LIMITS, Limits, Timeout
from ._exceptions import (
    ClientClosedError,
    ConnectError,
    ConnectionLostError,
    MailkitError,
    MailkitTimeout,
    ResponseTooLargeError,
    TLSError,
)
from ._probe import AttemptProbe, current_probe, probing
from ._version import __version__

__all__ = ["USER_AGENT", "AiohttpSender", "HttpSender", "RawResponse"]

USER_AGENT = f"mailkit-async/{__version__}"
_CHUNK = 64 * 1024

logger = logging.getLogger("mailkit_async")


@attrs.frozen
class RawResponse:
    """An HTTP answer: status, headers (lower-cased names) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes = attrs.field(repr=lambda body: f"<{len(body)} bytes>")


class HttpSender(Protocol):
    """Posts one request body and returns the raw answer. Implementations do no retries."""

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: Timeout,
        max_response_bytes: int,
    ) -> RawResponse:
        """Send ``body`` to ``url`` once."""
        ...

    async def aclose(self) -> None:
        """Release the connections this sender owns."""
        ...


def client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    """The ``aiohttp.ClientTimeout`` of one attempt, with every field set explicitly."""
    return aiohttp.ClientTimeout(
        total=timeout.total,
        connect=timeout.connect,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


class _ProbingConnector(aiohttp.TCPConnector):
    """A connector that marks the running attempt's probe once it has a connection.

    From then on the request may have left; before it, it provably has not.
    """

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        connection = await super().connect(req, traces, timeout)
        probe = current_probe()
        if probe is not None:
            probe.connected = True
        return connection


class AiohttpSender:
    """The aiohttp seam. Closes only a session it created itself.

    Args:
        session: A session to borrow; its owner closes it. Without one, a session with
            its own connector is created on first use (inside the running loop).
        limits: Connection pool size.
        verify_tls: ``True`` verifies server certificates against the system's trust
            store; an ``ssl.SSLContext`` verifies with that context (e.g. a private CA);
            ``False`` turns verification off, for tests only, and logs a warning.
        trace_configs: aiohttp ``TraceConfig`` objects added to the session the sender
            creates (for OpenTelemetry or metrics at the HTTP level). Each request's
            ``trace_request_ctx`` is the library's own per-attempt record.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        limits: Limits = DEFAULT_LIMITS,
        verify_tls: bool | ssl.SSLContext = True,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._limits = limits
        self._verify_tls = verify_tls
        self._trace_configs = tuple(trace_configs)
        self._closed = False
        if verify_tls is False:
            logger.warning(
                "TLS certificate verification is OFF: anyone on the network path can read"
                " the API secret; use this only against a test server"
            )

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = _ProbingConnector(
                limit=self._limits.max_connections,
                limit_per_host=self._limits.max_connections,
                ssl=self._verify_tls,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
                trace_configs=list(self._trace_configs) or None,
            )
        return self._session

    @property
    def session(self) -> aiohttp.ClientSession | None:
        """The session in use, or None before the first call."""
        return self._session

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: Timeout,
        max_response_bytes: int,
    ) -> RawResponse:
        """Send ``body`` once; map aiohttp's failures to the library's errors."""
        if self._closed:
            raise ClientClosedError("the HTTP sender is closed")
        probe = current_probe()
        if probe is None:
            # Called on its own (not through the client): the connector still needs a
            # probe to mark.
            with probing(AttemptProbe()):
                return await self.post(
                    url, body, headers, timeout=timeout, max_response_bytes=max_response_bytes
                )
        if probe.capture_bodies:
            probe.request_body = body
        session = self._get_session()
        if session.closed:
            # A borrowed session its owner has closed: aiohttp would raise a bare
            # RuntimeError. Nothing was sent.
            raise ClientClosedError("the aiohttp session given to the client is closed")
        try:
            async with session.post(
                url,
                data=body,
                headers=dict(headers),
                allow_redirects=False,
                timeout=client_timeout(timeout),
                trace_request_ctx=probe,
            ) as response:
                probe.connected = True
                probe.status = response.status
                content = await _read_capped(response, max_response_bytes)
                if probe.capture_bodies:
                    probe.response_body = content
                return RawResponse(
                    status=response.status,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=content,
                )
        except MailkitError:
            raise
        except (aiohttp.ClientError, TimeoutError) as exc:
            # Only our own session carries the tracer that tells whether a connection
            # was obtained; on a borrowed one, the exception class has to tell.
            never_left = self._owns_session and not probe.connected
            raise _map_error(exc, _host(url), timeout, never_left=never_left) from exc

    async def aclose(self) -> None:
        """Close the session if this sender created it. Safe to call twice."""
        self._closed = True
        session = self._session
        # The session stays referenced until it is closed, so an aclose() that was
        # cancelled half-way can be repeated.
        if session is not None and self._owns_session and not session.closed:
            await session.close()
            # Let the connector's transports finish closing before the loop moves on.
            await asyncio.sleep(0)

    def __repr__(self) -> str:
        owner = "own" if self._owns_session else "borrowed"
        verify = "custom" if isinstance(self._verify_tls, ssl.SSLContext) else self._verify_tls
        return (
            f"AiohttpSender({owner} session, limit={self._limits.max_connections},"
            f" verify_tls={verify})"
        )


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    """The (decompressed) body, or ``ResponseTooLargeError`` once it passes ``cap`` bytes."""
    length = response.content_length
    if length is not None and length > cap:
        response.close()
        raise ResponseTooLargeError(
            f"the answer announces {length} bytes, over the {cap}-byte limit; not read"
        )
    if length is not None and "Content-Encoding" not in response.headers:
        # Not compressed: the body is exactly the announced length, already checked.
        return await response.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > cap:
            response.close()
            raise ResponseTooLargeError(
                f"the answer passed the {cap}-byte limit while being read; reading stopped"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _map_error(
    exc: aiohttp.ClientError | TimeoutError, host: str, timeout: Timeout, *, never_left: bool
) -> MailkitError:
    """The library error for an aiohttp failure, most specific class first."""
    if isinstance(exc, aiohttp.ClientSSLError):
        return TLSError(f"TLS with {host} failed: {_reason(exc)}")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return ConnectError(f"cannot connect to {host}: {_reason(exc)}")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return ConnectError(
            f"no connection to {host} within {timeout.connect:g}s (pool wait included)"
        )
    if never_left:
        return ConnectError(f"no connection to {host} was obtained ({type(exc).__name__})")
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return MailkitTimeout(f"no data from {host} for {timeout.read:g}s")
    if isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError):
        return ConnectionLostError(f"connection to {host} lost before the whole answer")
    if isinstance(exc, aiohttp.ClientOSError):
        return ConnectionLostError(f"connection to {host} failed: {_reason(exc)}")
    if isinstance(exc, aiohttp.ClientResponseError):
        return ConnectionLostError(f"unusable HTTP answer from {host}: {exc.status}")
    if isinstance(exc, TimeoutError):
        return MailkitTimeout(f"no complete answer from {host} within {timeout.total:g}s")
    return ConnectionLostError(f"HTTP error talking to {host}: {type(exc).__name__}")


def _reason(exc: BaseException) -> str:
    """A short reason from an OS-level error, without echoing anything the server sent."""
    inner = getattr(exc, "certificate_error", None) or getattr(exc, "os_error", None)
    source = inner if isinstance(inner, BaseException) else exc
    text = str(source).splitlines()[0] if str(source) else type(source).__name__
    return text[:200]


def _host(url: str) -> str:
    return URL(url).host or "?"
