"""mailkit_async: an asyncio client for the Mailkit e-mailing platform.

Every Mailkit API function over JSON or XML-RPC with typed results, retries by
each function's safety, and a built-in emulator for tests (``mailkit_async.testing``).
"""

from ._catalog import FUNCTIONS
from ._client import DEFAULT_BASE_URL, MailkitClient
from ._config import (
    DEFAULT_LIMITS,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    Limits,
    RetryPolicy,
    Timeout,
)
from ._exceptions import (
    APIError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    ConnectError,
    ConnectionLostError,
    DisallowedIPError,
    EncodeError,
    HTTPStatusError,
    InvalidParametersError,
    MailkitError,
    MailkitTimeout,
    MalformedResponseError,
    NotFoundError,
    OutcomeUnknownError,
    ProtocolError,
    RateLimitError,
    RedirectError,
    RequestNotSentError,
    ResponseTooLargeError,
    ResponseValidationError,
    TransportError,
    UnsafeXMLError,
)
from ._http import AiohttpSender, HttpSender, RawResponse
from ._secret import Secret
from ._spec import Documentation, FunctionSpec, JsonLayout
from ._transport import Credentials, RpcTransport, Transport
from ._version import __version__
from ._wire import JsonWire, WireFormat, XmlRpcWire

__all__ = [
    "APIError",
    "AiohttpSender",
    "AuthenticationError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "ConnectError",
    "ConnectionLostError",
    "Credentials",
    "DEFAULT_BASE_URL",
    "DEFAULT_LIMITS",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "DisallowedIPError",
    "Documentation",
    "EncodeError",
    "FUNCTIONS",
    "FunctionSpec",
    "HTTPStatusError",
    "HttpSender",
    "InvalidParametersError",
    "JsonLayout",
    "JsonWire",
    "Limits",
    "MailkitClient",
    "MailkitError",
    "MailkitTimeout",
    "MalformedResponseError",
    "NotFoundError",
    "OutcomeUnknownError",
    "ProtocolError",
    "RateLimitError",
    "RawResponse",
    "RedirectError",
    "RequestNotSentError",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "RetryPolicy",
    "RpcTransport",
    "Secret",
    "Timeout",
    "Transport",
    "TransportError",
    "UnsafeXMLError",
    "WireFormat",
    "XmlRpcWire",
    "__version__",
]
