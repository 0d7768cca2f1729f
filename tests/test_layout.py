"""Placing named parameters on each wire: placeholders, gaps, groups, unknown names."""

from __future__ import annotations

import pytest

from mailkit_async import ConfigurationError
from mailkit_async._layout import json_request, xmlrpc_params
from mailkit_async._spec import (
    Fixed,
    FunctionSpec,
    Group,
    JsonLayout,
    Param,
    as_bool,
    as_flag_text,
    as_id_or_text,
    as_int,
    as_numeric_text,
    as_text,
)

SPEC = FunctionSpec(
    "mailkit.example",
    "example.run",
    idempotent=True,
    params=(
        Param("ID_a", json=as_numeric_text, xml=as_int, required=True),
        Param("mid", xml_default=""),
        Param("b", json=as_int, xml=as_int),
        Param("x", json=as_flag_text, xml=as_bool),
        Param("y", json=as_int, xml=as_int),
    ),
    xml_slots=("ID_a", Fixed("", "condition"), "mid", "b", Group(("x", "y"))),
)


def test_json_parameters_layout_omits_missing() -> None:
    body = json_request("mailkit.example", SPEC, 7, "s", {"ID_a": 5, "x": True})
    assert body == {
        "function": "mailkit.example",
        "id": "7",
        "md5": "s",
        "parameters": {"ID_a": "5", "x": "TRUE"},
    }


def test_json_top_level_and_bare_layouts() -> None:
    top = FunctionSpec(
        "f", "f", idempotent=True, params=(Param("k"),), json_layout=JsonLayout.TOP_LEVEL
    )
    assert json_request("f", top, 1, "s", {"k": "v"}) == {
        "function": "f",
        "id": "1",
        "md5": "s",
        "k": "v",
    }
    bare = FunctionSpec("g", "g", idempotent=True, json_layout=JsonLayout.BARE)
    assert json_request("g", bare, 1, "s", {}) == {"function": "g", "id": "1", "md5": "s"}


def test_xmlrpc_placeholders_and_group() -> None:
    params = xmlrpc_params("mailkit.example", SPEC, 7, "s", {"ID_a": "5", "b": 3, "y": 2})
    assert params == [7, "s", 5, "", "", 3, {"y": 2}]


def test_xmlrpc_drops_trailing_missing_slots() -> None:
    spec = FunctionSpec(
        "f",
        "f",
        idempotent=True,
        params=(Param("a", xml=as_int), Param("b", xml=as_int)),
        xml_slots=("a", "b"),
    )
    assert xmlrpc_params("f", spec, 1, "s", {"a": 4}) == [1, "s", 4]


def test_xmlrpc_gap_without_placeholder_is_refused() -> None:
    spec = FunctionSpec(
        "f",
        "f",
        idempotent=True,
        params=(Param("a", xml=as_int), Param("b", xml=as_int)),
        xml_slots=("a", "b"),
    )
    with pytest.raises(ConfigurationError, match="a must be given"):
        xmlrpc_params("f", spec, 1, "s", {"b": 4})


def test_unknown_and_missing_parameters_are_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="unknown parameter"):
        json_request("mailkit.example", SPEC, 1, "s", {"ID_a": 1, "typo": 2})
    with pytest.raises(ConfigurationError, match="missing required parameter"):
        xmlrpc_params("mailkit.example", SPEC, 1, "s", {})


def test_bad_value_names_the_parameter() -> None:
    with pytest.raises(ConfigurationError, match="parameter ID_a: expected an integer"):
        json_request("mailkit.example", SPEC, 1, "s", {"ID_a": "abc"})


def test_unknown_function_passes_params_through() -> None:
    assert json_request("mailkit.new", None, 1, "s", {"a": 1}) == {
        "function": "mailkit.new",
        "id": "1",
        "md5": "s",
        "parameters": {"a": 1},
    }
    assert xmlrpc_params("mailkit.new", None, 1, "s", {"a": 1, "b": "x"}) == [1, "s", 1, "x"]


@pytest.mark.parametrize(
    ("converter", "value", "expected"),
    [
        (as_int, "12", 12),
        (as_int, 12, 12),
        (as_numeric_text, 12, "12"),
        (as_text, 5, "5"),
        (as_flag_text, True, "TRUE"),
        (as_flag_text, "false", "FALSE"),
        (as_bool, "TRUE", True),
        (as_id_or_text, "a@b.cz", "a@b.cz"),
        (as_id_or_text, "42", 42),
    ],
)
def test_converters(converter: object, value: object, expected: object) -> None:
    assert converter(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("converter", "value"),
    [
        (as_int, True),
        (as_int, "1.5"),
        (as_int, None),
        (as_text, 1.5),
        (as_flag_text, "yes"),
        (as_bool, 1),
    ],
)
def test_converters_refuse_wrong_values(converter: object, value: object) -> None:
    with pytest.raises(ConfigurationError):
        converter(value)  # type: ignore[operator]
