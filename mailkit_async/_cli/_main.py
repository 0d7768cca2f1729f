"""Argument parsing and dispatch for the ``mailkit-async`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from ._demo import run_demo
from ._reference import reference_table

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailkit-async",
        description="Mailkit API client: run the demo or a local Mailkit emulator.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "demo",
        help="run a mass send over both transports against a built-in emulator",
        description="Start an emulator, create a list, add recipients, send a campaign "
        "over JSON and XML-RPC, fetch results and the recipients report.",
    )
    commands.add_parser(
        "functions",
        help="print every Mailkit function with its typed method and safety (Markdown)",
    )
    emulator = commands.add_parser(
        "emulator",
        help="run the Mailkit emulator on a loopback port until interrupted",
    )
    emulator.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    emulator.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    emulator.add_argument(
        "--client-id", type=int, default=None, help="API ID calls must carry (default 12345)"
    )
    emulator.add_argument(
        "--results-delay",
        type=float,
        default=0.0,
        help="seconds sendmail_mass.results keeps answering OK before listing failures",
    )
    return parser


async def _run_emulator(args: argparse.Namespace) -> None:
    from ..testing import MailkitEmulator, serve_forever

    await serve_forever(
        args.host,
        args.port,
        client_id=args.client_id or MailkitEmulator.DEFAULT_CLIENT_ID,
        results_delay=args.results_delay,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return asyncio.run(run_demo(sys.stdout))
        if args.command == "functions":
            print(reference_table())
            return 0
        asyncio.run(_run_emulator(args))
    except KeyboardInterrupt:
        return 130
    return 0
