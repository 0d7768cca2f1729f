"""Shared helpers of the hardening tests: hostile servers, a bystander, chain checks.

Not a test module (no ``test_`` prefix): imported by tests/test_hardening_*.py,
tests/test_http.py, tests/test_secrets.py and tests/test_load.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web

from mailkit_async import MailkitError

from .conftest import TRANSPORTS as TRANSPORTS


def free_port() -> int:
    """A loopback port nothing listens on (right now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def chain(error: BaseException) -> list[BaseException]:
    """The error and everything reachable through __cause__ and __context__."""
    seen: list[BaseException] = []
    pending = [error]
    while pending:
        current = pending.pop()
        if any(current is s for s in seen):
            continue
        seen.append(current)
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return seen


def assert_library_error(error: BaseException) -> None:
    """A MailkitError whose chain holds only library errors and transport exceptions.

    No parser or lookup exception (lxml, orjson, json, cattrs, binascii, KeyError,
    UnicodeDecodeError, RecursionError, a bare ValueError or TypeError) may hang on it.
    """
    assert isinstance(error, MailkitError), repr(error)
    for link in chain(error)[1:]:
        if isinstance(link, MailkitError):
            continue
        assert isinstance(link, aiohttp.ClientError | OSError | TimeoutError), repr(link)
        assert not isinstance(link, KeyError | RecursionError | UnicodeError), repr(link)
        assert not type(link).__module__.startswith(("lxml", "orjson", "json", "cattrs")), link


async def eventually(condition: Callable[[], object], seconds: float = 5.0) -> None:
    """Wait (polling every 10 ms) until ``condition()`` is true; fail after ``seconds``."""
    for _ in range(int(seconds * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the condition never became true")


class Bystander:
    """A TCP listener that only counts connections (it should never see any)."""

    def __init__(self) -> None:
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> Bystander:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def port(self) -> int:
        """The port listened on."""
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


Handler = Callable[[web.Request], Any]


@contextlib.asynccontextmanager
async def serve(
    handler: Handler, *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, list[str]]]:
    """A one-route aiohttp server for both endpoints; yields (base URL, request log)."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.StreamResponse:
        seen.append(request.path)
        result: web.StreamResponse = await handler(request)
        return result

    app = web.Application()
    app.router.add_post("/json.fcgi", record)
    app.router.add_post("/rpc.fcgi", record)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if ssl_context else "http"
    try:
        yield f"{scheme}://127.0.0.1:{port}", seen
    finally:
        await runner.cleanup()


def gzip_bomb(decompressed: int) -> bytes:
    """A gzip body that inflates to ``decompressed`` zero bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    parts = [packer.compress(block) for _ in range(decompressed // len(block))]
    parts.append(packer.flush())
    return b"".join(parts)


async def stream_chunks(
    request: web.Request, chunk: bytes, *, count: int | None, headers: dict[str, str]
) -> web.StreamResponse:
    """Write ``chunk`` ``count`` times (None: until the client goes away)."""
    response = web.StreamResponse(status=200, headers=headers)
    await response.prepare(request)
    sent = 0
    try:
        while count is None or sent < count:
            await response.write(chunk)
            sent += 1
    except (ConnectionError, RuntimeError):
        pass
    return response
