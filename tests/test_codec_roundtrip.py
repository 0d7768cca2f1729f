"""Round trips through both wire formats, built by Hypothesis from the attrs models.

For every result model in ``mailkit_async.models``: build instances, unstructure them
into the neutral tree the way answers carry them (keys upper-cased, dates as Mailkit
text), encode with each wire's response encoder, decode, structure back with a strict
converter, and compare. What a format cannot carry (XML-forbidden control characters,
integers beyond 64 bits, NaN and infinities) must raise ``EncodeError`` instead of
producing an invalid document.

``MAILKIT_ROUNDTRIP_EXAMPLES`` sets the examples per model (CI: 1000).
"""

from __future__ import annotations

import enum
import math
import os
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mailkit_async.models as models
from mailkit_async import EncodeError
from mailkit_async._codec import make_converter, wire_name
from mailkit_async._wire._json import dumps, loads
from mailkit_async._wire._xmlrpc import decode_method_response, encode_method_response

EXAMPLES = int(os.environ.get("MAILKIT_ROUNDTRIP_EXAMPLES", "60"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

INPUT_MODELS = frozenset(
    {"Attachment", "FileUpload", "ImportRecipient", "MassRecipient", "RecipientData"}
)
"""Models the library sends but never decodes; they have no answer to round-trip."""

XML_FORBIDDEN = "".join(chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)))
XML_FORBIDDEN += "\ufffe\uffff"

_xml_safe_chars = st.characters(exclude_categories=("Cs",), exclude_characters=XML_FORBIDDEN)
TEXT = st.one_of(
    st.text(_xml_safe_chars, max_size=20),
    st.sampled_from(["", " ", "<&>\"'", "]]>", "&amp;", "a\r\nb", "🦆 ř ß", "0042", "TRUE"]),
)
INT64 = st.one_of(
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1),
    st.sampled_from([2**31, -(2**31) - 1, 2**63 - 1, -(2**63), 0]),
)
FLOAT = st.floats(allow_nan=False, allow_infinity=False)
DATETIME = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
DATE = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))

CONVERTER = make_converter(strict=True)


class Unsupported(Exception):
    """A field type this test has no strategy for."""


def _optional(tp: Any) -> Any | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def strategy_for(tp: Any) -> st.SearchStrategy[Any]:
    """Values of type ``tp`` that both wire formats can carry."""
    inner = _optional(tp)
    if inner is not None:
        return st.none() | strategy_for(inner)
    origin = typing.get_origin(tp)
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy_for(args[0]), max_size=3).map(tuple)
        raise Unsupported(tp)
    if origin in (dict, Mapping) and typing.get_args(tp)[0] is str:
        return st.dictionaries(TEXT, TEXT, max_size=3)
    if isinstance(tp, type) and attrs.has(tp):
        return model_strategy(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return st.sampled_from(list(tp))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        str: TEXT,
        bool: st.booleans(),
        int: INT64,
        float: FLOAT,
        datetime: DATETIME,
        date: DATE,
    }
    if tp in simple:
        return simple[tp]
    raise Unsupported(tp)


def model_strategy(cls: type) -> st.SearchStrategy[Any]:
    hints = typing.get_type_hints(cls)
    fields = {f.name: strategy_for(hints[f.name]) for f in attrs.fields(cls) if f.init}
    return st.builds(cls, **fields)


def to_tree(value: Any) -> Any:
    """An instance as an answer carries it: upper-cased keys, dates as text."""
    if attrs.has(type(value)):
        return {
            wire_name(f): to_tree(getattr(value, f.name))
            for f in attrs.fields(type(value))
            if f.init
        }
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_tree(v) for v in value]
    if isinstance(value, Mapping):
        return {k: to_tree(v) for k, v in value.items()}
    return value


def _result_models() -> list[type]:
    return sorted(
        (
            getattr(models, name)
            for name in models.__all__
            if attrs.has(getattr(models, name)) and name not in INPUT_MODELS
        ),
        key=lambda cls: cls.__name__,
    )


RESULT_MODELS = _result_models()


def test_every_result_model_has_a_strategy() -> None:
    assert len(RESULT_MODELS) >= 10
    for cls in RESULT_MODELS:
        model_strategy(cls)  # raises Unsupported for a field type the wires cannot carry


@pytest.mark.parametrize("cls", RESULT_MODELS, ids=lambda c: c.__name__)
def test_models_round_trip_through_both_wires(cls: type) -> None:
    @SETTINGS
    @given(model_strategy(cls))
    def check(instance: Any) -> None:
        tree = to_tree(instance)
        from_json = CONVERTER.structure(loads(dumps(tree)), cls)
        from_xml = CONVERTER.structure(decode_method_response(encode_method_response(tree)), cls)
        assert from_json == instance
        assert from_xml == instance
        assert from_json == from_xml

    check()


# -- neutral trees with nesting --------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), INT64, FLOAT, TEXT)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=30,
)


@SETTINGS
@given(TREES)
def test_nested_trees_round_trip(tree: Any) -> None:
    assert loads(dumps(tree)) == tree
    assert decode_method_response(encode_method_response(tree)) == tree


@SETTINGS
@given(st.text(st.characters(exclude_categories=("Cs",)), max_size=30))
def test_json_carries_every_character(text: str) -> None:
    assert loads(dumps({"NAME": text})) == {"NAME": text}


# -- what a format cannot carry --------------------------------------------------------------


@SETTINGS
@given(
    st.text(_xml_safe_chars, max_size=10),
    st.sampled_from(XML_FORBIDDEN),
    st.text(_xml_safe_chars, max_size=10),
)
def test_xml_refuses_forbidden_characters(before: str, bad: str, after: str) -> None:
    text = before + bad + after
    with pytest.raises(EncodeError):
        encode_method_response({"NAME": text})
    with pytest.raises(EncodeError):
        encode_method_response({text: 1})
    assert loads(dumps({"NAME": text})) == {"NAME": text}  # JSON escapes them


@SETTINGS
@given(st.integers(min_value=2**64) | st.integers(max_value=-(2**63) - 1))
def test_integers_beyond_64_bits_are_refused(number: int) -> None:
    with pytest.raises(EncodeError):
        encode_method_response([number])
    with pytest.raises(EncodeError):
        dumps([number])


def test_xml_refuses_unsigned_64_bit_that_json_allows() -> None:
    with pytest.raises(EncodeError):
        encode_method_response(2**63)
    assert loads(dumps(2**64 - 1)) == 2**64 - 1


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_are_refused(number: float) -> None:
    with pytest.raises(EncodeError):
        encode_method_response({"REV": number})
    with pytest.raises(EncodeError):
        dumps({"REV": [number]})


def test_a_model_with_a_forbidden_character_is_refused_on_xml_only() -> None:
    listing = models.MailingList(id_user_list=1, name="bad\x07bell", status="enabled")  # type: ignore[call-arg]
    tree = to_tree(listing)
    with pytest.raises(EncodeError):
        encode_method_response([tree])
    assert CONVERTER.structure(loads(dumps(tree)), models.MailingList) == listing
