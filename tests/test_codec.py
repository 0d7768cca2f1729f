"""The cattrs converter: Mailkit's value spellings, key casing, strictness, errors."""

from __future__ import annotations

import base64
from datetime import date, datetime

import attrs
import pytest

from mailkit_async import ResponseValidationError
from mailkit_async._codec import make_converter, structure
from mailkit_async._codec._hooks import (
    structure_base64,
    structure_bool,
    structure_date,
    structure_datetime,
    structure_float,
    structure_int,
    structure_str,
)
from mailkit_async.models import Campaign, MassResults, MassSendResult, MessageRecipient


@pytest.fixture(params=[False, True], ids=["loose", "strict"])
def strict(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.mark.parametrize(("value", "expected"), [(5, 5), ("12", 12), (" -3 ", -3), (7.0, 7)])
def test_int_hook(value: object, expected: int) -> None:
    assert structure_int(value) == expected


@pytest.mark.parametrize("value", [True, "1.5", 2.5, None, "9" * 30, "abc"])
def test_int_hook_refuses(value: object) -> None:
    with pytest.raises((TypeError, ValueError)):
        structure_int(value)


@pytest.mark.parametrize(
    ("value", "expected"), [(True, True), ("TRUE", True), ("false", False), (0, False), ("1", True)]
)
def test_bool_hook(value: object, expected: bool) -> None:
    assert structure_bool(value) is expected


@pytest.mark.parametrize("value", ["maybe", 2, None, 1.0])
def test_bool_hook_refuses(value: object) -> None:
    with pytest.raises(ValueError, match="not a flag"):
        structure_bool(value)


def test_float_str_date_base64_hooks() -> None:
    assert structure_float("10.00") == 10.0
    assert structure_float("1,5") == 1.5
    assert structure_float(3) == 3.0
    with pytest.raises(TypeError):
        structure_float(True)
    with pytest.raises(ValueError, match="not a number"):
        structure_float("x")
    assert structure_str(12) == "12"
    with pytest.raises(TypeError):
        structure_str(None)
    assert structure_datetime("2024-08-22 16:12:33") == datetime(2024, 8, 22, 16, 12, 33)
    assert structure_datetime("2013-12-30 10:00") == datetime(2013, 12, 30, 10, 0)
    assert structure_datetime("2020-01-02") == datetime(2020, 1, 2)
    stamp = datetime(2020, 1, 1)
    assert structure_datetime(stamp) is stamp
    with pytest.raises(ValueError, match="not a Mailkit date-time"):
        structure_datetime("yesterday")
    with pytest.raises(TypeError):
        structure_datetime(5)
    assert structure_date("2020-05-06") == date(2020, 5, 6)
    assert structure_date(datetime(2020, 5, 6, 7)) == date(2020, 5, 6)
    assert structure_base64("aGk=") == b"hi"
    assert structure_base64(b"hi") == b"hi"
    with pytest.raises(ValueError, match="base64"):
        structure_base64("!!!")
    with pytest.raises(TypeError):
        structure_base64(5)


def test_json_and_xmlrpc_shapes_give_equal_models(strict: bool) -> None:
    as_json = [
        {
            "DATE": "2024-01-01 10:00:00",
            "READ_COUNT": "2",
            "STATUS": "sent",
            "ID_EMAIL": "123456789",
            "EMAIL": "a@example.cz",
            "CLICK_COUNT": "0",
            "ID_SEND_MESSAGE": "42",
            "AB_VERSION": "",
        }
    ]
    as_xml = [
        {
            "DATE": "2024-01-01 10:00:00",
            "READ_COUNT": 2,
            "STATUS": "sent",
            "ID_EMAIL": 123456789,
            "EMAIL": "a@example.cz",
            "CLICK_COUNT": 0,
            "ID_SEND_MESSAGE": 42,
            "AB_VERSION": "",
        }
    ]
    conv = make_converter(strict=strict)
    a = structure(as_json, list[MessageRecipient], function="f", converter=conv)
    b = structure(as_xml, list[MessageRecipient], function="f", converter=conv)
    assert a == b
    assert a[0].read_count == 2
    assert a[0].date == datetime(2024, 1, 1, 10)


def test_mixed_case_keys_are_matched() -> None:
    value = {"List": ["a@b.cz"], "DATA": "OK", "request_id": "7"}
    assert structure(value, MassSendResult, function="f") == MassSendResult("OK", 7, ("a@b.cz",))


def test_unknown_keys_ignored_loose_refused_strict() -> None:
    value = {"status": "OK", "NEW_FIELD": 1}
    assert structure(value, MassResults, function="f").status == "OK"
    with pytest.raises(ResponseValidationError, match="NEW_FIELD"):
        structure(value, MassResults, function="f", strict=True)


def test_empty_string_means_no_data() -> None:
    campaign = structure(
        {
            "ID_MESSAGE": "5",
            "SEND_DATE": "",
            "LAST_SENT": "0000-00-00 00:00:00",
            "USER_LIST": "",
            "REPEAT_COUNT": "",
        },
        Campaign,
        function="f",
    )
    assert campaign.send_date is None
    assert campaign.last_sent is None
    assert campaign.user_list == ()
    assert campaign.repeat_count is None


def test_lists_accept_a_lone_scalar_and_comma_text() -> None:
    assert structure({"ID_MESSAGE": 1, "USER_LIST": 7}, Campaign, function="f").user_list == (7,)
    assert structure({"ID_MESSAGE": 1, "USER_LIST": "7,8"}, Campaign, function="f").user_list == (
        7,
        8,
    )


def test_validation_error_names_function_and_path() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure(
            [{"ID_EMAIL": "x", "EMAIL": "e", "ID_SEND_MESSAGE": 1}],
            list[MessageRecipient],
            function="mailkit.report.message.recipients",
        )
    error = info.value
    assert error.function == "mailkit.report.message.recipients"
    assert any("$[0].id_email" in line for line in error.errors)
    assert error.repeat_safe is False


def test_non_object_where_object_expected() -> None:
    with pytest.raises(ResponseValidationError, match="expected an object"):
        structure("OK", MassResults, function="f")


def test_wire_metadata_override() -> None:
    @attrs.frozen
    class Row:
        send_messge: int = attrs.field(metadata={"wire": "ID_SEND_MESSGE"})

    assert structure({"ID_SEND_MESSGE": "9"}, Row, function="f") == Row(9)
    assert base64.b64decode("aGk=") == b"hi"


def test_validation_error_carries_no_cattrs_context() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure([{"ID_EMAIL": "secret-ish value"}], list[MessageRecipient], function="f")
    assert info.value.__context__ is None
    assert info.value.__cause__ is None


def test_huge_integer_read_as_float_is_refused() -> None:
    with pytest.raises(TypeError):
        structure_int(1e30)
    assert structure_int(float(2**53)) == 2**53
