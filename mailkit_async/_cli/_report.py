"""``mailkit-async report raw-messages|raw-bounces|raw-responses``: stream an export to a file.

Rows come from the typed iterators (``client.report.iter_raw_messages`` ...), one page
in memory at a time, and are written as they arrive, as NDJSON (one object per line,
field names as in the models) or CSV (a header row of the model's fields). Dates are
written in ISO 8601 and missing values as JSON null or an empty cell.
"""

from __future__ import annotations

import argparse
import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any, Final, TextIO

import attrs

from .._client import MailkitClient
from ..models import RawBounce, RawMessage, RawResponse
from ._connect import open_client
from ._exit import ExitCode
from ._io import CsvWriter, NdjsonWriter, RowWriter, open_output
from ._policy import positive_int

__all__ = ["EXPORTS", "add_parser", "columns_of", "run_report"]

_Iterate = Callable[..., AsyncIterator[Any]]

EXPORTS: Final[dict[str, tuple[type[Any], Callable[[MailkitClient], _Iterate]]]] = {
    "raw-messages": (RawMessage, lambda client: client.report.iter_raw_messages),
    "raw-bounces": (RawBounce, lambda client: client.report.iter_raw_bounces),
    "raw-responses": (RawResponse, lambda client: client.report.iter_raw_responses),
}
"""Each export: its row model and the typed iterator that pages through it."""

_FLUSH_EVERY = 1000  # rows


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``report`` on the command parser."""
    parser = commands.add_parser(
        "report",
        parents=parents,
        help="export raw messages, bounces or responses as NDJSON or CSV",
        description="Page through one of Mailkit's raw exports and write every row as it"
        " arrives (memory stays bounded however long the export).",
    )
    parser.add_argument("export", choices=tuple(EXPORTS), metavar="EXPORT", help="; ".join(EXPORTS))
    parser.add_argument("--id-message", type=positive_int, metavar="N", help="one campaign only")
    parser.add_argument("--id-send", type=positive_int, metavar="N", help="one delivery only")
    parser.add_argument("--start", type=positive_int, metavar="N", help="first row ID (inclusive)")
    parser.add_argument(
        "--page-size",
        type=positive_int,
        default=25000,
        metavar="N",
        help="rows per call, 2 to 25000 (default 25000)",
    )
    parser.add_argument(
        "--format",
        choices=("ndjson", "csv"),
        help="default: csv for an --output ending in .csv, else ndjson",
    )
    parser.add_argument(
        "--output", metavar="PATH", default="-", help="file to write (default: stdout)"
    )


def columns_of(model: type[Any]) -> list[str]:
    """The model's field names: its own fields first, then those it inherits."""
    names = [field.name for field in attrs.fields(model)]
    own = set(inspect.get_annotations(model))
    return [n for n in names if n in own] + [n for n in names if n not in own]


def _writer(fmt: str, stream: TextIO, columns: list[str]) -> RowWriter:
    return CsvWriter(stream, columns) if fmt == "csv" else NdjsonWriter(stream)


async def run_report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``report``; returns the exit code."""
    model, iterator_of = EXPORTS[args.export]
    output: str = args.output
    fmt = args.format or ("csv" if output.lower().endswith(".csv") else "ndjson")
    columns = columns_of(model)
    written = 0
    async with open_client(args) as client:
        rows = iterator_of(client)(
            id_message=args.id_message,
            id_send=args.id_send,
            start=args.start,
            page_size=args.page_size,
        )
        with open_output(output, out) as stream:
            writer = _writer(fmt, stream, columns)
            try:
                async for row in rows:
                    writer.write({name: getattr(row, name) for name in columns})
                    written += 1
                    if written % _FLUSH_EVERY == 0:
                        stream.flush()
            finally:
                target = "stdout" if output == "-" else output
                print(f"{args.export}: {written} rows written to {target}", file=err)
    return ExitCode.OK
