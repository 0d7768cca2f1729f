"""The mailkit_async error tree.

Every error the library raises is a ``MailkitError``::

    MailkitError
    ├── ConfigurationError (ValueError)        bad arguments or settings, raised before any I/O
    │   └── EncodeError                        a value the chosen wire format cannot carry
    ├── ClientClosedError                      the client or bulk sender is already closed
    ├── TransportError                         no usable HTTP answer
    │   ├── RequestNotSentError                the request provably never left: safe to repeat
    │   │   ├── ConnectError                   DNS failure, refused, connect or pool-wait timeout
    │   │   └── TLSError                       certificate or TLS failure; not retried
    │   └── OutcomeUnknownError                the request may have reached Mailkit
    │       ├── MailkitTimeout (TimeoutError)  no answer within the read timeout or deadline
    │       └── ConnectionLostError            the connection dropped before a full answer
    ├── HTTPStatusError                        Mailkit answered with a non-2xx status
    │   └── RedirectError                      a 3xx answer; redirects are never followed
    ├── ProtocolError                          an answer the library cannot use
    │   ├── MalformedResponseError             not JSON / not a well-formed methodResponse
    │   │   ├── ResponseTooLargeError          the body exceeded the configured cap
    │   │   └── UnsafeXMLError                 DOCTYPE, entities or other hostile XML
    │   └── ResponseValidationError            the value does not fit the typed model
    └── APIError                               Mailkit answered with an error
        ├── AuthenticationError                "Unauthorized"
        ├── DisallowedIPError                  "Disallowed IP a.b.c.d"
        ├── InvalidParametersError             "Missing ...", "Bad email syntax", ...
        ├── NotFoundError                      "Invalid ID_...", unknown records
        ├── ConflictError                      "Mailing list exist", duplicates
        └── RateLimitError                     throttled; worth retrying later

Each error answers two questions: ``repeat_safe`` (can the same call be sent again
without risking a second effect, such as a second e-mail) and ``transient`` (is a
retry likely to succeed).

Errors raised by ``MailkitClient`` never show the API secret: its raw, JSON-escaped,
XML-escaped and percent-encoded forms are scrubbed from messages and attributes, and
their ``__cause__``/``__context__`` chains hold only library errors and transport
exceptions (aiohttp, ``OSError``, ``TimeoutError``), never a parser's exception with
body text in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

__all__ = [
    "APIError",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectionLostError",
    "DisallowedIPError",
    "EncodeError",
    "HTTPStatusError",
    "InvalidParametersError",
    "MailkitError",
    "MailkitTimeout",
    "MalformedResponseError",
    "NotFoundError",
    "OutcomeUnknownError",
    "ProtocolError",
    "RateLimitError",
    "RedirectError",
    "RequestNotSentError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "TLSError",
    "TransportError",
    "UnsafeXMLError",
    "error_for_message",
]


class MailkitError(Exception):
    """Base class of every error raised by mailkit_async."""

    transient: ClassVar[bool] = False
    """Whether trying the same call again later is likely to succeed."""

    def __init__(self, message: str, *, function: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.function = function

    @property
    def repeat_safe(self) -> bool:
        """Whether sending the same call again cannot cause a second effect."""
        return True

    def __str__(self) -> str:
        if self.function:
            return f"{self.function}: {self.message}"
        return self.message


class ConfigurationError(MailkitError, ValueError):
    """Arguments or settings are wrong; raised before anything is sent."""


class EncodeError(ConfigurationError):
    """A value cannot be carried by the chosen wire format (e.g. NaN, a huge int)."""


class ClientClosedError(MailkitError):
    """The client or bulk sender was used after it was closed."""


class TransportError(MailkitError):
    """No usable HTTP answer arrived."""


class RequestNotSentError(TransportError):
    """The request provably never left this machine: repeating it is always safe."""

    transient = True


class ConnectError(RequestNotSentError):
    """No connection was made: DNS failure, refused, connect timeout, or no free pool slot.

    The request was not sent, so retrying is safe for every function.
    """


class TLSError(RequestNotSentError):
    """The TLS handshake failed, e.g. the server's certificate is not trusted.

    Nothing was sent. It is not transient: retrying would meet the same certificate,
    so the client does not retry it.
    """

    transient = False


class OutcomeUnknownError(TransportError):
    """The request may have reached Mailkit, but no complete answer came back.

    ``repeat_safe`` is true only when the function itself is safe to repeat
    (reads, reports, status calls); never for sends and other writes.
    """

    transient = True

    def __init__(
        self, message: str, *, function: str | None = None, idempotent: bool = False
    ) -> None:
        super().__init__(message, function=function)
        self.idempotent = idempotent

    @property
    def repeat_safe(self) -> bool:
        """Only calls that are safe to repeat may be sent again after an unknown outcome."""
        return self.idempotent


class MailkitTimeout(OutcomeUnknownError, TimeoutError):
    """No answer arrived within the read timeout or the call's deadline."""


class ConnectionLostError(OutcomeUnknownError):
    """The connection dropped before the whole answer arrived."""


class HTTPStatusError(MailkitError):
    """Mailkit (or something in front of it) answered with a non-2xx HTTP status.

    Mailkit reports API errors inside HTTP 200 bodies, so any other status comes from the
    web server or a proxy. 429 and 5xx are transient; whether the call had an effect is
    unknown, so ``repeat_safe`` follows the function's own safety.
    """

    _TRANSIENT_STATUSES: ClassVar[frozenset[int]] = frozenset({408, 429, 500, 502, 503, 504})

    def __init__(
        self,
        message: str,
        *,
        status: int,
        function: str | None = None,
        idempotent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, function=function)
        self.status = status
        self.idempotent = idempotent
        self.retry_after = retry_after

    @property
    def transient(self) -> bool:  # type: ignore[override]
        """429, 408 and the usual 5xx gateway answers are worth another try."""
        return self.status in self._TRANSIENT_STATUSES

    @property
    def repeat_safe(self) -> bool:
        """A status from a proxy says nothing about whether Mailkit acted."""
        return self.idempotent


class RedirectError(HTTPStatusError):
    """A 3xx answer. Redirects are never followed: the body carries credentials."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        location_host: str | None,
        function: str | None = None,
        idempotent: bool = False,
    ) -> None:
        super().__init__(message, status=status, function=function, idempotent=idempotent)
        self.location_host = location_host


class ProtocolError(MailkitError):
    """Mailkit answered, but the answer cannot be used."""

    def __init__(
        self, message: str, *, function: str | None = None, idempotent: bool = False
    ) -> None:
        super().__init__(message, function=function)
        self.idempotent = idempotent

    @property
    def repeat_safe(self) -> bool:
        """A garbled answer may still mean the call took effect."""
        return self.idempotent


class MalformedResponseError(ProtocolError):
    """The body is not valid JSON / not a well-formed XML-RPC methodResponse."""


class ResponseTooLargeError(MalformedResponseError):
    """The body exceeded the configured size cap and was not parsed."""


class UnsafeXMLError(MalformedResponseError):
    """The XML carried a DOCTYPE, an entity or another construct that is never accepted."""


class ResponseValidationError(ProtocolError):
    """A decoded value does not fit the typed result model.

    ``errors`` lists one ``"message @ $.path"`` line per problem.
    """

    def __init__(
        self,
        message: str,
        *,
        function: str | None = None,
        errors: list[str] | None = None,
        idempotent: bool = False,
    ) -> None:
        super().__init__(message, function=function, idempotent=idempotent)
        self.errors = list(errors or [])


class APIError(MailkitError):
    """Mailkit rejected the call. Nothing was done, so repeating is safe (if seldom useful).

    ``message`` is Mailkit's own text (e.g. ``"Invalid ID_send"``); ``code`` is the JSON
    ``error_status`` or XML-RPC fault code when there was one.
    """

    def __init__(self, message: str, *, function: str | None = None, code: int | None = None):
        super().__init__(message, function=function)
        self.code = code


class AuthenticationError(APIError):
    """Mailkit does not accept this client_id / client_md5 pair ("Unauthorized")."""


class DisallowedIPError(APIError):
    """The caller's IP address is not on the account's allow-list ("Disallowed IP ...")."""


class InvalidParametersError(APIError):
    """A parameter is missing or malformed ("Missing ...", "Bad email syntax", ...)."""


class NotFoundError(APIError):
    """An ID or address does not exist in this account ("Invalid ID_...")."""


class ConflictError(APIError):
    """The record already exists or the action was already requested."""


class RateLimitError(APIError):
    """Mailkit throttled the call; trying again later may succeed."""

    transient = True


_EXACT: Mapping[str, type[APIError]] = {
    "Unauthorized": AuthenticationError,
    "Mailing list exist": ConflictError,
    "Email has already been inserted": ConflictError,
    "Directory is not empty": ConflictError,
    "Bad email syntax": InvalidParametersError,
    "Attachment is not allowed": InvalidParametersError,
    "Missing sender address": InvalidParametersError,
    "Missing name of mailing list": InvalidParametersError,
}
_PREFIXES: tuple[tuple[str, type[APIError]], ...] = (
    ("Disallowed IP", DisallowedIPError),
    ("Missing ", InvalidParametersError),
    ("Invalid ", NotFoundError),
    ("Too many ", RateLimitError),
)
_SUFFIXES: tuple[tuple[str, type[APIError]], ...] = (("is not unsubscribed", ConflictError),)


def error_for_message(
    message: str, *, function: str | None = None, code: int | None = None
) -> APIError:
    """Build the APIError subclass for one of Mailkit's documented error texts.

    The table is the only place that maps Mailkit's error strings to classes; an
    unknown text gives a plain ``APIError``.
    """
    text = message.strip()
    cls: type[APIError] | None = _EXACT.get(text)
    if cls is None:
        cls = next((c for p, c in _PREFIXES if text.startswith(p)), None)
    if cls is None:
        cls = next((c for s, c in _SUFFIXES if text.endswith(s)), APIError)
    return cls(text or "Mailkit reported an error without text", function=function, code=code)
