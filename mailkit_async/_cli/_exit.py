"""Exit codes of ``mailkit-async`` and the one-line explanation printed for each failure."""

from __future__ import annotations

import enum

from .._exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectError,
    DisallowedIPError,
    HTTPStatusError,
    MailkitError,
    MailkitTimeout,
    ProtocolError,
    TLSError,
    TransportError,
)

__all__ = ["ExitCode", "UsageError", "explain"]


class ExitCode(enum.IntEnum):
    """The process exit codes (also listed in the package docstring and ``docs/cli.md``)."""

    OK = 0
    """Done; for ``send-mass`` and ``results``: every recipient accepted."""
    FAILED = 1
    """Mailkit refused the call, its answer was unusable, or another error."""
    USAGE = 2
    """Bad arguments, missing credentials, an unreadable or malformed input file."""
    AUTHENTICATION = 3
    """Mailkit does not accept the client_id / client_md5 pair."""
    DISALLOWED_IP = 4
    """This machine's IP address is not on the account's allow-list."""
    UNREACHABLE = 5
    """No usable HTTP answer: connection refused, DNS, TLS, timeout, non-2xx status."""
    INCOMPLETE = 6
    """``send-mass`` / ``results``: some recipients ended rejected, not sent or unknown."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (SIGINT); what was known has been written."""


class UsageError(Exception):
    """A command-line mistake found after parsing (bad ``--json``, a malformed input row)."""


def explain(error: BaseException, base_url: str) -> tuple[ExitCode, str]:
    """The exit code for ``error`` and one line saying what went wrong and what to check.

    ``base_url`` is the API host the command talked to (it holds no secret).
    """
    if isinstance(error, UsageError):
        return ExitCode.USAGE, str(error)
    if isinstance(error, MailkitError):
        return _explain_mailkit(error, base_url)
    if isinstance(error, OSError):
        where = f": {error.filename}" if error.filename else ""
        return ExitCode.FAILED, f"{error.strerror or type(error).__name__}{where}"
    return ExitCode.FAILED, f"unexpected {type(error).__name__}: {error} (--debug shows where)"


def _explain_mailkit(error: MailkitError, base_url: str) -> tuple[ExitCode, str]:
    said = error.message
    if isinstance(error, AuthenticationError):
        return ExitCode.AUTHENTICATION, (
            f"authentication failed: Mailkit does not accept this client_id / client_md5"
            f" pair ({said}); check MAILKIT_CLIENT_ID and MAILKIT_CLIENT_MD5"
        )
    if isinstance(error, DisallowedIPError):
        return ExitCode.DISALLOWED_IP, (
            f"this machine's IP address may not use the account's API ({said}); add it to"
            " the allowed IP addresses in Mailkit's API settings"
        )
    if isinstance(error, ConfigurationError):
        return ExitCode.USAGE, str(error)
    if isinstance(error, TLSError):
        return ExitCode.UNREACHABLE, (
            f"the TLS handshake with {base_url} failed ({said}); is MAILKIT_BASE_URL right"
            " and its certificate trusted?"
        )
    if isinstance(error, ConnectError):
        return ExitCode.UNREACHABLE, (
            f"cannot connect to {base_url} ({said}); check MAILKIT_BASE_URL, DNS, proxies"
            " and firewalls"
        )
    if isinstance(error, MailkitTimeout):
        return ExitCode.UNREACHABLE, f"{base_url} did not answer in time ({said})"
    if isinstance(error, TransportError):
        return ExitCode.UNREACHABLE, f"the connection to {base_url} failed ({said})"
    if isinstance(error, HTTPStatusError):
        return ExitCode.UNREACHABLE, (
            f"{base_url} answered HTTP {error.status} instead of a Mailkit answer ({said})"
        )
    if isinstance(error, ProtocolError):
        return ExitCode.FAILED, f"the answer from {base_url} is not usable: {error}"
    if isinstance(error, APIError):
        return ExitCode.FAILED, f"Mailkit refused the call: {error}"
    return ExitCode.FAILED, str(error)
