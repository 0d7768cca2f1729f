"""Placing named parameters on each wire: placeholders, gaps, groups, unknown names."""

from __future__ import annotations

import json

import pytest

from mailkit_async import ConfigurationError, WireFormat
from mailkit_async._catalog import spec_for
from mailkit_async._layout import json_request, without_none_members, xmlrpc_params
from mailkit_async._spec import (
    Fixed,
    FunctionSpec,
    Group,
    JsonLayout,
    Param,
    as_any,
    as_bool,
    as_flag_text,
    as_id_or_text,
    as_int,
    as_numeric_text,
    as_text,
)
from mailkit_async._wire._json import JsonWire
from mailkit_async._wire._xmlrpc import XmlRpcWire, decode_method_call

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


# -- None members: left out where the function says so ---------------------------------------

MASS_RECIPIENT = {
    "send_to": "a@example.com",
    "subject": None,
    "create_email": None,
    "customs": {"first_name": "Jana", "last_name": None},
}


def _sent_recipient(wire: WireFormat, body: bytes) -> object:
    if isinstance(wire, JsonWire):
        return json.loads(body)["recipients"][0]
    _, params = decode_method_call(body)
    return params[2][0]  # type: ignore[index]


@pytest.mark.parametrize("wire", [JsonWire(), XmlRpcWire()], ids=["json", "xmlrpc"])
def test_sendmail_mass_leaves_none_members_out(wire: WireFormat) -> None:
    spec = spec_for("mailkit.sendmail_mass")
    assert spec is not None
    assert spec.omit_none_members
    body = wire.encode_call(spec.name, spec, 1, "s", {"recipients": [MASS_RECIPIENT]})
    assert _sent_recipient(wire, body) == {
        "send_to": "a@example.com",
        "customs": {"first_name": "Jana"},
    }
    assert b"null" not in body
    assert b"<nil/>" not in body
    assert MASS_RECIPIENT["subject"] is None  # the caller's struct is not changed


@pytest.mark.parametrize("wire", [JsonWire(), XmlRpcWire()], ids=["json", "xmlrpc"])
def test_other_functions_keep_none_members(wire: WireFormat) -> None:
    spec = FunctionSpec(
        "f", "f", idempotent=True, params=(Param("block", json=as_any, xml=as_any),)
    )
    body = wire.encode_call("f", spec, 1, "s", {"block": {"a": None, "b": "x"}})
    assert (b'"a":null' if isinstance(wire, JsonWire) else b"<nil/>") in body


def test_without_none_members_returns_the_same_object_when_nothing_changes() -> None:
    tree = {"a": [None, {"b": 1}], "c": ("x", None)}
    assert without_none_members(tree) is tree
    assert without_none_members({"a": [{"b": None}], "c": 1}) == {"a": [{}], "c": 1}
    assert without_none_members(({"b": None},)) == [{}]
