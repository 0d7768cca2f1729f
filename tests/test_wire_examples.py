"""The JSON bodies and XML-RPC methodCalls match Mailkit's documented examples.

Each case takes a documented example (JSON object, and the XML-RPC params as
``xmlrpc.client.loads`` reads the documented methodCall with its placeholders filled
in), and checks that ``client.call()``'s layout encodes the same call on each wire.
"""

from __future__ import annotations

import json
import xmlrpc.client
from typing import Any

import pytest

from mailkit_async import FUNCTIONS, JsonWire, XmlRpcWire
from mailkit_async._catalog import spec_for

from ._support import CLIENT_ID, MD5

_RECIPIENT = {
    "send_to": "email@email.eu",
    "mailinglist_id": 123456,
    "campaign_id": 123456,
    "subject": "Message subject",
    "message_data": "Ym9keQ==",
    "create_email": True,
    "customs": {
        "first_name": "First name",
        "last_name": "Last name",
        "custom1": "custom field",
        "custom2": "custom field",
    },
    "content": {"var1": "variable content"},
    "attachment": [
        {"url": "URL of attachment nr. 1", "name": "name of attachment nr. 1", "data": "ZGF0YQ=="}
    ],
}

# (function, params given to call(), documented JSON object, documented XML-RPC params)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[Any, ...]]] = [
    (
        "mailkit.sendmail_mass",
        {"recipients": [_RECIPIENT], "options": {"id_send": "today"}},
        {
            "function": "mailkit.sendmail_mass",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "recipients": [_RECIPIENT],
            "options": {"id_send": "today"},
        },
        (
            CLIENT_ID,
            MD5,
            [{**_RECIPIENT, "create_email": "TRUE"}],  # XML-RPC sends <string>TRUE</string>
            {"id_send": "today"},
        ),
    ),
    (
        "mailkit.sendmail_mass.results",
        {"ID_send": 1214123, "request_id": 123456},
        {
            "function": "mailkit.sendmail_mass.results",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "parameters": {"ID_send": 1214123, "request_id": 123456},
        },
        (CLIENT_ID, MD5, 1214123, 123456),
    ),
    (
        "mailkit.mailinglist.adduser",
        {
            "ID_user_list": 12345,
            "confirm": False,
            "personal": {"email": "ZXhhbXBsZUBleGFtcGxlLmN6", "first_name": "Sm3DqW5v"},
            "address": {"city": "TcSbc3Rv"},
            "custom": {"custom1": "MTIz"},
            "params": {"ip_src": "1.2.3.4", "form_url": "https://example.com/form"},
        },
        {
            "function": "mailkit.mailinglist.adduser",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "parameters": {
                "ID_user_list": "12345",
                "confirm": "FALSE",
                "personal": {"email": "ZXhhbXBsZUBleGFtcGxlLmN6", "first_name": "Sm3DqW5v"},
                "address": {"city": "TcSbc3Rv"},
                "custom": {"custom1": "MTIz"},
                "params": {"ip_src": "1.2.3.4", "form_url": "https://example.com/form"},
            },
        },
        (
            CLIENT_ID,
            MD5,
            12345,
            False,
            {"email": "ZXhhbXBsZUBleGFtcGxlLmN6", "first_name": "Sm3DqW5v"},
            {"city": "TcSbc3Rv"},
            {"custom1": "MTIz"},
            {"ip_src": "1.2.3.4", "form_url": "https://example.com/form"},
        ),
    ),
    (
        "mailkit.report.message.recipients",
        {"ID_send": 98765},
        {
            "function": "mailkit.report.message.recipients",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "parameters": {"ID_send": "98765"},
        },
        (CLIENT_ID, MD5, 98765),
    ),
    (
        "mailkit.mailinglist.list",
        {},
        {"function": "mailkit.mailinglist.list", "id": str(CLIENT_ID), "md5": MD5},
        (CLIENT_ID, MD5),
    ),
    (
        "mailkit.mailinglist.create",
        {"name": "Newsletter", "description": "Monthly newsletter"},
        {
            "function": "mailkit.mailinglist.create",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "parameters": {"name": "Newsletter", "description": "Monthly newsletter"},
        },
        (CLIENT_ID, MD5, "Newsletter", "Monthly newsletter"),
    ),
    (
        "mailkit.campaigns.list",
        {"ID_message": 12345},
        {
            "function": "mailkit.campaigns.list",
            "id": str(CLIENT_ID),
            "md5": MD5,
            "ID_message": "12345",
        },
        (CLIENT_ID, MD5, 12345),
    ),
]


@pytest.mark.parametrize(
    ("function", "params", "expected", "_xml"), CASES, ids=[c[0] for c in CASES]
)
def test_json_body_matches_documented_example(
    function: str, params: dict[str, Any], expected: dict[str, Any], _xml: object
) -> None:
    body = JsonWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params)
    assert json.loads(body) == expected


@pytest.mark.parametrize(
    ("function", "params", "_json", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_xmlrpc_call_matches_documented_example(
    function: str, params: dict[str, Any], _json: object, expected: tuple[Any, ...]
) -> None:
    body = XmlRpcWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params)
    decoded, method = xmlrpc.client.loads(body)
    assert method == function
    assert decoded == expected
    # integer slots travel as integers, not digit strings (the stdlib keeps the XML types)
    assert [type(v) for v in decoded] == [type(v) for v in expected]


def test_xmlrpc_types_match_documented_markup() -> None:
    """Spot-check the XML types the pages print: <int> IDs, <boolean> confirm, <string> flag."""
    params = CASES[2][1]
    body = (
        XmlRpcWire()
        .encode_call(
            "mailkit.mailinglist.adduser", spec_for("mailkit.mailinglist.adduser"), 1, MD5, params
        )
        .decode()
    )
    assert "<boolean>0</boolean>" in body
    assert "<int>12345</int>" in body
    mass = (
        XmlRpcWire()
        .encode_call(
            "mailkit.sendmail_mass", spec_for("mailkit.sendmail_mass"), 1, MD5, CASES[0][1]
        )
        .decode()
    )
    assert "<string>TRUE</string>" in mass


def test_every_case_is_a_catalogued_function() -> None:
    assert {c[0] for c in CASES} <= set(FUNCTIONS)
