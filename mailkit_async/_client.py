"""``MailkitClient``: credentials, transport, retries and the typed namespaces."""

from __future__ import annotations

import ipaddress
import logging
import os
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Literal, Self

import aiohttp
import attrs
import cattrs
from yarl import URL

from ._catalog import spec_for
from ._codec import make_converter
from ._config import DEFAULT_LIMITS, DEFAULT_RETRY, DEFAULT_TIMEOUT, Limits, RetryPolicy, Timeout
from ._exceptions import ClientClosedError, ConfigurationError, MailkitError
from ._http import AiohttpSender
from ._resources._campaigns import CampaignsResource
from ._resources._delivery import DeliveryMethods
from ._resources._email import EmailResource
from ._resources._filemanager import FileManagerResource
from ._resources._lists import MailingListResource
from ._resources._profile import ProfileResource
from ._resources._reports import ReportResource
from ._retry import RetryBudget, retry_call
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
        verify_tls: Verify certificates; False is for tests against self-signed hosts.
        allow_http: Permit plain http to a non-loopback host.
        strict: Refuse unknown fields in answers (for tests that catch mapping gaps).
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
        verify_tls: bool = True,
        allow_http: bool = False,
        strict: bool = False,
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
        self.converter: cattrs.Converter = make_converter(strict=strict)
        """The cattrs converter typed methods structure answers with."""
        if not verify_tls:
            logger.warning("TLS certificate verification is off for %s", URL(base_url).host)
        if isinstance(transport, str):
            if transport not in ("json", "xmlrpc"):
                raise ConfigurationError(f"transport must be 'json' or 'xmlrpc', not {transport!r}")
            wire: WireFormat = JsonWire() if transport == "json" else XmlRpcWire()
            sender = AiohttpSender(session, limits=limits, verify_tls=verify_tls)
            self._transport: Transport = RpcTransport(wire, sender, self._base_url, limits=limits)
            self._owns_transport = True
        elif isinstance(transport, Transport):
            self._transport = transport
            self._owns_transport = False
        else:
            raise ConfigurationError("transport must be 'json', 'xmlrpc' or a Transport")
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
        """Whether :meth:`aclose` was called."""
        return self._closed

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
        if self._closed:
            raise ClientClosedError("the client is closed", function=function)
        spec = spec_for(function)
        idempotent = bool(spec and spec.idempotent)
        limits = timeout or self._timeout
        policy = retry or self._retry
        arguments = dict(params or {})
        attempts = 0

        async def attempt(time_left: float) -> WireValue:
            nonlocal attempts
            attempts += 1
            per_attempt = attrs.evolve(limits, total=min(limits.total, time_left))
            started = time.monotonic()
            try:
                value = await self._transport.call(
                    function, arguments, credentials=self._credentials, timeout=per_attempt
                )
            except MailkitError as error:
                _annotate(error, function, idempotent)
                logger.debug(
                    "%s via %s attempt %d failed after %.3fs: %s",
                    function,
                    self._transport.name,
                    attempts,
                    time.monotonic() - started,
                    type(error).__name__,
                )
                raise
            logger.debug(
                "%s via %s attempt %d ok in %.3fs",
                function,
                self._transport.name,
                attempts,
                time.monotonic() - started,
            )
            return value

        return await retry_call(
            attempt,
            idempotent=idempotent,
            policy=policy,
            deadline=time.monotonic() + limits.deadline,
            budget=self._budget,
        )

    async def aclose(self) -> None:
        """Close the connections this client opened. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> Self:
        if self._closed:
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


def _annotate(error: MailkitError, function: str, idempotent: bool) -> None:
    """Tell an error raised below the client which function and safety it belongs to."""
    if error.function is None:
        error.function = function
    if hasattr(error, "idempotent"):
        error.idempotent = idempotent
