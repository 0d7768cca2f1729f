"""Telling Mailkit's in-band errors from results, on both wires."""

from __future__ import annotations

import pytest

from mailkit_async import (
    APIError,
    AuthenticationError,
    ConflictError,
    DisallowedIPError,
    InvalidParametersError,
    NotFoundError,
)
from mailkit_async._answers import check_answer, error_status
from mailkit_async._catalog import spec_for
from mailkit_async._exceptions import error_for_message


@pytest.mark.parametrize(
    ("text", "cls"),
    [
        ("Unauthorized", AuthenticationError),
        ("Disallowed IP 10.1.2.3", DisallowedIPError),
        ("Missing ID_send", InvalidParametersError),
        ("Invalid ID_send", NotFoundError),
        ("Mailing list exist", ConflictError),
        ("user@example.com is not unsubscribed", ConflictError),
        ("Something new", APIError),
    ],
)
def test_error_table(text: str, cls: type[APIError]) -> None:
    error = error_for_message(text, function="mailkit.x")
    assert type(error) is cls
    assert error.message == text
    assert str(error) == f"mailkit.x: {text}"
    assert error.repeat_safe is True


@pytest.mark.parametrize("status", [1, "1", "2"])
def test_json_error_status_raises(status: object) -> None:
    with pytest.raises(NotFoundError, match="Invalid ID_send") as info:
        check_answer(
            "mailkit.report.message", None, {"error_status": status, "error": "Invalid ID_send"}
        )
    assert info.value.code == int(status)  # type: ignore[call-overload]


@pytest.mark.parametrize(
    "value",
    [
        {"error_status": 0, "data": "1"},
        {"error_status": "0"},
        {"data": "x"},
        {"error": "OK", "error_status": 0},
    ],
)
def test_json_success_shapes(value: dict[str, object]) -> None:
    assert check_answer("mailkit.mailinglist.create", None, value) == value  # type: ignore[arg-type]


def test_results_with_rejections_is_not_an_error() -> None:
    value = {"results": [], "error_status": 1, "status": "ERROR"}
    fn = "mailkit.sendmail_mass.results"
    assert check_answer(fn, spec_for(fn), value) == value  # type: ignore[arg-type]


def test_xmlrpc_bare_error_string_raises() -> None:
    fn = "mailkit.report.message.recipients"
    with pytest.raises(AuthenticationError):
        check_answer(fn, spec_for(fn), "Unauthorized")
    with pytest.raises(InvalidParametersError, match="Missing ID_send"):
        check_answer(fn, spec_for(fn), "Missing ID_send")


def test_xmlrpc_success_string() -> None:
    fn = "mailkit.mailinglist.adduser"
    assert check_answer(fn, spec_for(fn), "Sent subscribe email") == "Sent subscribe email"


def test_unknown_function_strings() -> None:
    assert check_answer("mailkit.new", None, "whatever") == "whatever"
    with pytest.raises(AuthenticationError):
        check_answer("mailkit.new", None, "Unauthorized")


def test_empty_json_error_text_still_raises() -> None:
    with pytest.raises(APIError, match="without text"):
        check_answer("mailkit.email.getstatus", None, {"error": "", "error_status": 1})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({}, 0),
        ({"error_status": True}, 1),
        ({"error_status": "x"}, 1),
        ([], 0),
        ({"error_status": ""}, 0),
    ],
)
def test_error_status_reading(value: object, expected: int) -> None:
    assert error_status(value) == expected  # type: ignore[arg-type]
