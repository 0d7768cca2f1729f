"""``mailkit-async call FUNCTION key=value ...``: any Mailkit function, the answer as JSON.

Parameters use the documented names. A ``key=value`` value is read as JSON when it
parses (``id=12`` is a number, ``flag=true`` a boolean, ``x='"12"'`` text) and as text
otherwise (``name=Newsletter``). ``--json '{...}'`` or ``--json @file.json`` gives an
object of parameters; ``key=value`` pairs go on top of it. The answer is printed as
JSON, with bytes as base64 and dates in ISO 8601.
"""

from __future__ import annotations

import argparse
import difflib
from pathlib import Path
from typing import Any, TextIO

import orjson

from .._catalog import FUNCTIONS
from ._connect import open_client
from ._exit import ExitCode, UsageError
from ._io import dumps

__all__ = ["add_parser", "parse_params", "resolve_function", "run_call"]


def add_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """Register ``call`` on the command parser."""
    parser = commands.add_parser(
        "call",
        parents=parents,
        help="call any Mailkit function with key=value parameters; print the answer as JSON",
        description="Call one Mailkit function by name (mailkit.mailinglist.list, or"
        " mailinglist.list) and print its decoded answer as JSON. Values are JSON when"
        " they parse, else text. `mailkit-async functions` lists the names.",
    )
    parser.add_argument("function", metavar="FUNCTION")
    parser.add_argument("params", nargs="*", metavar="KEY=VALUE")
    parser.add_argument(
        "--json",
        metavar="OBJECT",
        help="parameters as a JSON object, or @PATH to read it from a file",
    )
    parser.add_argument("--compact", action="store_true", help="print the answer on one line")


def resolve_function(name: str) -> str:
    """The catalogue name of a function given with or without ``mailkit.``, or its method."""
    wanted = name.strip()
    for candidate in (wanted, f"mailkit.{wanted}"):
        if candidate in FUNCTIONS:
            return candidate
    for full, spec in FUNCTIONS.items():
        if spec.method == wanted:
            return full
    close = difflib.get_close_matches(f"mailkit.{wanted.removeprefix('mailkit.')}", FUNCTIONS)
    hint = f"; did you mean {', '.join(close)}?" if close else "; see `mailkit-async functions`"
    raise UsageError(f"unknown function {name!r}{hint}")


def _json_object(argument: str) -> dict[str, Any]:
    if argument.startswith("@"):
        path = Path(argument[1:])
        try:
            text = path.read_bytes()
        except OSError as error:
            raise UsageError(f"--json: cannot read {path}: {error.strerror or error}") from None
    else:
        text = argument.encode("utf-8")
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as error:
        raise UsageError(f"--json: not valid JSON ({error})") from None
    if not isinstance(value, dict):
        raise UsageError("--json: parameters must be a JSON object")
    return value


def _value(raw: str) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return raw


def parse_params(pairs: list[str], json_argument: str | None) -> dict[str, Any]:
    """The call's parameters: the ``--json`` object, then each ``key=value`` over it."""
    params = _json_object(json_argument) if json_argument else {}
    for pair in pairs:
        key, separator, raw = pair.partition("=")
        if not separator or not key.strip():
            raise UsageError(f"parameter {pair!r} is not KEY=VALUE")
        params[key.strip()] = _value(raw)
    return params


async def run_call(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run ``call``; Mailkit's error answers raise and are explained by the caller."""
    function = resolve_function(args.function)
    params = parse_params(args.params, args.json)
    async with open_client(args) as client:
        answer = await client.call(function, params)
    print(dumps(answer, pretty=not args.compact), file=out)
    return ExitCode.OK
