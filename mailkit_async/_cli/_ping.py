"""``mailkit-async ping``: one cheap authenticated call, to check credentials and reachability.

``mailkit.mailinglist.list`` is a read that needs valid credentials from an allowed IP
address, so its failure tells the three usual setup problems apart: bad credentials
(exit 3), an IP address not on the allow-list (exit 4), an endpoint that cannot be
reached (exit 5).
"""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

from ._connect import base_url_of, open_client
from ._exit import ExitCode

__all__ = ["add_parser", "run_ping"]

_PING_DEADLINE = 30.0  # seconds, unless --timeout says otherwise


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``ping`` on the command parser."""
    commands.add_parser(
        "ping",
        parents=parents,
        help="check credentials, IP allow-list and reachability with one cheap call",
        description="Call mailkit.mailinglist.list once. Exit 0 when it works, 3 for bad"
        " credentials, 4 for an IP address Mailkit does not allow, 5 when the endpoint"
        f" cannot be reached (gives up after {_PING_DEADLINE:g} s unless --timeout).",
    )


async def run_ping(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``ping``; failures raise and are explained by the caller."""
    client = open_client(args, default_timeout=_PING_DEADLINE)
    started = time.monotonic()
    async with client:
        lists = await client.mailinglist.list()
        transport = client.transport.name
    elapsed = (time.monotonic() - started) * 1000
    print(
        f"OK: client {client.client_id} is authenticated at {base_url_of(args)} over"
        f" {transport}; {len(lists)} mailing lists; {elapsed:.0f} ms",
        file=out,
    )
    return ExitCode.OK
