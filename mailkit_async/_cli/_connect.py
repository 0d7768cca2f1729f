"""Connection options shared by every command that talks to Mailkit, and the client they make.

Credentials come from the environment (``MAILKIT_CLIENT_ID``, ``MAILKIT_CLIENT_MD5``,
``MAILKIT_BASE_URL``, ``MAILKIT_TRANSPORT``, read by ``MailkitClient.from_env``); the
flags override them. The options are accepted before or after the command name.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from .._client import DEFAULT_BASE_URL, MailkitClient
from .._config import Timeout
from .._exceptions import ConfigurationError
from ._exit import UsageError
from ._policy import positive

__all__ = ["add_connection_options", "base_url_of", "open_client"]

_HINTS = {
    "MAILKIT_CLIENT_ID": "export it or pass --client-id",
    "MAILKIT_CLIENT_MD5": "export it (--client-md5 works too, but shows the secret to anyone"
    " listing processes)",
}


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--client-id``, ``--client-md5``, ``--transport``, ``--base-url``, ``--timeout``.

    Defaults are suppressed so that the same options on the main parser and on a
    command's parser do not overwrite each other.
    """
    group = parser.add_argument_group("connection (default: the MAILKIT_* environment)")
    group.add_argument(
        "--client-id",
        default=argparse.SUPPRESS,
        metavar="ID",
        help="the account's API ID (default: $MAILKIT_CLIENT_ID)",
    )
    group.add_argument(
        "--client-md5",
        default=argparse.SUPPRESS,
        metavar="SECRET",
        help="the API secret (default: $MAILKIT_CLIENT_MD5). Discouraged: a flag is visible"
        " to anyone who can list processes; prefer the environment variable",
    )
    group.add_argument(
        "--transport",
        choices=("json", "xmlrpc"),
        default=argparse.SUPPRESS,
        help="wire format (default: $MAILKIT_TRANSPORT, else json)",
    )
    group.add_argument(
        "--base-url",
        default=argparse.SUPPRESS,
        metavar="URL",
        help=f"API host (default: $MAILKIT_BASE_URL, else {DEFAULT_BASE_URL})",
    )
    group.add_argument(
        "--timeout",
        type=positive,
        default=argparse.SUPPRESS,
        metavar="SECONDS",
        help="longest time one API call may take, retries included (default 300)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS,
        help="show tracebacks and log each API attempt (secrets redacted) on stderr",
    )


def base_url_of(args: argparse.Namespace) -> str:
    """The API host the command talks to (for messages; it holds no secret)."""
    given = getattr(args, "base_url", None) or os.environ.get("MAILKIT_BASE_URL")
    return str(given or DEFAULT_BASE_URL)


def _timeout(seconds: float) -> Timeout:
    return Timeout(
        connect=min(10.0, seconds),
        read=min(60.0, seconds),
        total=min(120.0, seconds),
        deadline=seconds,
    )


def open_client(args: argparse.Namespace, *, default_timeout: float | None = None) -> MailkitClient:
    """A client from the environment and the flags; ``UsageError`` when something is missing.

    ``default_timeout`` replaces the library's per-call deadline when ``--timeout`` is
    not given.
    """
    overrides: dict[str, Any] = {}
    for name in ("client_id", "client_md5", "transport", "base_url"):
        value = getattr(args, name, None)
        if value:
            overrides[name] = value
    seconds = getattr(args, "timeout", None) or default_timeout
    if seconds is not None:
        overrides["timeout"] = _timeout(seconds)
    try:
        return MailkitClient.from_env(**overrides)
    except ConfigurationError as error:
        message = error.message
        for variable, hint in _HINTS.items():
            if message.startswith(variable):
                raise UsageError(f"{message}: {hint}") from None
        raise UsageError(message) from None
