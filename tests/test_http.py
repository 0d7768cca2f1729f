"""The aiohttp seam: explicit timeouts, error mapping, redirects, TLS and size caps.

Scenarios 10 (redirects to a bystander and to plain HTTP), 11 (self-signed TLS) and
13 (oversized, endless and gzip-bomb bodies) from guides/reliability.md, over both
transports.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import tracemalloc
from types import SimpleNamespace

import aiohttp
import pytest
import trustme
from aiohttp import web

from mailkit_async import (
    AiohttpSender,
    CallAttempt,
    CallHooks,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    Limits,
    MailkitClient,
    MailkitTimeout,
    RedirectError,
    ResponseTooLargeError,
    Timeout,
    TLSError,
)
from mailkit_async._http import _map_error, client_timeout
from mailkit_async._probe import AttemptProbe
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import (
    TRANSPORTS,
    Bystander,
    assert_library_error,
    gzip_bomb,
    serve,
    stream_chunks,
)
from tests.conftest import make_client

MD5 = "0e6a9c4b1f2d3e5a7b8c9d0e1f2a3b4c"
SAFE = "mailkit.campaigns.list"
EMPTY = {
    "json": b"[]",
    "xmlrpc": b"<?xml version='1.0'?><methodResponse><params><param><value><array><data>"
    b"</data></array></value></param></params></methodResponse>",
}
MiB = 1024 * 1024


def _wire(request: web.Request) -> str:
    return "json" if request.path == "/json.fcgi" else "xmlrpc"


# -- pure parts --------------------------------------------------------------------------


def test_every_request_gets_explicit_timeouts() -> None:
    mapped = client_timeout(Timeout(connect=1.5, read=2.5, total=3.5, deadline=9.0))
    assert mapped.total == 3.5
    assert mapped.connect == 1.5
    assert mapped.sock_connect == 1.5
    assert mapped.sock_read == 2.5


def test_timeout_for_attempt_shrinks_every_limit() -> None:
    base = Timeout(connect=10, read=60, total=120, deadline=300)
    assert base.for_attempt(500) == Timeout(connect=10, read=60, total=120, deadline=500)
    assert base.for_attempt(5) == Timeout(connect=5, read=5, total=5, deadline=5)
    assert base.for_attempt(-1).total > 0  # never zero: aiohttp reads 0 as "no limit"


@pytest.mark.parametrize(
    ("exc", "never_left", "expected"),
    [
        (aiohttp.ConnectionTimeoutError("pool"), False, ConnectError),
        (aiohttp.SocketTimeoutError("read"), False, MailkitTimeout),
        (aiohttp.SocketTimeoutError("read"), True, ConnectError),
        (aiohttp.ServerDisconnectedError(), False, ConnectionLostError),
        (aiohttp.ClientPayloadError("short"), False, ConnectionLostError),
        (aiohttp.ClientOSError(104, "reset"), False, ConnectionLostError),
        (TimeoutError(), False, MailkitTimeout),
        (TimeoutError(), True, ConnectError),
        (aiohttp.ClientError("other"), False, ConnectionLostError),
    ],
)
def test_error_mapping(exc: Exception, never_left: bool, expected: type[Exception]) -> None:
    mapped = _map_error(exc, "api.example", Timeout(), never_left=never_left)  # type: ignore[arg-type]
    assert type(mapped) is expected
    assert "api.example" in str(mapped)


def test_certificate_error_maps_to_tls_error_which_is_not_transient() -> None:
    key = SimpleNamespace(host="api.example", port=443, is_ssl=True, ssl=True)
    exc = aiohttp.ClientConnectorCertificateError(key, ssl.SSLCertVerificationError("bad"))  # type: ignore[arg-type]
    mapped = _map_error(exc, "api.example", Timeout(), never_left=True)
    assert isinstance(mapped, TLSError)
    assert not mapped.transient


async def test_borrowed_session_is_never_closed() -> None:
    async with aiohttp.ClientSession() as session:
        sender = AiohttpSender(session)
        await sender.aclose()
        assert not session.closed
        client = MailkitClient(1, MD5, session=session)
        await client.aclose()
        assert not session.closed
        assert "borrowed" in repr(sender)


async def test_trace_configs_reach_the_session(emulator: MailkitEmulator) -> None:
    started: list[object] = []

    async def on_start(session: object, context: SimpleNamespace, params: object) -> None:
        started.append(context.trace_request_ctx)

    tracer = aiohttp.TraceConfig()
    tracer.on_request_start.append(on_start)
    async with make_client(emulator, "json", trace_configs=[tracer]) as client:
        await client.call(SAFE)
        await client.call(SAFE)
    assert len(started) == 2
    assert all(isinstance(ctx, AttemptProbe) for ctx in started)


# -- scenario 10: redirects ----------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("status", [307, 308])
@pytest.mark.parametrize("target", ["bystander", "plain-http"])
async def test_redirects_are_not_followed(transport: str, status: int, target: str) -> None:
    async with Bystander() as bystander, MailkitEmulator() as emu:
        host = "127.0.0.1" if target == "bystander" else "bystander.example"
        location = f"http://{host}:{bystander.port}/json.fcgi?token=abc"
        body = b"<html>moved, here is some body text</html>"
        emu.faults.add(Fault.status(status, body, {"Location": location}, times=None))
        async with make_client(emu, transport) as client:
            with pytest.raises(RedirectError) as caught:
                await client.call(SAFE)
        await asyncio.sleep(0.05)
        assert bystander.connections == 0
        assert len(emu.requests) == 1
    error = caught.value
    assert error.status == status
    assert error.location_host == host
    assert str(status) in str(error)
    assert host in str(error)
    assert "body text" not in str(error)
    assert "token" not in str(error)
    assert_library_error(error)


# -- scenario 11: TLS ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_tls(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


async def _empty_answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=EMPTY[_wire(request)], content_type="text/xml")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_self_signed_certificate_is_refused_without_retry(
    transport: str, server_tls: ssl.SSLContext
) -> None:
    attempts: list[CallAttempt] = []
    async with serve(_empty_answer, ssl_context=server_tls) as (url, seen):
        client = MailkitClient(
            1,
            MD5,
            transport=transport,
            base_url=url,
            hooks=CallHooks(on_attempt=attempts.append),  # type: ignore[arg-type]
        )
        async with client:
            with pytest.raises(TLSError) as caught:
                await client.call(SAFE)
        assert seen == []
    assert len(attempts) == 1
    assert attempts[0].retry_in is None
    assert "certificate" in str(caught.value).lower()
    assert_library_error(caught.value)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_private_ca_through_an_ssl_context(
    transport: str, ca: trustme.CA, server_tls: ssl.SSLContext
) -> None:
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    async with serve(_empty_answer, ssl_context=server_tls) as (url, seen):
        async with MailkitClient(
            1, MD5, transport=transport, base_url=url, verify_tls=trusting
        ) as client:  # type: ignore[arg-type]
            assert await client.call(SAFE) == []
        assert len(seen) == 1


async def test_turning_verification_off_needs_the_option_and_logs_a_warning(
    server_tls: ssl.SSLContext, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mailkit_async")
    async with serve(_empty_answer, ssl_context=server_tls) as (url, seen):
        async with MailkitClient(1, MD5, base_url=url, verify_tls=False) as client:
            assert await client.call(SAFE) == []
        assert len(seen) == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "verification is OFF" in warnings[0].getMessage()


def test_plain_http_refused_except_loopback_or_opt_in() -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        MailkitClient(1, MD5, base_url="http://api.mailkit.eu")
    MailkitClient(1, MD5, base_url="http://api.mailkit.eu", allow_http=True)
    MailkitClient(1, MD5, base_url="http://127.0.0.1:1")
    MailkitClient(1, MD5, base_url="http://[::1]:1")


# -- scenario 13: oversized, endless and compressed bodies -----------------------------------


async def _announced_50mb(request: web.Request) -> web.StreamResponse:
    await request.read()
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.content_length = 50 * MiB
    await response.prepare(request)
    try:
        for _ in range(50 * 16):
            await response.write(b" " * (64 * 1024))
    except (ConnectionError, RuntimeError):
        pass
    return response


async def _endless(request: web.Request) -> web.StreamResponse:
    await request.read()
    return await stream_chunks(
        request, b"[" * 65536, count=None, headers={"Content-Type": "application/json"}
    )


_BOMB = gzip_bomb(200 * MiB)


async def _bomb(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(
        body=_BOMB, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(
    "handler", [_announced_50mb, _endless, _bomb], ids=["50MB", "endless", "gzip-bomb"]
)
async def test_oversized_bodies_are_cut_off(transport: str, handler: object) -> None:
    cap = 4 * MiB  # aiohttp's own buffers add a constant ~1.4 MiB on top of what we keep
    async with serve(handler) as (url, seen):  # type: ignore[arg-type]
        client = MailkitClient(
            1,
            MD5,
            transport=transport,
            base_url=url,
            limits=Limits(max_response_bytes=cap),  # type: ignore[arg-type]
        )
        async with client:
            tracemalloc.start()
            try:
                started = time.monotonic()
                with pytest.raises(ResponseTooLargeError) as caught:
                    await client.call(SAFE)
                elapsed = time.monotonic() - started
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
            connector = client.transport.sender.session.connector  # type: ignore[attr-defined]
            assert not connector._acquired
            assert not any(connector._conns.values())  # closed, not pooled
        assert len(seen) == 1  # a size error is not retried
    assert peak < 2 * cap
    assert elapsed < 2.0
    assert str(cap) in str(caught.value)
    assert_library_error(caught.value)


async def test_sender_used_on_its_own_tells_a_lost_answer_from_no_connection(
    emulator: MailkitEmulator,
) -> None:
    # Without the client's per-attempt probe, the sender's connector still marks the
    # moment a connection is in hand: a read timeout after it is an unknown outcome,
    # a refused connection is provably "never left".
    emulator.faults.add(Fault.delay(1.0, times=1))
    sender = AiohttpSender()
    url = emulator.url + "/json.fcgi"
    body = b'{"function": "mailkit.campaigns.list", "id": "1", "md5": "x"}'
    headers = {"Content-Type": "application/json"}
    short = Timeout(connect=1, read=0.2, total=0.5, deadline=1)
    try:
        with pytest.raises(MailkitTimeout):
            await sender.post(url, body, headers, timeout=short, max_response_bytes=MiB)
        answer = await sender.post(url, body, headers, timeout=Timeout(), max_response_bytes=MiB)
        assert answer.status == 200
        with pytest.raises(ConnectError):
            await sender.post(
                "http://127.0.0.1:9/json.fcgi", body, headers, timeout=short, max_response_bytes=MiB
            )
    finally:
        await sender.aclose()
