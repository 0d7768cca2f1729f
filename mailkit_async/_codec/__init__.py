"""The cattrs converter that maps the neutral value tree onto the attrs models.

One converter is built once per strictness. Field names are snake_case; on the wire a
field is looked up by ``metadata["wire"]`` or its upper-cased name, and incoming keys
are compared case-insensitively, so ``ID_send_message``, ``ID_SEND_MESSAGE`` and
``id_send_message`` all land in ``id_send_message``. Unknown keys are ignored (strict
mode, used by the tests, refuses them to catch mapping gaps).
"""

from __future__ import annotations

import functools
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from .._exceptions import ResponseValidationError
from ._hooks import (
    NULL_DATES,
    structure_bool,
    structure_date,
    structure_datetime,
    structure_float,
    structure_int,
    structure_str,
)

__all__ = ["make_converter", "structure", "wire_name"]

T = TypeVar("T")


def wire_name(field: attrs.Attribute[Any]) -> str:
    """The upper-cased key a field is read from."""
    return str(field.metadata.get("wire", field.name)).upper()


def _optional_inner(tp: Any) -> Any | None:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def _is_tuple_of(tp: Any) -> bool:
    args = typing.get_args(tp)
    return typing.get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def make_converter(*, strict: bool = False) -> cattrs.Converter:
    """Build a converter with Mailkit's hooks; ``strict`` refuses unknown keys."""
    conv = cattrs.Converter(forbid_extra_keys=strict, detailed_validation=True)
    for tp, hook in (
        (int, structure_int),
        (float, structure_float),
        (bool, structure_bool),
        (str, structure_str),
        (datetime, structure_datetime),
        (date, structure_date),
    ):
        conv.register_structure_hook(tp, hook)

    def optional_factory(tp: Any) -> Callable[[Any, Any], Any]:
        inner = _optional_inner(tp)
        inner_hook = conv.get_structure_hook(inner)
        nullable_text = inner not in (str,)

        def hook(value: Any, _: Any) -> Any:
            if value is None:
                return None
            if nullable_text and isinstance(value, str) and value.strip() in NULL_DATES:
                return None
            return inner_hook(value, inner)

        return hook

    conv.register_structure_hook_factory(lambda t: _optional_inner(t) is not None, optional_factory)

    def tuple_factory(tp: Any) -> Callable[[Any, Any], Any]:
        item = typing.get_args(tp)[0]
        item_hook = conv.get_structure_hook(item)

        def hook(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None or value == "":
                return ()  # Mailkit's "no data" spelling
            if isinstance(value, list | tuple):
                return tuple(item_hook(v, item) for v in value)
            if isinstance(value, str) and "," in value and item in (int, str):
                return tuple(item_hook(v, item) for v in value.split(",") if v.strip())
            return (item_hook(value, item),)  # a lone scalar where a list was documented

        return hook

    conv.register_structure_hook_factory(_is_tuple_of, tuple_factory)

    def attrs_factory(cl: type[Any]) -> Callable[[Any, Any], Any]:
        renames = {f.name: override(rename=wire_name(f)) for f in attrs.fields(cl)}
        inner = make_dict_structure_fn(cl, conv, **renames)  # type: ignore[arg-type]

        def hook(value: Any, _: Any) -> Any:
            if not isinstance(value, Mapping):
                raise TypeError(f"expected an object for {cl.__name__}, got {type(value).__name__}")
            return inner({str(k).upper(): v for k, v in value.items()}, cl)

        return hook

    conv.register_structure_hook_factory(attrs.has, attrs_factory)
    return conv


@functools.cache
def _default_converter(strict: bool) -> cattrs.Converter:
    return make_converter(strict=strict)


def structure(
    value: Any,
    cls: type[T],
    *,
    function: str,
    converter: cattrs.Converter | None = None,
    strict: bool = False,
    idempotent: bool = False,
) -> T:
    """Structure ``value`` into ``cls``; failures raise ``ResponseValidationError``.

    The error names the function and lists each problem with its path, such as
    ``invalid value for type, expected int @ $[3].ID_EMAIL``.
    """
    conv = converter or _default_converter(strict)
    try:
        return conv.structure(value, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError, KeyError) as exc:
        if isinstance(exc, cattrs.BaseValidationError):
            errors = cattrs.transform_error(exc, path="$")
        else:
            errors = [f"{exc} @ $"]
    # Raised outside the except block: the cattrs exception (which quotes answer values)
    # must not ride along as __context__.
    summary = "; ".join(errors[:5]) + (" …" if len(errors) > 5 else "")
    raise ResponseValidationError(
        f"the answer does not fit {getattr(cls, '__name__', cls)}: {summary}",
        function=function,
        errors=errors,
        idempotent=idempotent,
    )
