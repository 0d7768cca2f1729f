"""``MailkitClient``: credentials, transport, retries and the typed namespaces."""

from __future__ import annotations

import asyncio
import copy
import ipaddress
import logging
import os
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, Self, cast

import aiohttp
import attrs
import cattrs
from yarl import URL

from ._bulk import (
    BulkJobState,
    BulkOptions,
    BulkReport,
    BulkSender,
    SettlePolicy,
    make_sender,
    settle_job,
)
from ._catalog import spec_for
from ._codec import make_converter
from ._config import DEFAULT_LIMITS, DEFAULT_RETRY, DEFAULT_TIMEOUT, Limits, RetryPolicy, Timeout
from ._exceptions import ClientClosedError, ConfigurationError, MailkitError
from ._hooks import CallHooks
from ._http import AiohttpSender
from ._layout import without_none_members
from ._observe import CallObserver
from ._probe import probing
from ._redact import Redactor
from ._resources._campaigns import CampaignsResource
from ._resources._delivery import DeliveryMethods
from ._resources._email import EmailResource
from ._resources._filemanager import FileManagerResource
from ._resources._lists import MailingListResource
from ._resources._profile import ProfileResource
from ._resources._reports import ReportResource
from ._retry import AttemptObserver, RetryBudget, retry_call
from ._secret import Secret
from ._transport import Credentials, RpcTransport, Transport
from ._types import WireValue
from ._wire import JsonWire, WireFormat, XmlRpcWire

__all__ = ["DEFAULT_BASE_URL", "MailkitClient"]

DEFAULT_BASE_URL = "https://api.mailkit.eu"
"""Mailkit's API host; JSON goes to ``/json.fcgi`` and XML-RPC to ``/rpc.fcgi``."""

logger = logging.getLogger("mailkit_async")

_TransportName = Literal["json", "xmlrpc"]


def _client_id(value: int | str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ConfigurationError("client_id must be Mailkit's numeric API ID")
    text = str(value).strip()
    if not text.isdigit():
        raise ConfigurationError("client_id must be Mailkit's numeric API ID")
    return int(text)


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, *, allow_http: bool) -> str:
    url = URL(base_url)
    if url.scheme == "https" and url.host:
        return base_url
    if url.scheme == "http" and url.host and (allow_http or _is_loopback(url.host)):
        return base_url
    if url.scheme == "http":
        raise ConfigurationError(
            "plain HTTP would send client_md5 unencrypted; use https, a loopback emulator,"
            " or pass allow_http=True"
        )
    raise ConfigurationError(f"base_url must be an https URL, got {base_url!r}")


class MailkitClient(DeliveryMethods):
    """An asyncio client for every Mailkit API function, over JSON or XML-RPC.

    Use one client per application (it keeps one connection pool) and close it with
    ``async with`` or :meth:`aclose`::

        async with MailkitClient(12345, "md5-secret") as client:
            lists = await client.mailinglist.list()

    Args:
        client_id: The account's API ID (Profile / Integration in Mailkit).
        client_md5: The account's API secret; never shown in logs or reprs.
        transport: ``"json"`` (default), ``"xmlrpc"``, or your own ``Transport``.
        base_url: Mailkit's API host. Plain http is refused except for loopback
            addresses (the emulator) or with ``allow_http``.
        session: An ``aiohttp.ClientSession`` to borrow; the client never closes it.
        timeout: Connect, read, per-attempt and per-call limits.
        retry: When failed calls are tried again (by each function's safety).
        limits: Connection pool and size caps.
        verify_tls: Verify certificates (default); an ``ssl.SSLContext`` verifies with it
            (e.g. a private CA); ``False`` turns verification off and logs a warning.
        allow_http: Permit plain http to a non-loopback host.
        strict: Refuse unknown fields in answers (for tests that catch mapping gaps).
        hooks: Callables told about every attempt and every finished call
            (see :class:`CallHooks`), for metrics and tracing.
        debug_bodies: Also log request and response bodies at DEBUG on the
            ``mailkit_async`` logger, with the API secret redacted. Off by default.
        trace_configs: aiohttp ``TraceConfig`` objects for the session the client
            creates (ignored when ``session`` is given: configure that one yourself).

    Every attempt logs one DEBUG line on the ``mailkit_async`` logger (function,
    transport, attempt number, HTTP status or error class, duration). Errors raised by
    the client never contain the API secret in any spelling.
    """

    def __init__(
        self,
        client_id: int | str,
        client_md5: str | Secret,
        *,
        transport: _TransportName | Transport = "json",
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy = DEFAULT_RETRY,
        limits: Limits = DEFAULT_LIMITS,
        verify_tls: bool | ssl.SSLContext = True,
        allow_http: bool = False,
        strict: bool = False,
        hooks: CallHooks | None = None,
        debug_bodies: bool = False,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        if not client_md5:
            raise ConfigurationError("client_md5 must not be empty")
        self._credentials = Credentials(_client_id(client_id), Secret(client_md5))
        self._base_url = _check_base_url(base_url, allow_http=allow_http)
        self._timeout = timeout
        self._retry = retry
        self._limits = limits
        self._budget = RetryBudget(retry)
        self._closed = False
        self._transport_closed = False
        self._parent: MailkitClient | None = None
        self._hooks = hooks
        self._debug_bodies = debug_bodies
        self._redactor = Redactor(self._credentials.client_md5.reveal())
        self.converter: cattrs.Converter = make_converter(strict=strict)
        """The cattrs converter typed methods structure answers with."""
        if isinstance(transport, str):
            if transport not in ("json", "xmlrpc"):
                raise ConfigurationError(f"transport must be 'json' or 'xmlrpc', not {transport!r}")
            wire: WireFormat = JsonWire() if transport == "json" else XmlRpcWire()
            sender = AiohttpSender(
                session, limits=limits, verify_tls=verify_tls, trace_configs=trace_configs
            )
            self._transport: Transport = RpcTransport(wire, sender, self._base_url, limits=limits)
            self._owns_transport = True
        elif isinstance(transport, Transport):
            self._transport = transport
            self._owns_transport = False
        else:
            raise ConfigurationError("transport must be 'json', 'xmlrpc' or a Transport")
        self._bind_namespaces()

    def _bind_namespaces(self) -> None:
        """Create the typed namespaces, bound to this client object."""
        self.campaigns = CampaignsResource(self)
        """Campaign management (``mailkit.campaigns.*``)."""
        self.mailinglist = MailingListResource(self)
        """Mailing lists and recipients (``mailkit.mailinglist.*``)."""
        self.email = EmailResource(self)
        """Recipient records (``mailkit.email.*``)."""
        self.report = ReportResource(self)
        """Reports (``mailkit.report*``)."""
        self.profile = ProfileResource(self)
        """Account profile (``mailkit.profile.*``)."""
        self.filemanager = FileManagerResource(self)
        """File manager (``mailkit.filemanager.*``)."""

    @classmethod
    def from_env(cls, **overrides: Any) -> Self:
        """A client configured from the environment.

        Reads ``MAILKIT_CLIENT_ID``, ``MAILKIT_CLIENT_MD5``, ``MAILKIT_BASE_URL`` and
        ``MAILKIT_TRANSPORT``; keyword arguments override them.
        """
        env = os.environ
        settings: dict[str, Any] = {}
        for key, var in (
            ("client_id", "MAILKIT_CLIENT_ID"),
            ("client_md5", "MAILKIT_CLIENT_MD5"),
            ("base_url", "MAILKIT_BASE_URL"),
            ("transport", "MAILKIT_TRANSPORT"),
        ):
            if env.get(var):
                settings[key] = env[var]
        settings.update(overrides)
        for key, var in (("client_id", "MAILKIT_CLIENT_ID"), ("client_md5", "MAILKIT_CLIENT_MD5")):
            if not settings.get(key):
                raise ConfigurationError(f"{var} is not set")
        client_id = settings.pop("client_id")
        client_md5 = settings.pop("client_md5")
        return cls(client_id, client_md5, **settings)

    @property
    def client_id(self) -> int:
        """The account's API ID."""
        return self._credentials.client_id

    @property
    def transport(self) -> Transport:
        """The transport calls go through."""
        return self._transport

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called (on this client or the one it was copied from)."""
        return self._closed or (self._parent is not None and self._parent.closed)

    def with_options(
        self,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        hooks: CallHooks | None = None,
    ) -> Self:
        """A light copy of this client with other defaults for timeouts, retries or hooks.

        The copy shares the connection pool, the transport and the retry budget, so it
        costs nothing to make per request or per task::

            patient = client.with_options(timeout=Timeout(read=300, deadline=900))
            report = await patient.report.message(message_id)

        Closing the copy does not close the shared connections; closing the original
        closes them for both.
        """
        if self.closed:
            raise ClientClosedError("the client is closed")
        clone = copy.copy(self)
        clone._timeout = timeout or self._timeout
        clone._retry = retry or self._retry
        clone._hooks = hooks if hooks is not None else self._hooks
        clone._owns_transport = False
        clone._closed = False
        clone._parent = self
        clone._bind_namespaces()
        return clone

    async def call(
        self,
        function: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
    ) -> WireValue:
        """Call any Mailkit function by name and return the decoded answer.

        ``params`` uses the documented parameter names (the keys of the JSON
        ``parameters`` object, or the documented top-level keys such as
        ``recipients``/``options`` of sendmail_mass); the client lays them out for the
        chosen wire format. Mailkit's error answers raise ``APIError`` subclasses;
        failed attempts are retried according to the function's safety.
        """
        return await self._call(function, params or {}, timeout=timeout, retry=retry)

    async def _call(
        self,
        function: str,
        params: Mapping[str, Any],
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        at_most_once: bool = False,
        on_attempt: AttemptObserver | None = None,
    ) -> WireValue:
        """``call()``, with the options of ``_call_encoded`` for the bulk engine."""
        if self.closed:
            raise ClientClosedError("the client is closed", function=function)
        try:
            body = self._encode(function, params)
        except MailkitError as error:
            self._observer(function).finish("error", error)  # no attempt was made
            raise
        if body is not None:
            return await self._call_encoded(
                function,
                body,
                timeout=timeout,
                retry=retry,
                at_most_once=at_most_once,
                on_attempt=on_attempt,
            )
        transport = self._transport
        arguments = dict(params)
        spec = spec_for(function)
        if spec is not None and spec.omit_none_members:
            # The rule both wires follow, for a transport that places parameters itself.
            arguments = cast("dict[str, Any]", without_none_members(arguments))
        credentials = self._credentials

        def send(limits: Timeout) -> Awaitable[WireValue]:
            return transport.call(function, arguments, credentials=credentials, timeout=limits)

        return await self._attempts(
            function, send, timeout, retry, at_most_once=at_most_once, on_attempt=on_attempt
        )

    def _encode(self, function: str, params: Mapping[str, Any]) -> bytes | None:
        """The request body of one call on the client's wire; None for a custom transport.

        Raises ``ConfigurationError`` (scrubbed of the API secret) for a value the wire
        cannot carry or a body above ``max_request_bytes``. Reports nothing, so the bulk
        engine can try sizes with it.
        """
        transport = self._transport
        if not isinstance(transport, RpcTransport):
            return None
        try:
            return transport.encode(function, params, credentials=self._credentials)
        except MailkitError as error:
            spec = spec_for(function)
            _annotate(error, function, bool(spec and spec.idempotent))
            self._redactor.scrub(error)
            raise

    async def _call_encoded(
        self,
        function: str,
        body: bytes,
        *,
        timeout: Timeout | None = None,
        retry: RetryPolicy | None = None,
        at_most_once: bool = False,
        on_attempt: AttemptObserver | None = None,
    ) -> WireValue:
        """Make one call whose request ``body`` is already encoded (see ``_encode``).

        The path every call takes: attempts retried by the function's safety and the
        policy, one DEBUG line and one ``on_attempt`` hook event per attempt, one
        ``on_call`` event, errors annotated and scrubbed of the API secret.
        ``at_most_once`` forbids any retry after an attempt that may have reached
        Mailkit, whatever ``retry_unsafe`` says; ``on_attempt`` is told about every
        attempt too (number, error or None, pause before the next or None).
        """
        if self.closed:
            raise ClientClosedError("the client is closed", function=function)
        transport = self._transport
        if not isinstance(transport, RpcTransport):
            raise ConfigurationError(
                "an encoded request needs the client's own JSON or XML-RPC transport",
                function=function,
            )

        def send(limits: Timeout) -> Awaitable[WireValue]:
            return transport.send(function, body, timeout=limits)

        return await self._attempts(
            function, send, timeout, retry, at_most_once=at_most_once, on_attempt=on_attempt
        )

    def _observer(self, function: str) -> CallObserver:
        """A fresh log-and-hooks observer for one call of ``function``."""
        return CallObserver(
            function,
            self._transport.name,
            hooks=self._hooks,
            redactor=self._redactor,
            debug_bodies=self._debug_bodies,
        )

    async def _attempts(
        self,
        function: str,
        send: Callable[[Timeout], Awaitable[WireValue]],
        timeout: Timeout | None,
        retry: RetryPolicy | None,
        *,
        at_most_once: bool,
        on_attempt: AttemptObserver | None,
    ) -> WireValue:
        """Run ``send(per-attempt limits)`` with retries, logging, hooks and redaction."""
        spec = spec_for(function)
        at_most_once = at_most_once or bool(spec and spec.at_most_once)
        idempotent = bool(spec and spec.idempotent) and not at_most_once
        limits = timeout or self._timeout
        policy = retry or self._retry
        if at_most_once and policy.retry_unsafe:
            policy = attrs.evolve(policy, retry_unsafe=False)
        observer = self._observer(function)
        report = observer.attempt_done if on_attempt is None else _both(observer, on_attempt)

        async def attempt(time_left: float) -> WireValue:
            with probing(observer.start_attempt()):
                try:
                    return await send(limits.for_attempt(time_left))
                except MailkitError as error:
                    _annotate(error, function, idempotent)
                    self._redactor.scrub(error)
                    raise

        try:
            value = await retry_call(
                attempt,
                idempotent=idempotent,
                policy=policy,
                deadline=time.monotonic() + limits.deadline,
                budget=self._budget,
                on_attempt=report,
            )
        except MailkitError as error:
            _annotate(error, function, idempotent)
            self._redactor.scrub(error)
            observer.finish("error", error)
            raise
        except asyncio.CancelledError:
            observer.finish("cancelled")
            raise
        observer.finish("ok")
        return value

    async def aclose(self) -> None:
        """Close the connections this client opened. Safe to call more than once.

        A copy made by :meth:`with_options` only marks itself closed.
        """
        self._closed = True
        if self._owns_transport and not self._transport_closed:
            # Marked only once the transport is closed: a cancelled aclose() can be retried.
            await self._transport.aclose()
            self._transport_closed = True

    async def __aenter__(self) -> Self:
        if self.closed:
            raise ClientClosedError("the client is closed")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return (
            f"MailkitClient(client_id={self.client_id}, transport={self._transport.name!r},"
            f" base_url={self._base_url!r})"
        )

    def bulk(
        self,
        campaign_id: int,
        mailinglist_id: int,
        *,
        options: BulkOptions | None = None,
        **overrides: Any,
    ) -> BulkSender:
        """A bulk sender for one campaign: batched ``sendmail_mass`` calls, each at most once.

        ::

            async with client.bulk(campaign_id, list_id, id_send="today") as sender:
                await sender.send_all(rows)
            print(sender.report.accepted, sender.report.unknown)

        ``overrides`` are ``BulkOptions`` fields (``max_in_flight=2``...), applied over
        ``options``. A call that may have reached Mailkit is never repeated: its
        recipients end ``UNKNOWN`` instead (see ``BulkSender`` and ``Outcome``).
        """
        return make_sender(self, campaign_id, mailinglist_id, options, overrides)

    async def settle_bulk(
        self, state: BulkJobState, *, policy: SettlePolicy | None = None
    ) -> BulkReport:
        """Poll the results of a (saved) bulk job until they settle; report every recipient.

        Only reads: nothing in ``state`` is sent again. See ``SettlePolicy``.
        """
        return await settle_job(self, state, policy=policy)


def _both(observer: CallObserver, also: AttemptObserver) -> AttemptObserver:
    """Tell the call's observer, then ``also``, about each attempt."""

    def report(number: int, error: MailkitError | None, pause: float | None) -> None:
        observer.attempt_done(number, error, pause)
        also(number, error, pause)

    return report


def _annotate(error: MailkitError, function: str, idempotent: bool) -> None:
    """Tell an error raised below the client which function and safety it belongs to."""
    if error.function is None:
        error.function = function
    if hasattr(error, "idempotent"):
        error.idempotent = idempotent
