"""The Mailkit emulator: a loopback aiohttp server speaking Mailkit's JSON and XML-RPC.

``MailkitEmulator`` serves ``POST /json.fcgi`` and ``POST /rpc.fcgi`` from an
in-memory ``EmulatorState``, records every request it fully received, tracks how many
requests it handles at once and applies a scripted ``FaultPlan`` (delays, HTTP
statuses, dropped connections, stalls, raw or truncated bodies).

Each request goes: fault chosen -> body read -> parsed by the emulator's own codec
(``_codec``; never the client's) -> recorded -> fault applied -> allow-list and
credentials checked -> handler run -> answer rendered for the wire it came on.

Adding a handler
----------------
1. Make sure the function has a ``FunctionSpec`` in ``mailkit_async._catalog``: its
   ``json_layout`` and ``xml_slots`` are how the emulator names the arguments of
   both wires. (Without one, JSON arguments are merged from the top level and
   ``parameters``, and XML-RPC ones arrive as a list under ``"_args"``.)
2. In the area module (``_handlers_lists``, ``_handlers_campaigns``,
   ``_handlers_delivery`` or ``_handlers_reports``) write::

       @handler("mailkit.email.delete")
       def email_delete(state: EmulatorState, params: dict[str, object], wire: str) -> Answer:
           email_id = to_int(params.get("ID_email"))
           if email_id is None:
               raise CallError("Missing ID_email")
           ...
           return Answer.value("OK")

   Coerce leniently (``to_int``, ``to_flag``, ``to_text``, ``b64_text``), raise
   ``CallError(text)`` for Mailkit's error answers, keep state changes in
   ``EmulatorState`` (add collections or helpers there when needed) and return
   ``Answer.value(tree)`` (``NumericText`` for numbers JSON sends as text) or
   ``Answer.per_wire(json=..., xml=...)`` when the wires differ in shape.
3. Test both wires in ``tests/test_emulator.py`` with hand-written bodies.

Nothing in this module needs to change: importing the area module registers the
handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hmac
import os
import sys
import threading
import time
from collections.abc import Mapping
from typing import Final, Literal, TextIO

import attrs
from aiohttp import web

from .._catalog import FUNCTIONS
from . import (
    _handlers_campaigns,
    _handlers_delivery,
    _handlers_email,
    _handlers_files,
    _handlers_lists,
    _handlers_profile,
    _handlers_reports,
    _handlers_schedule,
)
from ._codec import (
    WIRES,
    BadRequest,
    ParsedCall,
    parse_json_call,
    parse_xmlrpc_call,
    render_json,
    render_xmlrpc,
)
from ._handlers_base import HANDLERS, Answer, CallError, to_int
from ._state import EmulatorState

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_MD5",
    "Fault",
    "FaultKind",
    "FaultPlan",
    "MD5_ENV",
    "MailkitEmulator",
    "RecordedRequest",
    "serve_forever",
]

# The area modules register their handlers when imported.
_AREAS: Final = (
    _handlers_campaigns,
    _handlers_delivery,
    _handlers_email,
    _handlers_files,
    _handlers_lists,
    _handlers_profile,
    _handlers_reports,
    _handlers_schedule,
)

DEFAULT_CLIENT_ID: Final = 12345
"""The emulator's API ID unless another is given."""
DEFAULT_CLIENT_MD5: Final = "0e6a9c4b1f2d3e5a7b8c9d0e1f2a3b4c"
"""The emulator's (public, test-only) API secret unless another is given."""
MD5_ENV: Final = "MAILKIT_EMULATOR_MD5"
"""Environment variable ``serve_forever`` reads the secret from when none is passed."""

JSON_PATH: Final = "/json.fcgi"
XMLRPC_PATH: Final = "/rpc.fcgi"
_MAX_REQUEST: Final = 128 * 1024 * 1024  # Mailkit's documented maximum request size
_TRUNCATED_START: Final = {"json": b'{"list": [', "xmlrpc": b"<?xml vers"}

Wire = Literal["json", "xmlrpc"]


# ---------------------------------------------------------------------------
# request log
# ---------------------------------------------------------------------------


@attrs.frozen
class RecordedRequest:
    """One request the emulator received in full and parsed.

    ``params`` holds the documented argument names, whichever wire carried them; the
    secret (``client_md5``) is never recorded. ``time`` is ``time.monotonic()`` when
    the body had been read; ``fault`` names the fault action applied, if any.
    """

    function: str
    wire: str
    params: dict[str, object]
    time: float
    client_id: object = None
    remote: str | None = None
    fault: str | None = None


# ---------------------------------------------------------------------------
# fault plan
# ---------------------------------------------------------------------------


class FaultKind(enum.Enum):
    """What a ``Fault`` does to the requests it matches."""

    DELAY = "delay"
    STATUS = "status"
    CLOSE_BEFORE_BODY = "close_before_body"
    CLOSE_AFTER_BODY = "close_after_body"
    STALL = "stall"
    RAW = "raw"
    ERROR = "error"
    TRUNCATE = "truncate"


def _check_wire(_: object, __: object, value: str | None) -> None:
    if value is not None and value not in WIRES:
        raise ValueError(f"wire must be one of {WIRES} or None, not {value!r}")


def _check_times(_: object, __: object, value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError("times must be at least 1, or None for every matching request")


@attrs.define(eq=False)
class Fault:
    """One scripted misbehaviour, for the next ``times`` matching requests.

    A fault matches by ``function`` (None = any) and ``wire`` (None = both) and applies
    to the next ``times`` such requests (None = all of them); build one with the
    factories (``Fault.delay(0.2, function="mailkit.sendmail_mass")``...). ``applied``
    counts the requests it has been applied to.
    """

    kind: FaultKind
    function: str | None = None
    wire: str | None = attrs.field(default=None, validator=_check_wire)
    times: int | None = attrs.field(default=1, validator=_check_times)
    seconds: float = 0.0
    status_code: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = attrs.Factory(dict)
    content_type: str = ""
    message: str = ""
    process: bool = False
    declared_length: int = 1000
    applied: int = attrs.field(default=0, init=False)

    def matches(self, function: str | None, wire: str) -> bool:
        """Whether this fault applies to a call of ``function`` on ``wire``."""
        if self.wire is not None and self.wire != wire:
            return False
        return self.function is None or self.function == function

    @property
    def exhausted(self) -> bool:
        """Whether the fault has been applied ``times`` times already."""
        return self.times is not None and self.applied >= self.times

    @classmethod
    def delay(
        cls,
        seconds: float,
        *,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Wait ``seconds`` after reading the request, then answer normally."""
        return cls(FaultKind.DELAY, function, wire, times, seconds=seconds)

    @classmethod
    def status(
        cls,
        code: int,
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        *,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer HTTP ``code`` (e.g. 503 with ``{"Retry-After": "1"}``) without processing."""
        return cls(
            FaultKind.STATUS,
            function,
            wire,
            times,
            status_code=code,
            body=body,
            headers=dict(headers or {}),
        )

    @classmethod
    def close_before_body(
        cls, *, function: str | None = None, wire: str | None = None, times: int | None = 1
    ) -> Fault:
        """Drop the connection without reading the body: nothing recorded or processed.

        With a ``function`` filter the body has to be read to learn the function; it
        is then discarded unrecorded, which the client cannot tell apart.
        """
        return cls(FaultKind.CLOSE_BEFORE_BODY, function, wire, times)

    @classmethod
    def close_after_body(
        cls,
        *,
        process: bool = True,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Record the call, apply it (unless ``process`` is False), then drop the connection.

        No answer at all is sent: the client cannot know whether the call took effect.
        """
        return cls(FaultKind.CLOSE_AFTER_BODY, function, wire, times, process=process)

    @classmethod
    def stall(
        cls,
        seconds: float,
        *,
        process: bool = True,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Record and process the call, then wait ``seconds`` before answering.

        With ``process=False`` the call is not applied and, after the wait, the
        connection is dropped unanswered (a server that hung).
        """
        return cls(FaultKind.STALL, function, wire, times, seconds=seconds, process=process)

    @classmethod
    def raw(
        cls,
        body: bytes,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        *,
        process: bool = False,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer exactly these bytes, for hostile-input tests.

        The call is applied to the state only with ``process=True``.
        """
        return cls(
            FaultKind.RAW,
            function,
            wire,
            times,
            status_code=status,
            body=body,
            content_type=content_type,
            process=process,
        )

    @classmethod
    def error(
        cls,
        message: str,
        *,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Answer this Mailkit error text in the wire's error shape, without processing."""
        return cls(FaultKind.ERROR, function, wire, times, message=message)

    @classmethod
    def truncate(
        cls,
        partial: bytes | None = None,
        *,
        declared_length: int = 1000,
        process: bool = True,
        function: str | None = None,
        wire: str | None = None,
        times: int | None = 1,
    ) -> Fault:
        """Process the call, then send a body shorter than its Content-Length and close.

        The header says ``declared_length`` bytes; only ``partial`` (by default the
        first 10 bytes of a plausible answer) is sent.
        """
        return cls(
            FaultKind.TRUNCATE,
            function,
            wire,
            times,
            body=partial or b"",
            declared_length=declared_length,
            process=process,
        )


class _Undecided(enum.Enum):
    UNDECIDED = enum.auto()


_UNDECIDED: Final = _Undecided.UNDECIDED


class FaultPlan:
    """The emulator's scripted faults, matched in the order they were added.

    Each request takes at most one fault: the first still-active one that matches.
    Taking a fault and counting it happen under a lock, so concurrent requests never
    share a fault beyond its ``times``.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> Fault:
        """Append a fault to the plan and return it (to inspect ``applied`` later)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """The faults that will still apply, in matching order."""
        with self._lock:
            return list(self._faults)

    def __len__(self) -> int:
        with self._lock:
            return len(self._faults)

    def __repr__(self) -> str:
        return f"FaultPlan({self.pending!r})"

    def _consume(self, fault: Fault) -> Fault:
        fault.applied += 1
        if fault.exhausted:
            self._faults.remove(fault)
        return fault

    def _take_for_wire(self, wire: str) -> Fault | _Undecided | None:
        """Before the body is read: the fault for any call on ``wire``, None, or undecided.

        Undecided when the first candidate filters on the function, which only the
        body tells.
        """
        with self._lock:
            for fault in self._faults:
                if fault.wire is not None and fault.wire != wire:
                    continue
                if fault.function is not None:
                    return _UNDECIDED
                return self._consume(fault)
            return None

    def _take(self, function: str | None, wire: str) -> Fault | None:
        """After the body is read: the first fault matching ``function`` on ``wire``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(function, wire):
                    return self._consume(fault)
            return None


# ---------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------


class MailkitEmulator:
    """An in-memory Mailkit on a loopback port, for tests, benchmarks and demos.

    ::

        async with MailkitEmulator() as emu:
            list_id = emu.state.add_mailing_list("Newsletter")
            ...  # point a client at emu.url with emu.client_id / emu.client_md5
            assert emu.calls("mailkit.sendmail_mass")

    Attributes:
        client_id: The API ID calls must carry.
        client_md5: The secret calls must carry (never logged, recorded or shown
            in ``repr``).
        host: The interface to listen on.
        state: The in-memory account; seed it with its ``add_*`` helpers.
        faults: The fault plan; ``emu.faults.add(Fault.status(503))``.
        requests: Every request received in full and parsed, in arrival order.
        disallowed_ip: When True every call answers "Disallowed IP <caller ip>".
        handler_errors: Exceptions raised by handlers (answered with HTTP 500); a
            non-empty list means an emulator bug.
    """

    DEFAULT_CLIENT_ID: Final = DEFAULT_CLIENT_ID
    DEFAULT_CLIENT_MD5: Final = DEFAULT_CLIENT_MD5

    def __init__(
        self,
        client_id: int = DEFAULT_CLIENT_ID,
        client_md5: str = DEFAULT_CLIENT_MD5,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        results_delay: float = 0.0,
    ) -> None:
        self.client_id = client_id
        self.client_md5 = client_md5
        self.host = host
        self._requested_port = port
        self.state = EmulatorState(results_delay=results_delay)
        self.faults = FaultPlan()
        self.requests: list[RecordedRequest] = []
        self.disallowed_ip = False
        self.handler_errors: list[Exception] = []
        self._port: int | None = None
        self._runner: web.AppRunner | None = None
        self._closing: asyncio.Event | None = None
        self._in_flight = 0
        self._peak = 0
        self._in_flight_by: dict[str, int] = {}
        self._peak_by: dict[str, int] = {}

    def __repr__(self) -> str:
        where = self.url if self._port is not None else "not started"
        return f"MailkitEmulator({where}, client_id={self.client_id})"

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        """Start listening (a free port when ``port`` is 0). Does nothing if started."""
        if self._runner is not None:
            return
        app = web.Application(client_max_size=_MAX_REQUEST)
        app.router.add_post(JSON_PATH, self._serve_json)
        app.router.add_post(XMLRPC_PATH, self._serve_xmlrpc)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._port = int(runner.addresses[0][1])
        self._closing = asyncio.Event()
        self._runner = runner

    async def aclose(self) -> None:
        """Stop serving: wake delayed requests, close connections. Safe to call twice."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self._closing is not None:
            self._closing.set()
        await runner.cleanup()

    async def __aenter__(self) -> MailkitEmulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    @property
    def port(self) -> int:
        """The port actually listened on; ``RuntimeError`` before ``start()``."""
        if self._port is None:
            raise RuntimeError("the emulator is not started")
        return self._port

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:54321`` (clients append the endpoint)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def json_url(self) -> str:
        """The JSON endpoint's full URL."""
        return self.url + JSON_PATH

    @property
    def xmlrpc_url(self) -> str:
        """The XML-RPC endpoint's full URL."""
        return self.url + XMLRPC_PATH

    @property
    def results_delay(self) -> float:
        """Seconds after a ``sendmail_mass`` call during which its results still say OK."""
        return self.state.results_delay

    @results_delay.setter
    def results_delay(self, seconds: float) -> None:
        self.state.results_delay = seconds

    # -- request log and concurrency ----------------------------------------

    def calls(self, function: str) -> list[RecordedRequest]:
        """The recorded requests for one function, in arrival order."""
        return [r for r in self.requests if r.function == function]

    def clear_requests(self) -> None:
        """Forget the request log and the concurrency peaks (in-flight counts stay)."""
        self.requests.clear()
        self._peak = self._in_flight
        self._peak_by = dict(self._in_flight_by)

    @property
    def in_flight(self) -> int:
        """Requests being handled right now."""
        return self._in_flight

    @property
    def peak_in_flight(self) -> int:
        """The most requests ever handled at the same time."""
        return self._peak

    def peak_in_flight_for(self, function: str) -> int:
        """The most requests for ``function`` ever handled at the same time."""
        return self._peak_by.get(function, 0)

    # -- serving ------------------------------------------------------------------

    async def _serve_json(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "json")

    async def _serve_xmlrpc(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, "xmlrpc")

    async def _serve(self, request: web.Request, wire: Wire) -> web.StreamResponse:
        self._in_flight += 1
        self._peak = max(self._peak, self._in_flight)
        try:
            return await self._receive(request, wire)
        finally:
            self._in_flight -= 1

    async def _receive(self, request: web.Request, wire: Wire) -> web.StreamResponse:
        early = self.faults._take_for_wire(wire)
        if isinstance(early, Fault) and early.kind is FaultKind.CLOSE_BEFORE_BODY:
            return _drop(request)
        try:
            body = await request.read()
        except web.HTTPException:
            raise
        except Exception:  # the client went away before the whole body arrived
            return _drop(request)
        call: ParsedCall | None = None
        problem = ""
        try:
            call = parse_json_call(body) if wire == "json" else parse_xmlrpc_call(body)
        except BadRequest as exc:
            problem = str(exc)
        function = call.function if call is not None else None
        fault = self.faults._take(function, wire) if early is _UNDECIDED else early
        if fault is not None and fault.kind is FaultKind.CLOSE_BEFORE_BODY:
            return _drop(request)
        if call is None:
            return await self._apply(request, wire, None, problem, fault)
        self.requests.append(
            RecordedRequest(
                call.function,
                wire,
                call.params,
                time.monotonic(),
                call.client_id,
                request.remote,
                fault.kind.value if fault is not None else None,
            )
        )
        name = call.function
        self._in_flight_by[name] = self._in_flight_by.get(name, 0) + 1
        self._peak_by[name] = max(self._peak_by.get(name, 0), self._in_flight_by[name])
        try:
            return await self._apply(request, wire, call, problem, fault)
        finally:
            self._in_flight_by[name] -= 1

    async def _apply(
        self,
        request: web.Request,
        wire: Wire,
        call: ParsedCall | None,
        problem: str,
        fault: Fault | None,
    ) -> web.StreamResponse:
        """Answer one request, shaped by its fault if it has one."""
        if fault is None:
            return self._answer(request, wire, call, problem)
        kind = fault.kind
        if kind is FaultKind.DELAY:
            await self._pause(fault.seconds)
            return self._answer(request, wire, call, problem)
        if kind is FaultKind.STATUS:
            return web.Response(status=fault.status_code, body=fault.body, headers=fault.headers)
        if kind is FaultKind.ERROR:
            return _render(wire, Answer.error(fault.message))
        if kind is FaultKind.RAW:
            if fault.process:
                self._answer(request, wire, call, problem)
            headers = {"Content-Type": fault.content_type} if fault.content_type else None
            return web.Response(status=fault.status_code, body=fault.body, headers=headers)
        if kind is FaultKind.CLOSE_AFTER_BODY:
            if fault.process:
                self._answer(request, wire, call, problem)
            return _drop(request)
        if kind is FaultKind.STALL:
            response = self._answer(request, wire, call, problem) if fault.process else None
            await self._pause(fault.seconds)
            return response if response is not None else _drop(request)
        # TRUNCATE
        response = self._answer(request, wire, call, problem) if fault.process else None
        content_type = response.content_type if response is not None else "text/plain"
        return await _truncated(request, fault, wire, content_type)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake at once when the emulator closes."""
        closing = self._closing
        if closing is None:  # pragma: no cover - only while not started
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await closing.wait()

    def _answer(
        self, request: web.Request, wire: Wire, call: ParsedCall | None, problem: str
    ) -> web.Response:
        """Check the caller and run the handler: the normal, fault-free answer."""
        if call is None:
            return web.Response(status=400, text=f"Bad request: {problem}")
        if self.disallowed_ip:
            return _render(wire, Answer.error(f"Disallowed IP {request.remote}"))
        if not self._authorized(call):
            return _render(wire, Answer.error("Unauthorized"))
        handle = HANDLERS.get(call.function)
        if handle is None and call.function in FUNCTIONS:
            # A documented function nobody has emulated yet: say so plainly rather than
            # answer something a client could take for Mailkit's own behaviour.
            return web.Response(
                status=501, text=f"the emulator has no handler for {call.function} yet"
            )
        if handle is None:
            return _render(wire, Answer.error("Unknown function"))
        try:
            answer = handle(self.state, call.params, wire)
        except CallError as exc:
            answer = exc.answer()
        except Exception as exc:
            self.handler_errors.append(exc)
            return web.Response(status=500, text=f"emulator handler failed: {type(exc).__name__}")
        return _render(wire, answer)

    def _authorized(self, call: ParsedCall) -> bool:
        secret = call.client_md5 if isinstance(call.client_md5, str) else ""
        same_secret = hmac.compare_digest(secret.encode(), self.client_md5.encode())
        return same_secret and to_int(call.client_id) == self.client_id


def _render(wire: str, answer: Answer) -> web.Response:
    if wire == "json":
        return web.Response(
            body=render_json(answer.json), content_type="application/json", charset="utf-8"
        )
    return web.Response(body=render_xmlrpc(answer.xml), content_type="text/xml", charset="utf-8")


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer.

    The response returned is never written: aiohttp finds the transport closed and
    treats it as a client disconnect, quietly.
    """
    request.protocol.force_close()
    return web.Response()


async def _truncated(
    request: web.Request, fault: Fault, wire: str, content_type: str
) -> web.StreamResponse:
    partial = fault.body or _TRUNCATED_START[wire]
    response = web.StreamResponse(status=200, headers={"Content-Type": content_type})
    response.content_length = max(fault.declared_length, len(partial) + 1)
    await response.prepare(request)
    await response.write(partial)
    request.protocol.force_close()  # flushes what was written, then closes
    return response


# ---------------------------------------------------------------------------
# command-line serving
# ---------------------------------------------------------------------------


async def serve_forever(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    client_id: int = DEFAULT_CLIENT_ID,
    client_md5: str | None = None,
    results_delay: float = 0.0,
    out: TextIO | None = None,
) -> None:
    """Run an emulator until cancelled, printing where it listens.

    The secret is never printed: it is ``client_md5`` if given, else the
    ``MAILKIT_EMULATOR_MD5`` environment variable, else ``DEFAULT_CLIENT_MD5``, and
    the output says which.
    """
    stream = out if out is not None else sys.stdout
    if client_md5:
        secret, source = client_md5, "the value given to the emulator"
    elif os.environ.get(MD5_ENV):
        secret, source = os.environ[MD5_ENV], f"${MD5_ENV}"
    else:
        secret = DEFAULT_CLIENT_MD5
        source = "mailkit_async.testing.MailkitEmulator.DEFAULT_CLIENT_MD5"
    emulator = MailkitEmulator(client_id, secret, host=host, port=port, results_delay=results_delay)
    async with emulator:
        lines = (
            f"Mailkit emulator listening on {emulator.url}",
            f"  JSON:       {emulator.json_url}",
            f"  XML-RPC:    {emulator.xmlrpc_url}",
            f"  client_id:  {client_id}",
            f"  client_md5: not shown; it is {source}",
        )
        print("\n".join(lines), file=stream, flush=True)
        await asyncio.Event().wait()
