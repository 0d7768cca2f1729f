"""Argument parsing and dispatch for the ``mailkit-async`` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import traceback
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TextIO

from . import _call, _emulator, _ping, _report, _results, _send_mass
from ._connect import add_connection_options, base_url_of
from ._exit import ExitCode, explain
from ._reference import reference_table

__all__ = ["build_parser", "main"]

_Command = Callable[[argparse.Namespace, TextIO, TextIO], Coroutine[Any, Any, int]]

_API_COMMANDS: dict[str, _Command] = {
    "ping": _ping.run_ping,
    "call": _call.run_call,
    "send-mass": _send_mass.run_send_mass,
    "results": _results.run_results,
    "report": _report.run_report,
}

_EPILOG = """\
credentials come from MAILKIT_CLIENT_ID, MAILKIT_CLIENT_MD5, MAILKIT_BASE_URL and
MAILKIT_TRANSPORT; the connection options override them.

exit codes:
  0    done (send-mass / results: every recipient accepted)
  1    Mailkit refused the call, its answer was unusable, or another error
  2    usage: bad arguments, missing credentials, a malformed input file
  3    authentication failed (client_id / client_md5)
  4    this machine's IP address is not allowed by the account
  5    Mailkit unreachable: connection, DNS, TLS, timeout or HTTP status
  6    send-mass / results: some recipients rejected, not sent or unknown
  130  interrupted by Ctrl-C (what was known has been written)
"""


def build_parser() -> argparse.ArgumentParser:
    """The ``mailkit-async`` argument parser with every command."""
    common = argparse.ArgumentParser(add_help=False)
    add_connection_options(common)
    parser = argparse.ArgumentParser(
        prog="mailkit-async",
        description="Mailkit API from the command line: check credentials, call any"
        " function, send a campaign from a file, poll its results, export reports, or run"
        " a local emulator.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _ping.add_parser(commands, [common])
    _call.add_parser(commands, [common])
    _send_mass.add_parser(commands, [common])
    _results.add_parser(commands, [common])
    _report.add_parser(commands, [common])
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
    _emulator.add_parser(commands)
    return parser


def _log_to_stderr(debug: bool) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if debug:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("mailkit-async: %(levelname)s: %(message)s"))
    logger = logging.getLogger("mailkit_async")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    return handler


def _run_api_command(args: argparse.Namespace, command: _Command) -> int:
    debug = bool(getattr(args, "debug", False))
    handler = _log_to_stderr(debug)
    try:
        return asyncio.run(command(args, sys.stdout, sys.stderr))
    except KeyboardInterrupt:
        print("mailkit-async: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except Exception as error:
        if debug:
            traceback.print_exc()
        code, line = explain(error, base_url_of(args))
        print(f"mailkit-async: {line}", file=sys.stderr)
        return code
    finally:
        logging.getLogger("mailkit_async").removeHandler(handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code (see the package docstring)."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        if args.command != "call" or any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.params += extra  # KEY=VALUE pairs given after an option
    command = _API_COMMANDS.get(args.command)
    if command is not None:
        return int(_run_api_command(args, command))
    try:
        if args.command == "demo":
            from ._demo import run_demo  # loads the emulator: only for this command

            return asyncio.run(run_demo(sys.stdout))
        if args.command == "functions":
            print(reference_table())
            return ExitCode.OK
        asyncio.run(_emulator.run_emulator(args, sys.stdout))
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    return ExitCode.OK
