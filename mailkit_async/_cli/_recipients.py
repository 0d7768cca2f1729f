"""Reading ``send-mass`` input: a CSV file with a header row, or NDJSON, into recipient dicts.

Columns (CSV) or keys (NDJSON), names compared without case:

- ``send_to`` (or ``email``): the address, required;
- ``first_name``, ``last_name``, ``custom1`` .. ``custom25``: personalisation data,
  sent in ``customs``; ``customs.NAME`` puts any other name there;
- ``content.NAME``: a template variable (``[% shared.NAME -%]``), sent base64-encoded;
- ``subject``, ``message_data``, ``template_file``: sent as the fields of that name;
- ``create_email``: ``true``/``false`` (also ``yes``/``no``/``1``/``0``);
- ``campaign_id``, ``mailinglist_id``: override the command's IDs for one row.

NDJSON lines may also carry ``customs`` and ``content`` as objects. Empty cells and
JSON nulls are left out. A row that breaks these rules is a ``UsageError`` naming the
file and line.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Final, Literal

import orjson

from ._exit import UsageError

__all__ = ["RecipientFile", "detect_format"]

Format = Literal["csv", "ndjson"]
_Kind = Literal["send_to", "text", "flag", "id", "customs", "content", "customs_map", "content_map"]

_CUSTOMS: Final = frozenset({"first_name", "last_name"} | {f"custom{n}" for n in range(1, 26)})
_TEXT: Final = frozenset({"subject", "message_data", "template_file"})
_IDS: Final = frozenset({"campaign_id", "mailinglist_id"})
_FLAGS: Final = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}
_SUFFIXES: Final[dict[str, Format]] = {
    ".csv": "csv",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
    ".json": "ndjson",
}
_ALLOWED: Final = (
    "send_to, first_name, last_name, custom1..custom25, customs.NAME, content.NAME,"
    " subject, message_data, template_file, create_email, campaign_id, mailinglist_id"
)


def detect_format(path: Path, given: str | None) -> Format:
    """The format by ``--format``, else by suffix, else by the first character (``{``)."""
    if given == "csv":
        return "csv"
    if given == "ndjson":
        return "ndjson"
    by_suffix = _SUFFIXES.get(path.suffix.lower())
    if by_suffix is not None:
        return by_suffix
    with path.open("r", encoding="utf-8-sig") as stream:
        head = stream.read(4096).lstrip()
    return "ndjson" if head.startswith("{") else "csv"


def _classify(key: str) -> tuple[_Kind, str] | None:
    name = key.strip()
    lowered = name.lower()
    if lowered in ("send_to", "email"):
        return "send_to", "send_to"
    if lowered in _TEXT:
        return "text", lowered
    if lowered == "create_email":
        return "flag", lowered
    if lowered in _IDS:
        return "id", lowered
    if lowered in _CUSTOMS:
        return "customs", lowered
    if lowered.startswith("customs.") and len(name) > len("customs."):
        return "customs", name[len("customs.") :]
    if lowered.startswith("content.") and len(name) > len("content."):
        return "content", name[len("content.") :]
    if lowered == "customs":
        return "customs_map", lowered
    if lowered == "content":
        return "content_map", lowered
    return None


def _text(value: object, what: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"{what} must be text, not {type(value).__name__}")


def _flag(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _FLAGS:
        return _FLAGS[value.strip().lower()]
    raise ValueError(f"create_email must be true or false, not {value!r}")


def _identifier(value: object, what: str) -> int:
    text = value.strip() if isinstance(value, str) else value
    if isinstance(text, str) and text.isdigit():
        text = int(text)
    if isinstance(text, int) and not isinstance(text, bool) and text > 0:
        return text
    raise ValueError(f"{what} must be a positive number, not {value!r}")


class _Builder:
    """Turns the (key, value) pairs of one row into a ``sendmail_mass`` recipient dict."""

    def __init__(self, create_email: bool | None, skip_unknown: bool) -> None:
        self._create_email = create_email
        self._skip_unknown = skip_unknown
        self._kinds: dict[str, tuple[_Kind, str] | None] = {}

    def kind_of(self, key: str) -> tuple[_Kind, str] | None:
        """How a column is used; ``ValueError`` for an unknown one unless skipped."""
        try:
            return self._kinds[key]
        except KeyError:
            pass
        kind = _classify(key)
        if kind is None and not self._skip_unknown:
            raise ValueError(
                f"unknown column {key!r} (known: {_ALLOWED}; --skip-unknown-columns ignores others)"
            )
        self._kinds[key] = kind
        return kind

    def build(self, pairs: Iterator[tuple[str, object]]) -> dict[str, Any]:
        """The recipient of one row; ``ValueError`` says what is wrong with it."""
        out: dict[str, Any] = {}
        customs: dict[str, str] = {}
        content: dict[str, Any] = {}
        for key, value in pairs:
            if value is None or value == "":
                continue
            kind = self.kind_of(key)
            if kind is None:
                continue
            what, name = kind
            if what == "send_to":
                out[name] = _text(value, name).strip()
            elif what == "text":
                out[name] = _text(value, name)
            elif what == "customs":
                customs[name] = _text(value, name)
            elif what == "content":
                content[name] = value
            elif what == "flag":
                out[name] = _flag(value)
            elif what == "id":
                out[name] = _identifier(value, name)
            elif isinstance(value, Mapping):
                for inner, item in value.items():
                    if item is None:
                        continue
                    if what == "customs_map":
                        customs[str(inner)] = _text(item, f"customs.{inner}")
                    else:
                        content[str(inner)] = item
            else:
                raise ValueError(f"{name} must be an object of NAME: value pairs")
        if not out.get("send_to"):
            raise ValueError("no send_to address")
        if customs:
            out["customs"] = customs
        if content:
            out["content"] = content
        if "create_email" not in out and self._create_email is not None:
            out["create_email"] = self._create_email
        return out


class RecipientFile:
    """The recipients of one input file, read lazily (one row in memory at a time).

    ``check()`` reads the whole file once and raises ``UsageError`` at the first bad
    row, so nothing is sent from a file that would fail half-way. Iterating yields
    ``(line number, recipient dict)`` pairs.
    """

    def __init__(
        self,
        path: Path,
        *,
        file_format: str | None = None,
        delimiter: str | None = None,
        create_email: bool | None = None,
        skip_unknown: bool = False,
    ) -> None:
        self.path = path
        try:
            self.format: Format = detect_format(path, file_format)
        except OSError as error:
            raise UsageError(f"cannot read {path}: {error.strerror or error}") from None
        self._delimiter = delimiter
        self._builder = _Builder(create_email, skip_unknown)

    def check(self) -> int:
        """Read every row once; return how many recipients there are."""
        count = sum(1 for _ in self)
        if count == 0:
            raise UsageError(f"{self.path}: no recipients")
        return count

    def __iter__(self) -> Iterator[tuple[int, dict[str, Any]]]:
        try:
            with self.path.open("r", encoding="utf-8-sig", newline="") as stream:
                rows = self._csv(stream) if self.format == "csv" else self._ndjson(stream)
                yield from rows
        except OSError as error:
            raise UsageError(f"cannot read {self.path}: {error.strerror or error}") from None
        except UnicodeDecodeError as error:
            raise UsageError(f"{self.path}: not UTF-8 text ({error.reason})") from None

    def _fail(self, line: int, problem: str) -> UsageError:
        return UsageError(f"{self.path}:{line}: {problem}")

    def _ndjson(self, stream: io.TextIOBase) -> Iterator[tuple[int, dict[str, Any]]]:
        build = self._builder.build
        for line, text in enumerate(stream, 1):
            if not text.strip():
                continue
            try:
                row = orjson.loads(text)
            except orjson.JSONDecodeError as error:
                raise self._fail(line, f"not JSON ({error})") from None
            if not isinstance(row, dict):
                raise self._fail(line, "each line must be a JSON object")
            try:
                yield line, build(iter(row.items()))
            except ValueError as error:
                raise self._fail(line, str(error)) from None

    def _csv(self, stream: io.TextIOBase) -> Iterator[tuple[int, dict[str, Any]]]:
        first = stream.readline()
        delimiter = self._delimiter or _guess_delimiter(first)
        header = next(csv.reader([first], delimiter=delimiter), [])
        if not header:
            raise self._fail(1, "no header row")
        try:
            for name in header:
                self._builder.kind_of(name)
        except ValueError as error:
            raise self._fail(1, str(error)) from None
        if not any(_classify(name) == ("send_to", "send_to") for name in header):
            raise self._fail(1, "no send_to (or email) column")
        width = len(header)
        reader = csv.reader(stream, delimiter=delimiter)
        build: Callable[[Iterator[tuple[str, object]]], dict[str, Any]] = self._builder.build
        try:
            for cells in reader:
                line = reader.line_num + 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                if len(cells) != width:
                    raise self._fail(line, f"{len(cells)} cells, the header has {width}")
                try:
                    yield line, build(zip(header, cells, strict=True))
                except ValueError as error:
                    raise self._fail(line, str(error)) from None
        except csv.Error as error:
            raise self._fail(reader.line_num + 1, f"not valid CSV ({error})") from None


def _guess_delimiter(header: str) -> str:
    """The most frequent of ``,``, ``;`` and tab in the header row (``,`` on a tie)."""
    counts = {mark: header.count(mark) for mark in (",", ";", "\t")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] > counts[","] else ","
