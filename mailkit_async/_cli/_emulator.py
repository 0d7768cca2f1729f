"""``mailkit-async emulator``: a local Mailkit emulator, and how to point the CLI at it."""

from __future__ import annotations

import argparse
import asyncio
import os
import shlex
import sys
from typing import Any, TextIO

from ._policy import non_negative

__all__ = ["add_parser", "cli_hint", "run_emulator"]

_DEFAULT_MD5_NAME = "mailkit_async.testing.MailkitEmulator.DEFAULT_CLIENT_MD5"
_MD5_ENV = "MAILKIT_EMULATOR_MD5"  # as mailkit_async.testing.serve_forever reads it


def add_parser(commands: Any) -> None:
    """Register ``emulator`` on the command parser."""
    parser = commands.add_parser(
        "emulator",
        help="run the Mailkit emulator on a loopback port until interrupted",
        description="Serve both Mailkit wire formats from an in-memory account until Ctrl-C,"
        f" and print how to point the CLI at it. The API secret is ${_MD5_ENV} when set,"
        f" else {_DEFAULT_MD5_NAME}; it is never printed.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument(
        "--client-id",
        type=int,
        default=None,
        help="API ID calls must carry (default: MailkitEmulator.DEFAULT_CLIENT_ID, 12345)",
    )
    parser.add_argument(
        "--results-delay",
        type=non_negative,
        default=0.0,
        help="seconds sendmail_mass.results keeps answering OK before listing failures",
    )
    parser.add_argument(
        "--seed",
        action="store_true",
        help="create a campaign and a mailing list to try send-mass with",
    )


def cli_hint(base_url: str, client_id: int, md5_from_env: bool) -> list[str]:
    """Shell lines that point the CLI at an emulator (the secret itself is not shown)."""
    if md5_from_env:
        secret = f'"${_MD5_ENV}"'
    else:
        program = (
            "from mailkit_async.testing import MailkitEmulator as E; print(E.DEFAULT_CLIENT_MD5)"
        )
        secret = f'"$({shlex.quote(sys.executable)} -c {shlex.quote(program)})"'
    return [
        f"  export MAILKIT_BASE_URL={base_url}",
        f"  export MAILKIT_CLIENT_ID={client_id}",
        f"  export MAILKIT_CLIENT_MD5={secret}",
        "  mailkit-async ping",
    ]


async def run_emulator(args: argparse.Namespace, out: TextIO) -> None:
    """Serve until cancelled (Ctrl-C), after printing where and how to connect."""
    from ..testing import MailkitEmulator  # the server stack is loaded for this command only

    from_env = bool(os.environ.get(_MD5_ENV))
    secret = os.environ[_MD5_ENV] if from_env else MailkitEmulator.DEFAULT_CLIENT_MD5
    client_id = args.client_id or MailkitEmulator.DEFAULT_CLIENT_ID
    emulator = MailkitEmulator(
        client_id, secret, host=args.host, port=args.port, results_delay=args.results_delay
    )
    async with emulator:
        source = f"${_MD5_ENV}" if from_env else _DEFAULT_MD5_NAME
        lines = [
            f"Mailkit emulator listening on {emulator.url}",
            f"  JSON:       {emulator.json_url}",
            f"  XML-RPC:    {emulator.xmlrpc_url}",
            f"  client_id:  {client_id}",
            f"  client_md5: not shown; it is {source}",
        ]
        if args.seed:
            campaign_id = emulator.state.add_campaign("Test campaign", "Hello from the emulator")
            list_id = emulator.state.add_mailing_list("Test list")
            lines.append(f"  seeded:     campaign {campaign_id}, mailing list {list_id}")
        lines.append("Point the CLI at it from another shell:")
        lines += cli_hint(emulator.url, client_id, from_env)
        lines.append("Stop it with Ctrl-C.")
        print("\n".join(lines), file=out, flush=True)
        await asyncio.Event().wait()
