"""Mailing list and e-mail record functions: wire layouts, decoding, guards and parity.

* Wire tests run each typed method through the real ``RpcTransport`` over a canned
  HTTP sender and compare the request body with Mailkit's documented example.
* Decoding tests feed documented answers (both wires) to the typed methods.
* Parity tests run every typed method against the emulator over JSON and over
  XML-RPC and require equal typed results.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

import attrs
import pytest

from mailkit_async import (
    ConfigurationError,
    ConflictError,
    JsonWire,
    MailkitClient,
    NotFoundError,
    RpcTransport,
    XmlRpcWire,
)
from mailkit_async._catalog import FUNCTIONS
from mailkit_async._config import Timeout
from mailkit_async._http import RawResponse
from mailkit_async._resources._pages import follow_cursor
from mailkit_async.models import (
    EmailMoved,
    EmailRecord,
    EmailsDeleted,
    EmailUnsubscribed,
    Engagement,
    HistoryClick,
    ImportRecipient,
    ImportResult,
    MoveDetails,
    RecipientData,
    Revalidated,
    UnsubscribeDetails,
    UnsubscribedRecipient,
    UnsubscribeStatus,
    WipeQueued,
)
from mailkit_async.testing import EmulatorState, MailkitEmulator

from ._support import CLIENT_ID as CID
from ._support import MD5, b64
from .conftest import TRANSPORTS, make_client

NOW = datetime(2025, 3, 14, 9, 30, 0)

Call = Callable[[MailkitClient], Awaitable[object]]

MY_FUNCTIONS = sorted(
    name
    for name in FUNCTIONS
    if name.startswith("mailkit.email.")
    or (
        name.startswith("mailkit.mailinglist.")
        and name.rpartition(".")[2] not in ("list", "create", "adduser")
    )
)


# ---------------------------------------------------------------------------
# a client over the real transport with canned HTTP answers
# ---------------------------------------------------------------------------


class CannedSender:
    """An ``HttpSender`` that records request bodies and answers canned ones."""

    def __init__(self, bodies: list[bytes]) -> None:
        self.bodies = bodies
        self.sent: list[bytes] = []

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str],
        *,
        timeout: Timeout,
        max_response_bytes: int,
    ) -> RawResponse:
        self.sent.append(body)
        return RawResponse(200, {}, self.bodies.pop(0))

    async def aclose(self) -> None:
        return None


def encode_answer(wire: str, value: object) -> bytes:
    if wire == "json":
        return json.dumps(value).encode()
    return xmlrpc.client.dumps((value,), methodresponse=True).encode()


def canned(wire: str, *answers: object) -> tuple[MailkitClient, CannedSender]:
    sender = CannedSender([encode_answer(wire, a) for a in answers])
    fmt = JsonWire() if wire == "json" else XmlRpcWire()
    transport = RpcTransport(fmt, sender, "https://api.mailkit.eu")
    return MailkitClient(CID, MD5, transport=transport, strict=True), sender


def json_body(function: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {"function": function, "id": str(CID), "md5": MD5, "parameters": parameters}


# ---------------------------------------------------------------------------
# wire layouts against the documented examples
# ---------------------------------------------------------------------------

_EDIT_DATA = RecipientData(first_name="Jméno", city="Město", custom={1: "x"})

# (case id, call, JSON "parameters" expected, XML-RPC params after the credentials,
#  JSON answer, XML-RPC answer)
WIRE_CASES: list[tuple[str, Call, dict[str, Any], tuple[Any, ...], object, object]] = [
    (
        "mailinglist.delete",
        lambda c: c.mailinglist.delete(12345, keep_list=False),
        {"ID_user_list": 12345, "keep_list": "FALSE"},
        (12345, "FALSE"),
        {"data": "OK", "error_status": 0},
        {"data": "OK"},
    ),
    (
        "mailinglist.edituser",
        lambda c: c.mailinglist.edituser(123456, 123456789, _EDIT_DATA),
        {
            "ID_user_list": "123456",
            "ID_email": "123456789",
            "personal": {"first_name": b64("Jméno")},
            "address": {"city": b64("Město")},
            "custom": {"custom1": b64("x")},
        },
        # the empty 5th parameter (formerly keep_values) sits between ID and branches
        (
            123456,
            "123456789",
            "",
            {"first_name": b64("Jméno")},
            {"city": b64("Město")},
            {"custom1": b64("x")},
        ),
        {"error_status": 0, "error": "OK", "ID_email": 1234567890},
        "OK",
    ),
    (
        "mailinglist.edituser-empty-branches",
        lambda c: c.mailinglist.edituser(1, "a@example.com", RecipientData()),
        {
            "ID_user_list": "1",
            "ID_email": "a@example.com",
            "personal": {},
            "address": {},
            "custom": {},
        },
        (1, "a@example.com", "", {}, {}, {}),
        {"error_status": 0, "error": "OK", "ID_email": 5},
        {"data": "OK"},
    ),
    (
        "mailinglist.import",
        lambda c: c.mailinglist.import_(
            12345,
            [
                ImportRecipient("a@example.com", RecipientData(first_name="A")),
                ImportRecipient("b@example.com", RecipientData(gender="m")),
            ],
        ),
        {
            "ID_user_list": 12345,
            "recipients": [
                {"email": "a@example.com", "first_name": "A"},
                {"email": "b@example.com", "gender": "m"},
            ],
        },
        (
            12345,
            [
                {"email": "a@example.com", "first_name": "A"},
                {"email": "b@example.com", "gender": "m"},
            ],
        ),
        {
            "count_all": "2",
            "count_new": "2",
            "count_updated": "0",
            "count_bad": "0",
            "invalid_emails": [],
        },
        {"count_all": 2, "count_new": 2, "count_updated": 0, "count_bad": 0, "invalid_emails": []},
    ),
    (
        "mailinglist.getstatus",
        lambda c: c.mailinglist.getstatus(
            12345, status="enabled", change_date=datetime(2024, 1, 1), start_id=0, limit=10000
        ),
        {
            "ID_user_list": "12345",
            "status": "enabled",
            "change_date": "2024-01-01 00:00:00",
            "ID_email": "0",
            "limit": "10000",
        },
        (12345, "enabled", "2024-01-01 00:00:00", "0", "10000"),
        [],
        [],
    ),
    (
        "mailinglist.getstatus-placeholders",
        lambda c: c.mailinglist.getstatus(12345, limit=50),
        {"ID_user_list": "12345", "limit": "50"},
        (12345, "", "", "0", "50"),
        [],
        [],
    ),
    (
        "mailinglist.unsubscribed",
        lambda c: c.mailinglist.unsubscribed(date(2024, 1, 1)),
        {"range_from": "2024-01-01"},
        ("2024-01-01",),
        [],
        [],
    ),
    (
        "mailinglist.engagement",
        lambda c: c.mailinglist.engagement(12345, start_id=123456789, limit=100),
        {"ID_user_list": "12345", "ID_email": "123456789", "limit": 100},
        (12345, 123456789, 100),
        [],
        [],
    ),
    (
        "email.getstatus",
        lambda c: c.email.getstatus("user@example.com"),
        # The documented example has only "email": the ID_email key is left out.
        {"email": "user@example.com"},
        ("user@example.com",),
        [{"ID_EMAIL": "1", "EMAIL": "user@example.com"}],
        [{"ID_EMAIL": 1, "EMAIL": "user@example.com"}],
    ),
    (
        "email.getstatus-by-message",
        lambda c: c.email.getstatus(id_send_message=777),
        {"ID_send_message": "777"},
        (0, 777),
        [{"ID_EMAIL": "1", "EMAIL": "user@example.com"}],
        [{"ID_EMAIL": 1, "EMAIL": "user@example.com"}],
    ),
    (
        "email.getstatus.history",
        lambda c: c.email.getstatus_history(123456789),
        {"ID_email": "123456789"},
        ({"ID_email": 123456789},),
        [],
        [],
    ),
    (
        "email.getstatus.history-address",
        lambda c: c.email.getstatus_history("user@example.com"),
        {"email": "user@example.com"},
        ({"email": "user@example.com"},),
        [],
        [],
    ),
    (
        "email.move",
        lambda c: c.email.move(987654321, 123456),
        {"ID_email": 987654321, "ID_user_list": 123456},
        (987654321, 123456),
        {
            "ID_email_source": 987654321,
            "ID_user_list": "123456",
            "ID_email": "5",
            "error_status": "0",
        },
        1,
    ),
    (
        "email.delete",
        lambda c: c.email.delete("example@example.com"),
        {"ID_email": "example@example.com"},
        ("example@example.com",),
        {"error": "OK", "error_status": 0, "emails": "1"},
        "1",
    ),
    (
        "email.delete-id",
        lambda c: c.email.delete(1234567890),
        {"ID_email": "1234567890"},
        (1234567890,),
        {"error": "OK", "error_status": 0, "emails": "1234567890"},
        1234567890,
    ),
    (
        "email.unsubscribe",
        lambda c: c.email.unsubscribe("email@example.com", send_optout=False, timeout_days=60),
        {
            "send_optout": "FALSE",
            "email": "email@example.com",
            "ID_email": None,
            "ID_send_message": "",
            "timeout": "true",
            "timeout_days": "60",
        },
        ("email@example.com", 0, False, {"timeout": True, "timeout_days": 60}),
        {"error_status": "0", "ID_email": "123456789", "status": "1"},
        123456789,
    ),
    (
        "email.unsubscribe-id-permanent",
        lambda c: c.email.unsubscribe(42, send_optout=True, id_send_message=9),
        {"send_optout": "TRUE", "email": None, "ID_email": "42", "ID_send_message": "9"},
        (42, 9, True, {}),
        {"error_status": "0", "ID_email": "42", "status": "1"},
        42,
    ),
    (
        "email.unsubscribe.getstatus",
        lambda c: c.email.unsubscribe_getstatus(123456789),
        {"ID_email": "123456789"},
        (123456789,),
        {"unsubscribe": "FALSE", "error_status": "0"},
        "FALSE",
    ),
    (
        "email.revalidate",
        lambda c: c.email.revalidate(
            "user@example.com", agreement=False, campaign_id=555, channel="web", language="EN"
        ),
        {
            "email": "user@example.com",
            "language": "EN",
            "ID_message": "555",
            "channel": "web",
            "agreement": "FALSE",
        },
        # the unused "dummy" <int> sits between channel and language
        ("user@example.com", 555, False, "web", 0, "EN"),
        {"error_status": 0, "error": "Sent subscribe email"},
        "Sent subscribe email",
    ),
    (
        "email.topics",
        lambda c: c.email.topics("user@example.com", [3, 7]),
        {"ID_topics": [3, 7], "email": "user@example.com", "activate_all": "FALSE"},
        ({"ID_topics": [3, 7], "email": "user@example.com", "activate_all": False},),
        {"error_status": 0, "error": "OK"},
        "OK",
    ),
    (
        "email.topics-activate-all",
        lambda c: c.email.topics("user@example.com", activate_all=True),
        {"email": "user@example.com", "activate_all": "TRUE"},
        ({"email": "user@example.com", "activate_all": True},),
        {"error_status": 0, "error": "OK"},
        "OK",
    ),
    (
        "email.topics-leave-all",
        lambda c: c.email.topics("user@example.com", (), unsubscribe_all=True),
        {"ID_topics": [], "email": "user@example.com", "activate_all": "FALSE"},
        ({"ID_topics": [], "email": "user@example.com", "activate_all": False},),
        {"error_status": 0, "error": "OK"},
        "OK",
    ),
    (
        "email.wipe",
        lambda c: c.email.wipe("example@example.com", confirm_wipe=True),
        {"email": "example@example.com"},
        ("example@example.com",),
        {"ID_email": 12345678, "email": "example@example.com", "error_status": 0, "error": "OK"},
        {"email": "example@example.com", "error_status": 0, "ID_email": 12345678, "error": "OK"},
    ),
    (
        "email.wipe-id",
        lambda c: c.email.wipe(12345678, confirm_wipe=True),
        {"ID_email": "12345678"},
        ("12345678",),  # typed <string> on XML-RPC even for an ID
        {"ID_email": 12345678, "email": "example@example.com", "error_status": 0, "error": "OK"},
        {"email": "example@example.com", "error_status": 0, "ID_email": 12345678, "error": "OK"},
    ),
]


def _function_of(case_id: str) -> str:
    return "mailkit." + case_id.partition("-")[0]


@pytest.mark.parametrize(
    ("case_id", "call", "parameters", "_xml", "answer", "_xml_answer"),
    WIRE_CASES,
    ids=[c[0] for c in WIRE_CASES],
)
async def test_json_request_matches_documentation(
    case_id: str,
    call: Call,
    parameters: dict[str, Any],
    _xml: object,
    answer: object,
    _xml_answer: object,
) -> None:
    client, sender = canned("json", answer)
    await call(client)
    assert json.loads(sender.sent[0]) == json_body(_function_of(case_id), parameters)


@pytest.mark.parametrize(
    ("case_id", "call", "_json", "params", "_json_answer", "answer"),
    WIRE_CASES,
    ids=[c[0] for c in WIRE_CASES],
)
async def test_xmlrpc_request_matches_documentation(
    case_id: str,
    call: Call,
    _json: object,
    params: tuple[Any, ...],
    _json_answer: object,
    answer: object,
) -> None:
    client, sender = canned("xmlrpc", answer)
    await call(client)
    decoded, method = xmlrpc.client.loads(sender.sent[0])
    assert method == _function_of(case_id)
    assert decoded == (CID, MD5, *params)
    # ints stay <int> and flags <boolean>: the stdlib keeps the XML types
    assert [type(v) for v in decoded] == [type(v) for v in (CID, MD5, *params)]


def test_every_function_has_a_wire_case() -> None:
    assert {_function_of(c[0]) for c in WIRE_CASES} == set(MY_FUNCTIONS)


async def test_xmlrpc_markup_of_placeholders() -> None:
    client, sender = canned("xmlrpc", "OK")
    await client.mailinglist.edituser(1, 2, RecipientData(first_name="A"))
    body = sender.sent[0].decode()
    assert "<param><value><string></string></value></param>" in body
    client, sender = canned("xmlrpc", "Sent subscribe email")
    await client.email.revalidate(9, agreement=True, channel="web")
    body = sender.sent[0].decode()
    assert "<string>web</string></value></param><param><value><int>0</int>" in body
    assert "<boolean>1</boolean>" in body


async def test_history_raw_call_with_both_keys_matches_the_example() -> None:
    params = {"email": "user@example.com", "ID_email": 123456789}
    client, sender = canned("json", [])
    await client.call("mailkit.email.getstatus.history", params)
    assert json.loads(sender.sent[0])["parameters"] == {
        "email": "user@example.com",
        "ID_email": "123456789",
    }
    client, sender = canned("xmlrpc", [])
    await client.call("mailkit.email.getstatus.history", params)
    assert xmlrpc.client.loads(sender.sent[0])[0][2] == params


def test_spec_details() -> None:
    reads = {
        "mailkit.mailinglist.getstatus",
        "mailkit.mailinglist.unsubscribed",
        "mailkit.mailinglist.engagement",
        "mailkit.email.getstatus",
        "mailkit.email.getstatus.history",
        "mailkit.email.unsubscribe.getstatus",
    }
    for name in MY_FUNCTIONS:
        assert FUNCTIONS[name].idempotent is (name in reads), name
    assert FUNCTIONS["mailkit.mailinglist.import"].method == "mailinglist.import_"


# ---------------------------------------------------------------------------
# decoding documented answers (both wires)
# ---------------------------------------------------------------------------


def _blank_profile() -> dict[str, str]:
    keys = "VOCATIVE PREFIX FIRST_NAME LAST_NAME NICK_NAME COMPANY REPLY_TO PHONE MOBILE FAX"
    keys += " STREET CITY STATE COUNTRY ZIP"
    return dict.fromkeys(keys.split(), "") | {f"CUSTOM_{n}": "" for n in range(1, 26)}


async def test_decode_getstatus_row() -> None:
    row = {
        "ID_EMAIL": "123456789",
        "EMAIL": "mail@example.cz",
        "STATUS": "enabled",
        "DATE": "2012-05-25 23:21:30",
        "CHANGE_DATE": "2016-03-17 10:42:35",
        "GENDER": "M",
        **_blank_profile(),
        "FIRST_NAME": "Jan",
        "CUSTOM_7": "vip",
    }
    for wire, answer in (("json", [row]), ("xmlrpc", [{**row, "ID_EMAIL": 123456789}])):
        client, _ = canned(wire, answer)
        (got,) = await client.mailinglist.getstatus(1)
        assert got.id_email == 123456789
        assert got.date == datetime(2012, 5, 25, 23, 21, 30)
        assert (got.first_name, got.gender, got.custom) == ("Jan", "M", {7: "vip"})
        assert got.to_data() == RecipientData(first_name="Jan", gender="M", custom={7: "vip"})


async def test_decode_email_getstatus_nulls_read_as_blank() -> None:
    # the PHP library's JSON fixture: ID as a number, profile fields may be null
    row = {"ID_EMAIL": 12345, "ID_MAILING_LIST": 12345, "EMAIL": "a@b.cz", "STATUS": "enabled"}
    row |= {"DATE": "2020-01-01 00:00:00", "CHANGE_DATE": "2020-01-01 00:00:00", "FIRST_NAME": None}
    client, _ = canned("json", [row])
    (got,) = await client.email.getstatus(12345)
    assert got == EmailRecord(
        id_email=12345,
        email="a@b.cz",
        id_mailing_list=12345,
        status="enabled",
        date=datetime(2020, 1, 1),
        change_date=datetime(2020, 1, 1),
    )


@pytest.mark.parametrize(
    ("wire", "answer", "groups"),
    [
        ("json", "", ()),
        ("json", "27,29,35", (27, 29, 35)),
        ("xmlrpc", 0, ()),
        ("xmlrpc", "", ()),
        ("xmlrpc", "27,29,35", (27, 29, 35)),
        ("xmlrpc", 27, (27,)),
    ],
)
async def test_decode_unsubscribe_groups(
    wire: str, answer: object, groups: tuple[int, ...]
) -> None:
    row = {"DATE": "2015-10-23 15:18:58", "ID_UNSUBSCRIBE_GROUP": answer, "EMAIL": "+420777123456"}
    client, _ = canned(wire, [row])
    assert await client.mailinglist.unsubscribed() == [
        UnsubscribedRecipient("+420777123456", datetime(2015, 10, 23, 15, 18, 58), groups)
    ]


async def test_decode_history_example() -> None:
    row = {
        "ID_SEND_MESSAGE": "123456789",
        "ID_SEND": "5555",
        "ID_MESSAGE": "123456",
        "MESSAGE_NAME": "Campaign name",
        "SUBJECT": "Hello",
        "TYPE_MESSAGE": "email",
        "DATE_SEND": "2015-06-10 13:29:05",
        "EMAIL_FROM": "from@example.com",
        "NAME_FROM": "Sender",
        "ID_EMAIL": "42",
        "ID_USER_LIST": "123456",
        "READ_COUNT": "2",
        "CLICK_COUNT": "1",
        "PREVIEW": "https://u.mailkit.eu/x",
        "RESPONSE_DATA": [{"URL": "https://e.cz", "COUNTRY": "CZ", "CITY": "Brno", "DATE": ""}],
    }
    client, _ = canned("json", [row])
    (got,) = await client.email.getstatus_history("a@b.cz")
    assert (got.id_send_message, got.id_user_list, got.read_count) == (123456789, 123456, 2)
    assert got.date_send == datetime(2015, 6, 10, 13, 29, 5)
    assert got.response_data == (HistoryClick(url="https://e.cz", country="CZ", city="Brno"),)


async def test_decode_move_both_wires() -> None:
    documented = {
        "ID_user_list_source": "112233",
        "ID_user_list": "123456",
        "email": "a@b.cz",
        "ID_email": "123456789",
        "ID_email_source": 987654321,
        "move_response": 123456789,
        "error_status": "0",
    }
    client, _ = canned("json", documented)
    moved = await client.email.move(987654321, 123456)
    assert moved == EmailMoved(
        987654321, 123456, MoveDetails(123456789, 112233, "a@b.cz", 123456789)
    )
    client, _ = canned("xmlrpc", 1)
    assert await client.email.move(987654321, 123456) == EmailMoved(987654321, 123456)
    client, _ = canned("xmlrpc", 0)
    with pytest.raises(NotFoundError, match="Invalid ID_email or email"):
        await client.email.move(987654321, 123456)
    client, _ = canned("json", {"error_status": 1, "error": "Invalid ID_email or email"})
    with pytest.raises(NotFoundError, match="Invalid ID_email or email"):
        await client.email.move(987654321, 123456)


@pytest.mark.parametrize(
    ("wire", "answer", "ids"),
    [
        (
            "json",
            {"error": "OK", "error_status": 0, "emails": "1234567890,1236547895"},
            (1234567890, 1236547895),
        ),
        ("json", {"error": "OK", "error_status": 0, "emails": "1234567890"}, (1234567890,)),
        ("xmlrpc", 1234567890, (1234567890,)),
        ("xmlrpc", "1234567890,1236547895", (1234567890, 1236547895)),
    ],
)
async def test_decode_delete(wire: str, answer: object, ids: tuple[int, ...]) -> None:
    client, _ = canned(wire, answer)
    assert await client.email.delete("a@b.cz") == EmailsDeleted(ids)


@pytest.mark.parametrize(
    ("wire", "answer"),
    [
        ("json", {"error_status": 1, "error": "Invalid ID_email or email"}),
        ("xmlrpc", "Invalid ID_email"),
    ],
)
async def test_delete_failure_is_not_found_on_both_wires(wire: str, answer: object) -> None:
    client, _ = canned(wire, answer)
    with pytest.raises(NotFoundError):
        await client.email.delete(5)


async def test_decode_unsubscribe() -> None:
    client, _ = canned("json", {"error_status": "0", "ID_email": "123456789", "status": "1"})
    assert await client.email.unsubscribe(1, send_optout=False) == EmailUnsubscribed(123456789, 1)
    client, _ = canned("xmlrpc", 282837490)
    assert await client.email.unsubscribe(1, send_optout=False) == EmailUnsubscribed(282837490)


async def test_decode_unsubscribe_getstatus() -> None:
    example = {
        "email": "example@example.eu",
        "ID_email": "123456789",
        "unsubscribe": "FALSE",
        "topics": None,
        "timeout": {"date": "0000-00-00"},
        "error_status": "0",
    }
    client, _ = canned("json", example)
    assert await client.email.unsubscribe_getstatus(123456789) == UnsubscribeStatus(
        False, UnsubscribeDetails("example@example.eu", 123456789, (), None)
    )
    temporary = example | {"unsubscribe": "TRUE", "topics": [3], "timeout": {"date": "2025-05-01"}}
    client, _ = canned("json", temporary)
    got = await client.email.unsubscribe_getstatus(123456789)
    assert got.unsubscribed
    assert got.details == UnsubscribeDetails(
        "example@example.eu", 123456789, (3,), date(2025, 5, 1)
    )
    for text, flag in (("TRUE", True), ("FALSE", False)):
        client, _ = canned("xmlrpc", text)
        assert await client.email.unsubscribe_getstatus("a@b.cz") == UnsubscribeStatus(flag)


@pytest.mark.parametrize(
    ("wire", "answer", "sent"),
    [
        ("json", {"error_status": 0, "error": "Sent subscribe email"}, True),
        (
            "json",
            {
                "error_status": 0,
                "error": "Email has been revalidated",
                "email": "a@b.cz",
                "ID_email": "1",
            },
            False,
        ),
        ("xmlrpc", "Sent subscribe email", True),
        ("xmlrpc", "Email has been revalidated", False),
    ],
)
async def test_decode_revalidate(wire: str, answer: object, sent: bool) -> None:
    client, _ = canned(wire, answer)
    assert await client.email.revalidate("a@b.cz", agreement=not sent) == Revalidated(sent)


@pytest.mark.parametrize(
    ("wire", "answer"),
    [
        ("json", {"error_status": 1, "error": "a@b.cz is not unsubscribed"}),
        ("xmlrpc", "a@b.cz is not unsubscribed"),
    ],
)
async def test_revalidate_refusal_is_a_conflict(wire: str, answer: object) -> None:
    client, _ = canned(wire, answer)
    with pytest.raises(ConflictError, match="is not unsubscribed"):
        await client.email.revalidate("a@b.cz", agreement=True)


@pytest.mark.parametrize(
    ("wire", "answer"), [("json", {"error": "", "error_status": 1}), ("xmlrpc", "")]
)
async def test_getstatus_empty_error_is_not_found(wire: str, answer: object) -> None:
    client, _ = canned(wire, answer)
    with pytest.raises(NotFoundError):
        await client.email.getstatus("nobody@example.com")


async def test_decode_wipe_engagement_import() -> None:
    answer = {"ID_email": 12345678, "email": "example@example.eu", "error_status": 0, "error": "OK"}
    for wire in TRANSPORTS:
        client, _ = canned(wire, answer)
        assert await client.email.wipe(12345678, confirm_wipe=True) == WipeQueued(
            12345678, "example@example.eu"
        )
    row = {"ID_EMAIL": 123456, "EMAIL": "example@example.eu", "SCORE": 5, "TREND": 2}
    client, _ = canned("json", [row])
    assert await client.mailinglist.engagement(1) == [
        Engagement(123456, "example@example.eu", 5, 2)
    ]
    counts = {"count_all": "3", "count_new": "1", "count_updated": "1", "count_bad": "1"}
    client, _ = canned("json", counts | {"invalid_emails": ["bad"]})
    assert await client.mailinglist.import_(1, ["a@b.cz"]) == ImportResult(3, 1, 1, 1, ("bad",))


@pytest.mark.parametrize(
    ("wire", "answer"), [("json", {"data": "Nope", "error_status": 0}), ("xmlrpc", {"data": "?"})]
)
async def test_an_answer_that_is_not_ok_is_refused(wire: str, answer: object) -> None:
    from mailkit_async import ResponseValidationError

    client, _ = canned(wire, answer)
    with pytest.raises(ResponseValidationError, match="expected Mailkit's OK"):
        await client.mailinglist.delete(1, keep_list=True)


# ---------------------------------------------------------------------------
# dangerous defaults are explicit choices, checked before anything is sent
# ---------------------------------------------------------------------------

GUARDS: list[tuple[str, Call]] = [
    ("send_optout as text", lambda c: c.email.unsubscribe(1, send_optout="FALSE")),  # type: ignore[arg-type]
    (
        "unsubscribe with a short pause",
        lambda c: c.email.unsubscribe(1, send_optout=False, timeout_days=3),
    ),
    ("topics without a choice", lambda c: c.email.topics("a@b.cz")),
    ("topics with an empty list only", lambda c: c.email.topics("a@b.cz", [])),
    ("unsubscribe_all without topics=()", lambda c: c.email.topics("a@b.cz", unsubscribe_all=True)),
    ("unsubscribe_all with topics", lambda c: c.email.topics("a@b.cz", [3], unsubscribe_all=True)),
    ("activate_all with topics", lambda c: c.email.topics("a@b.cz", [3], activate_all=True)),
    ("wipe without confirmation", lambda c: c.email.wipe(1, confirm_wipe=False)),
    ("wipe with a truthy non-bool", lambda c: c.email.wipe(1, confirm_wipe="yes")),  # type: ignore[arg-type]
    ("delete list without a bool", lambda c: c.mailinglist.delete(1, keep_list=None)),  # type: ignore[arg-type]
    ("revalidate without a bool", lambda c: c.email.revalidate(1, agreement="TRUE")),  # type: ignore[arg-type]
    ("recipient as a bool", lambda c: c.email.getstatus(True)),
    ("getstatus without a recipient", lambda c: c.email.getstatus()),
    ("import of nobody", lambda c: c.mailinglist.import_(1, [])),
    (
        "import with a bad custom field",
        lambda c: c.mailinglist.import_(
            1, [ImportRecipient("a@b.cz", RecipientData(custom={26: "x"}))]
        ),
    ),
    ("getstatus limit above 10000", lambda c: c.mailinglist.getstatus(1, limit=10001)),
]


@pytest.mark.parametrize(("_name", "call"), GUARDS, ids=[g[0] for g in GUARDS])
async def test_guards_refuse_before_sending(
    _name: str, call: Call, client: MailkitClient, emulator: MailkitEmulator
) -> None:
    with pytest.raises(ConfigurationError):
        await call(client)
    assert emulator.requests == []


async def test_missing_keyword_choices_are_type_errors(client: MailkitClient) -> None:
    with pytest.raises(TypeError, match="send_optout"):
        await client.email.unsubscribe(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="confirm_wipe"):
        await client.email.wipe(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="keep_list"):
        await client.mailinglist.delete(1)  # type: ignore[call-arg]


@pytest.mark.parametrize("page_size", [0, 1, 10001])
def test_iter_getstatus_page_size_bounds(client: MailkitClient, page_size: int) -> None:
    with pytest.raises(ConfigurationError, match="page_size"):
        client.mailinglist.iter_getstatus(1, page_size=page_size)


# ---------------------------------------------------------------------------
# paging
# ---------------------------------------------------------------------------


async def test_iter_getstatus_yields_each_row_once(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    list_id = emulator.state.add_mailing_list("Big")
    ids = [emulator.state.add_recipient(list_id, f"r{i}@example.com").id for i in range(7)]
    seen = [r.id_email async for r in client.mailinglist.iter_getstatus(list_id, page_size=3)]
    assert seen == ids
    cursors = [
        int(str(r.params["ID_email"])) for r in emulator.calls("mailkit.mailinglist.getstatus")
    ]
    # Mailkit includes the start row: each page starts at the last row of the previous one
    assert cursors == [0, ids[2], ids[4], ids[6]]
    assert {
        int(str(r.params["limit"])) for r in emulator.calls("mailkit.mailinglist.getstatus")
    } == {3}


async def test_iter_getstatus_filters_and_stops_on_an_empty_list(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    list_id = emulator.state.add_mailing_list("Small")
    assert [r async for r in client.mailinglist.iter_getstatus(list_id, page_size=2)] == []
    keep = emulator.state.add_recipient(list_id, "keep@example.com")
    emulator.state.add_recipient(list_id, "gone@example.com", status="unsubscribe")
    rows = [
        r async for r in client.mailinglist.iter_getstatus(list_id, status="enabled", page_size=2)
    ]
    assert [r.id_email for r in rows] == [keep.id]


async def test_iter_engagement_pages(client: MailkitClient, emulator: MailkitEmulator) -> None:
    list_id = emulator.state.add_mailing_list("Scores")
    records = [emulator.state.add_recipient(list_id, f"s{i}@example.com") for i in range(5)]
    for i, record in enumerate(records):
        record.score, record.trend = i % 6, 1 - i
    got = [e async for e in client.mailinglist.iter_engagement(list_id, page_size=2)]
    assert got == [Engagement(r.id, r.email, r.score, r.trend) for r in records]
    cursors = [
        int(str(r.params["ID_email"])) for r in emulator.calls("mailkit.mailinglist.engagement")
    ]
    # a page of 2 repeats one row, so each later page brings one new row
    assert cursors == [0, *(r.id for r in records[1:])]


async def test_follow_cursor_stops_when_the_cursor_is_ignored() -> None:
    calls: list[int] = []

    async def same_page(start: int) -> list[int]:
        calls.append(start)
        return [1, 2]

    assert [r async for r in follow_cursor(same_page, lambda r: r, 0, page_size=2)] == [1, 2]
    assert calls == [0, 2]


# ---------------------------------------------------------------------------
# the emulator: consistent state and documented errors, on both wires
# ---------------------------------------------------------------------------


async def test_adduser_shows_everywhere(client: MailkitClient, emulator: MailkitEmulator) -> None:
    list_id = emulator.state.add_mailing_list("News")
    added = await client.mailinglist.adduser(
        list_id, "new@example.com", RecipientData(first_name="Nov")
    )
    assert added.id_email is not None
    (row,) = await client.mailinglist.getstatus(list_id)
    (record,) = await client.email.getstatus(added.id_email)
    (score,) = await client.mailinglist.engagement(list_id)
    assert row.id_email == record.id_email == score.id_email == added.id_email
    assert row.first_name == record.first_name == "Nov"
    assert record.id_mailing_list == list_id


async def test_unsubscribe_revalidate_cycle(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    list_id = emulator.state.add_mailing_list("News")
    record = emulator.state.add_recipient(list_id, "cyc@example.com")
    with pytest.raises(ConflictError, match="is not unsubscribed"):
        await client.email.revalidate(record.id, agreement=True)
    await client.email.unsubscribe("cyc@example.com", send_optout=True)
    assert emulator.state.unsubscribes[-1].notified
    assert (await client.email.unsubscribe_getstatus(record.id)).unsubscribed
    assert [u.email for u in await client.mailinglist.unsubscribed()] == ["cyc@example.com"]
    assert (await client.email.getstatus(record.id))[0].status == "unsubscribe"
    assert await client.email.revalidate(record.id, agreement=False) == Revalidated(True)
    assert (await client.email.unsubscribe_getstatus(record.id)).unsubscribed
    assert await client.email.revalidate("cyc@example.com", agreement=True) == Revalidated(False)
    assert not (await client.email.unsubscribe_getstatus(record.id)).unsubscribed
    assert (await client.email.getstatus(record.id))[0].status == "enabled"


async def test_temporary_unsubscribe_expires(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    list_id = emulator.state.add_mailing_list("News")
    emulator.state.add_recipient(list_id, "pause@example.com")
    emulator.state.now = lambda: NOW
    await client.email.unsubscribe("pause@example.com", send_optout=False, timeout_days=14)
    assert not emulator.state.unsubscribes[-1].notified
    assert (await client.email.unsubscribe_getstatus("pause@example.com")).unsubscribed
    emulator.state.now = lambda: NOW + timedelta(days=15)
    assert not (await client.email.unsubscribe_getstatus("pause@example.com")).unsubscribed


async def test_record_errors(client: MailkitClient, emulator: MailkitEmulator) -> None:
    list_id = emulator.state.add_mailing_list("News")
    record = emulator.state.add_recipient(list_id, "err@example.com")
    with pytest.raises(NotFoundError):
        await client.email.getstatus(999)
    with pytest.raises(NotFoundError):
        await client.email.getstatus(id_send_message=12)
    with pytest.raises(NotFoundError):
        await client.email.move(999, list_id)
    with pytest.raises(NotFoundError):
        await client.email.move(record.id, 999)
    with pytest.raises(NotFoundError, match="Invalid ID_email or email"):
        await client.email.unsubscribe("nobody@example.com", send_optout=False)
    with pytest.raises(NotFoundError, match="Invalid ID_email"):
        await client.mailinglist.edituser(list_id, 999, RecipientData(first_name="X"))
    with pytest.raises(NotFoundError, match="Invalid ID_mailing_list"):
        await client.mailinglist.edituser(999, record.id, RecipientData(first_name="X"))
    with pytest.raises(NotFoundError, match="Invalid ID_user_list"):
        await client.mailinglist.delete(999, keep_list=True)
    with pytest.raises(NotFoundError, match="Invalid ID_user_list"):
        await client.mailinglist.getstatus(999)
    with pytest.raises(NotFoundError, match="Invalid ID_topics"):
        await client.email.topics("err@example.com", [999])
    await client.email.wipe("err@example.com", confirm_wipe=True)
    with pytest.raises(ConflictError, match="Email has already been inserted"):
        await client.email.wipe(record.id, confirm_wipe=True)
    with pytest.raises(NotFoundError):
        await client.email.wipe("nobody@example.com", confirm_wipe=True)
    assert emulator.handler_errors == []


# ---------------------------------------------------------------------------
# parity: every typed method gives the same typed result over both wires
# ---------------------------------------------------------------------------


@attrs.frozen
class World:
    news: int
    other: int
    ids: tuple[int, ...]


def seed(state: EmulatorState) -> World:
    state.now = lambda: NOW
    news = state.add_mailing_list("News")
    other = state.add_mailing_list("Other")
    ids = []
    for i, (email, first) in enumerate(
        (("ann@example.com", "Ann"), ("bob@example.com", "Bob"), ("cy@example.com", "Cy"))
    ):
        record = state.add_recipient(
            news,
            email,
            personal={"first_name": first},
            address={"city": "Praha", "gender": "F"},
            custom={"custom3": f"c{i}"},
        )
        record.score, record.trend = 5 - i, i - 1
        ids.append(record.id)
    state.add_recipient(other, "ann@example.com")
    return World(news, other, tuple(ids))


Scenario = Callable[[MailkitClient, EmulatorState, World], Awaitable[object]]


def _keep(result: object) -> object:
    return result


async def _delete_list(c: MailkitClient, s: EmulatorState, w: World) -> object:
    emptied = await c.mailinglist.delete(w.news, keep_list=True)
    kept = (sorted(s.mailing_lists), len(s.recipients_of(w.news)))
    deleted = await c.mailinglist.delete(w.other, keep_list=False)
    return emptied, deleted, kept, sorted(s.mailing_lists)


async def _edituser(c: MailkitClient, s: EmulatorState, w: World) -> object:
    data = RecipientData(first_name="Žofie", city="Brno", custom={2: "gold"}, status="enabled")
    by_id = await c.mailinglist.edituser(w.news, w.ids[0], data)
    by_address = await c.mailinglist.edituser(
        w.news, "bob@example.com", RecipientData(last_name="B")
    )
    return by_id, by_address, await c.email.getstatus(w.ids[0]), await c.email.getstatus(w.ids[1])


async def _import(c: MailkitClient, s: EmulatorState, w: World) -> object:
    result = await c.mailinglist.import_(
        w.news,
        [
            "dan@example.com",
            ImportRecipient("ann@example.com", RecipientData(last_name="Nová", custom={25: "z"})),
            ImportRecipient("not-an-address"),
        ],
    )
    return result, await c.mailinglist.getstatus(w.news)


async def _getstatus(c: MailkitClient, s: EmulatorState, w: World) -> object:
    s.unsubscribe("cy@example.com")
    return (
        await c.mailinglist.getstatus(w.news),
        await c.mailinglist.getstatus(w.news, status="unsubscribe"),
        await c.mailinglist.getstatus(w.news, start_id=w.ids[1], limit=1),
        await c.mailinglist.getstatus(w.news, change_date=NOW + timedelta(seconds=1)),
    )


async def _iter_getstatus(c: MailkitClient, s: EmulatorState, w: World) -> object:
    return [r async for r in c.mailinglist.iter_getstatus(w.news, page_size=2)]


async def _unsubscribed(c: MailkitClient, s: EmulatorState, w: World) -> object:
    s.unsubscribe("ann@example.com")
    s.unsubscribe("+420777123456", groups=["27", "29"])
    return await c.mailinglist.unsubscribed(), await c.mailinglist.unsubscribed(
        NOW.date() + timedelta(days=1)
    )


async def _engagement(c: MailkitClient, s: EmulatorState, w: World) -> object:
    page = await c.mailinglist.engagement(w.news, start_id=w.ids[1], limit=5)
    return page, [e async for e in c.mailinglist.iter_engagement(w.news, page_size=2)]


async def _email_getstatus(c: MailkitClient, s: EmulatorState, w: World) -> object:
    campaign = s.add_campaign("Spring", "Hi")
    message = s.add_message(s.new_delivery(s.campaigns[campaign]), s.recipients[w.ids[1]])
    return (
        await c.email.getstatus(w.ids[0]),
        await c.email.getstatus("ann@example.com"),
        await c.email.getstatus(id_send_message=message.id),
    )


async def _history(c: MailkitClient, s: EmulatorState, w: World) -> object:
    campaign = s.add_campaign("Spring", "Hi", sender_name="Shop")
    delivery = s.new_delivery(s.campaigns[campaign])
    message = s.add_message(delivery, s.recipients[w.ids[0]])
    s.record_reaction(message.id, "open")
    s.record_reaction(
        message.id, "click", url="https://shop.example.com", country="CZ", city="Brno"
    )
    other = s.add_message(delivery, s.find_recipient(w.other, "ann@example.com"))  # type: ignore[arg-type]
    by_id = await c.email.getstatus_history(w.ids[0])
    by_address = await c.email.getstatus_history("ann@example.com")
    assert {m.id_send_message for m in by_address} == {message.id, other.id}
    return by_id, by_address


def _without_move_details(result: object) -> object:
    # JSON alone reports the new ID_email (XML-RPC answers only 1): compare the rest.
    moved, state = result  # type: ignore[misc]
    return attrs.evolve(moved, details=None), state


async def _move(c: MailkitClient, s: EmulatorState, w: World) -> object:
    moved = await c.email.move(w.ids[1], w.other)
    return moved, (sorted(s.recipients), await c.email.getstatus("bob@example.com"))


async def _delete(c: MailkitClient, s: EmulatorState, w: World) -> object:
    one = await c.email.delete(w.ids[1])
    every = await c.email.delete("ann@example.com")
    return one, every, sorted(s.recipients)


def _without_unsubscribe_status(result: object) -> object:
    # "status" is in the JSON answer only (undocumented meaning); the rest must match.
    done, state = result  # type: ignore[misc]
    return attrs.evolve(done, status=None), state


async def _unsubscribe(c: MailkitClient, s: EmulatorState, w: World) -> object:
    done = await c.email.unsubscribe(
        w.ids[2], send_optout=False, id_send_message=7, timeout_days=30
    )
    return done, (
        (await c.email.unsubscribe_getstatus("cy@example.com")).unsubscribed,
        await c.mailinglist.unsubscribed(),
        s.unsubscribes[-1].until,
    )


def _without_unsubscribe_details(result: object) -> object:
    # XML-RPC answers only "TRUE"/"FALSE": details (topics, timeout) are JSON-only.
    return [attrs.evolve(r, details=None) for r in result]  # type: ignore[attr-defined]


async def _unsubscribe_getstatus(c: MailkitClient, s: EmulatorState, w: World) -> object:
    s.unsubscribe("bob@example.com")
    return [
        await c.email.unsubscribe_getstatus(w.ids[0]),
        await c.email.unsubscribe_getstatus("bob@example.com"),
        await c.email.unsubscribe_getstatus("stranger@example.com"),
    ]


async def _revalidate(c: MailkitClient, s: EmulatorState, w: World) -> object:
    s.unsubscribe("ann@example.com")
    asked = await c.email.revalidate(w.ids[0], agreement=False, language="CZ")
    still = s.is_unsubscribed("ann@example.com")
    done = await c.email.revalidate("ann@example.com", agreement=True, campaign_id=1, channel="web")
    return asked, still, done, s.is_unsubscribed("ann@example.com")


async def _topics(c: MailkitClient, s: EmulatorState, w: World) -> object:
    topics = [s.add_topic(n) for n in ("news", "offers", "events")]
    keep = await c.email.topics("ann@example.com", topics[:1])
    after_keep = dict(s.topic_optouts)
    leave = await c.email.topics("bob@example.com", (), unsubscribe_all=True)
    after_leave = dict(s.topic_optouts)
    back = await c.email.topics("bob@example.com", activate_all=True)
    return keep, after_keep, leave, after_leave, back, dict(s.topic_optouts)


async def _wipe(c: MailkitClient, s: EmulatorState, w: World) -> object:
    by_id = await c.email.wipe(w.ids[1], confirm_wipe=True)
    by_address = await c.email.wipe("ann@example.com", confirm_wipe=True)
    return by_id, by_address, sorted(s.wipes)


PARITY: dict[str, tuple[Scenario, Callable[[object], object]]] = {
    "mailinglist.delete": (_delete_list, _keep),
    "mailinglist.edituser": (_edituser, _keep),
    "mailinglist.import_": (_import, _keep),
    "mailinglist.getstatus": (_getstatus, _keep),
    "mailinglist.iter_getstatus": (_iter_getstatus, _keep),
    "mailinglist.unsubscribed": (_unsubscribed, _keep),
    "mailinglist.engagement": (_engagement, _keep),
    "email.getstatus": (_email_getstatus, _keep),
    "email.getstatus_history": (_history, _keep),
    "email.move": (_move, _without_move_details),
    "email.delete": (_delete, _keep),
    "email.unsubscribe": (_unsubscribe, _without_unsubscribe_status),
    "email.unsubscribe_getstatus": (_unsubscribe_getstatus, _without_unsubscribe_details),
    "email.revalidate": (_revalidate, _keep),
    "email.topics": (_topics, _keep),
    "email.wipe": (_wipe, _keep),
}


async def run_scenario(wire: str, scenario: Scenario) -> object:
    async with MailkitEmulator() as emu:
        world = seed(emu.state)
        async with make_client(emu, wire, strict=True) as client:
            result = await scenario(client, emu.state, world)
        assert emu.handler_errors == []
        return result


def test_parity_covers_every_typed_method() -> None:
    assert {FUNCTIONS[f].method for f in MY_FUNCTIONS} <= set(PARITY)


@pytest.mark.parametrize("method", sorted(PARITY))
async def test_parity(method: str) -> None:
    scenario, json_only = PARITY[method]
    over_json = await run_scenario("json", scenario)
    over_xml = await run_scenario("xmlrpc", scenario)
    assert json_only(over_json) == json_only(over_xml)
    assert over_json, "a scenario must produce something to compare"


async def test_json_only_extras_are_filled_over_json_only() -> None:
    moved_json, _ = await run_scenario("json", _move)  # type: ignore[misc]
    moved_xml, _ = await run_scenario("xmlrpc", _move)  # type: ignore[misc]
    assert moved_json.details is not None
    assert moved_json.details.id_email > 0
    assert moved_xml.details is None
    status_json = await run_scenario("json", _unsubscribe_getstatus)
    status_xml = await run_scenario("xmlrpc", _unsubscribe_getstatus)
    assert [s.details is not None for s in status_json] == [True, True, True]  # type: ignore[attr-defined]
    assert [s.details for s in status_xml] == [None, None, None]  # type: ignore[attr-defined]


async def test_move_gives_a_new_record_in_the_destination(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    world = seed(emulator.state)
    await client.email.move(world.ids[1], world.other)
    (record,) = await client.email.getstatus("bob@example.com")
    assert record.id_mailing_list == world.other
    assert record.id_email not in world.ids
    assert (record.first_name, record.custom) == ("Bob", {3: "c1"})


@pytest.mark.parametrize("wire", TRANSPORTS)
async def test_topics_show_in_unsubscribe_status_over_json(wire: str) -> None:
    async with MailkitEmulator() as emu:
        topics = [emu.state.add_topic(n) for n in ("a", "b", "c")]
        async with make_client(emu, wire, strict=True) as client:
            await client.email.topics("t@example.com", [topics[1]])
            status = await client.email.unsubscribe_getstatus("t@example.com")
    assert not status.unsubscribed
    if wire == "json":
        assert status.details is not None
        assert status.details.topics == (topics[0], topics[2])
    assert emu.state.topic_optouts == {"t@example.com": {topics[0], topics[2]}}
