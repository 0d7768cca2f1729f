"""The only module that does network I/O: one HTTP POST per call, on aiohttp.

``AiohttpSender`` owns (or borrows) one ``aiohttp.ClientSession`` and turns aiohttp's
exceptions into the library's: a failure before the request left becomes
``ConnectError`` (safe to repeat), one after it may have left becomes
``MailkitTimeout`` or ``ConnectionLostError`` (outcome unknown). It never retries and
never follows redirects.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import Protocol

import aiohttp
import attrs
from yarl import URL

from ._config import DEFAULT_LIMITS, Limits, Timeout
from ._exceptions import (
    ConnectError,
    ConnectionLostError,
    MailkitTimeout,
    ResponseTooLargeError,
)
from ._version import __version__

__all__ = ["USER_AGENT", "AiohttpSender", "HttpSender", "RawResponse"]

USER_AGENT = f"mailkit-async/{__version__}"
_CHUNK = 64 * 1024


@attrs.frozen
class RawResponse:
    """An HTTP answer: status, headers (lower-cased names) and the whole body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


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


def _client_timeout(timeout: Timeout) -> aiohttp.ClientTimeout:
    # Every field set explicitly: aiohttp leaves total unset on a hand-built object.
    return aiohttp.ClientTimeout(
        total=timeout.total,
        connect=timeout.connect,
        sock_connect=timeout.connect,
        sock_read=timeout.read,
    )


class AiohttpSender:
    """The aiohttp seam. Closes only a session it created itself.

    Args:
        session: A session to borrow; its owner closes it. Without one, a session with
            its own connector is created on first use (inside the running loop).
        limits: Connection pool size.
        verify_tls: Verify server certificates. Turning this off is for tests only.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession | None = None,
        *,
        limits: Limits = DEFAULT_LIMITS,
        verify_tls: bool = True,
    ) -> None:
        self._session = session
        self._owns_session = session is None
        self._limits = limits
        self._verify_tls = verify_tls
        self._closed = False

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            ssl_option: ssl.SSLContext | bool = bool(self._verify_tls)
            connector = aiohttp.TCPConnector(
                limit=self._limits.max_connections,
                limit_per_host=self._limits.max_connections,
                ssl=ssl_option,
                enable_cleanup_closed=False,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                trust_env=False,
                headers={"User-Agent": USER_AGENT},
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
            raise ConnectError("the HTTP sender is closed")
        session = self._get_session()
        try:
            async with session.post(
                url,
                data=body,
                headers=dict(headers),
                allow_redirects=False,
                timeout=_client_timeout(timeout),
            ) as response:
                length = response.content_length
                if length is not None and length > max_response_bytes:
                    response.close()
                    raise ResponseTooLargeError(
                        f"response of {length} bytes exceeds the {max_response_bytes}-byte cap"
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.content.iter_chunked(_CHUNK):
                    size += len(chunk)
                    if size > max_response_bytes:
                        response.close()
                        raise ResponseTooLargeError(
                            f"response exceeds the {max_response_bytes}-byte cap"
                        )
                    chunks.append(chunk)
                return RawResponse(
                    status=response.status,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    body=b"".join(chunks),
                )
        except aiohttp.ClientConnectorError as exc:
            raise ConnectError(f"cannot connect to {_host(url)}: {exc.os_error}") from exc
        except aiohttp.ConnectionTimeoutError as exc:
            raise ConnectError(f"no connection to {_host(url)} within {timeout.connect}s") from exc
        except aiohttp.SocketTimeoutError as exc:
            raise MailkitTimeout(f"no data from {_host(url)} for {timeout.read}s") from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise ConnectionLostError(f"connection to {_host(url)} lost: {exc}") from exc
        except aiohttp.ClientOSError as exc:
            raise ConnectionLostError(f"connection to {_host(url)} failed: {exc}") from exc
        except aiohttp.ClientResponseError as exc:
            raise ConnectionLostError(f"bad HTTP answer from {_host(url)}: {exc.message}") from exc
        except TimeoutError as exc:
            raise MailkitTimeout(f"no complete answer within {timeout.total}s") from exc
        except aiohttp.ClientError as exc:
            raise ConnectionLostError(f"HTTP error talking to {_host(url)}: {exc}") from exc

    async def aclose(self) -> None:
        """Close the session if this sender created it. Safe to call twice."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()
            # Let the connector's transports finish closing before the loop moves on.
            await asyncio.sleep(0)

    def __repr__(self) -> str:
        owner = "own" if self._owns_session else "borrowed"
        return f"AiohttpSender({owner} session, limit={self._limits.max_connections})"


def _host(url: str) -> str:
    return URL(url).host or "?"
