"""Writing JSON, NDJSON and CSV for the command line; files replaced atomically.

JSON output shows bytes as base64 text and datetimes in ISO 8601; CSV cells show
None as an empty cell, datetimes in ISO 8601 and booleans as ``true``/``false``.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

import orjson

__all__ = [
    "CsvWriter",
    "NdjsonWriter",
    "RowWriter",
    "atomic_text",
    "csv_cell",
    "dumps",
    "open_output",
]


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot show a {type(value).__name__} as JSON")


def dumps(value: object, *, pretty: bool = False) -> str:
    """``value`` as JSON text: bytes as base64, datetimes ISO 8601, keys as given."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if pretty else 0)
    return orjson.dumps(value, default=_default, option=option).decode("utf-8")


def csv_cell(value: object) -> str:
    """One CSV cell: ``""`` for None, ISO 8601 dates, ``true``/``false``, else ``str``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode("ascii")
    return str(value)


class RowWriter(Protocol):
    """Writes dict rows one at a time (NDJSON or CSV)."""

    def write(self, row: Mapping[str, object]) -> None:
        """Write one row."""


class NdjsonWriter:
    """One JSON object per line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, row: Mapping[str, object]) -> None:
        """Write one row as a line of JSON."""
        self._stream.write(dumps(dict(row)))
        self._stream.write("\n")


class CsvWriter:
    """A header row of ``columns``, then one row per ``write`` (missing keys are empty)."""

    def __init__(self, stream: TextIO, columns: Sequence[str]) -> None:
        self._columns = tuple(columns)
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow(self._columns)

    def write(self, row: Mapping[str, object]) -> None:
        """Write one row's values in column order."""
        self._writer.writerow([csv_cell(row.get(name)) for name in self._columns])


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """A text file that replaces ``path`` only when the block ends without an error.

    Readers see either the old file or the complete new one, never half of it.
    """
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


@contextlib.contextmanager
def open_output(target: str, standard: TextIO) -> Iterator[TextIO]:
    """``target`` opened for writing text, or ``standard`` (stdout) for ``-``."""
    if target == "-":
        yield standard
        standard.flush()
        return
    with open(target, "w", encoding="utf-8", newline="") as stream:
        yield stream
