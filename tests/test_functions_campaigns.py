"""Campaign management, profile and file manager: wire layouts, decoding and parity.

* Wire tests run each typed method against a recording transport and encode what it
  hands over with each wire: the JSON body and the XML-RPC params must equal the
  documented example (or, for undocumented forms, the layout the catalog promises).
* Decoding tests feed the documented answers through the whole client (the
  emulator answers the exact bytes) in strict mode.
* Parity tests run every typed method over JSON and over XML-RPC against identically
  seeded emulators and compare the typed results.
"""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime
from typing import Any

import pytest

from mailkit_async import (
    APIError,
    ConfigurationError,
    ConflictError,
    Documentation,
    FunctionSpec,
    InvalidParametersError,
    JsonWire,
    MailkitClient,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    XmlRpcWire,
)
from mailkit_async._catalog import FUNCTIONS, spec_for
from mailkit_async._resources._reshape import message_record, rows, schedule_list
from mailkit_async.models import (
    Campaign,
    CampaignDelivery,
    CampaignSaved,
    FileDeleted,
    FileEntry,
    FileUpload,
    MessageRecord,
    MessageTestResult,
    SavedQuery,
    ScheduleCancelled,
    ScheduleCreated,
    ScheduledSend,
    ScheduleList,
    SenderAddress,
    TimeZone,
    UploadedFile,
    UploadError,
)
from mailkit_async.testing import EmulatorState, Fault, MailkitEmulator

from ._support import CLIENT_ID, MD5, b64
from .conftest import TRANSPORTS, make_client

FIXED = datetime(2024, 3, 14, 9, 23, 56)

Call = Callable[[MailkitClient], Awaitable[Any]]


# ---------------------------------------------------------------------------
# wire layouts
# ---------------------------------------------------------------------------


class RecordingTransport:
    """A transport that records each call's documented parameters and answers ``answer``."""

    name = "recording"

    def __init__(self, answer: object) -> None:
        self.answer = answer
        self.calls: list[tuple[str, dict[str, object]]] = []

    async def call(
        self, function: str, params: Mapping[str, object], *, credentials: object, timeout: object
    ) -> object:
        self.calls.append((function, dict(params)))
        return self.answer

    async def aclose(self) -> None:
        return None


def envelope(function: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"function": function, "id": str(CLIENT_ID), "md5": MD5}
    if parameters is not None:
        body["parameters"] = parameters
    return body


_GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"

# (id, typed call, canned answer, documented JSON object, documented XML-RPC params)
WIRE_CASES: list[tuple[str, Call, object, dict[str, Any], tuple[Any, ...]]] = [
    (
        "campaigns.create",
        lambda c: c.campaigns.create("Campaign name", subject="Subject", id_allow_email=123456),
        2001,
        # a working client's JSON: the XML struct's members, base64, inside "parameters"
        envelope(
            "mailkit.campaigns.create",
            {
                "name": b64("Campaign name"),
                "subject": b64("Subject"),
                "ID_allow_email": b64("123456"),
            },
        ),
        (
            CLIENT_ID,
            MD5,
            {
                "name": b64("Campaign name"),
                "subject": b64("Subject"),
                "ID_allow_email": b64("123456"),
            },
        ),
    ),
    (
        "campaigns.update",
        lambda c: c.campaigns.update(
            123456,
            name="Name",
            subject="Subject",
            id_allow_email=123456,
            type_send="txthtml",
            generate_txt=True,
            id_mailing_list=1234,
            id_query=12,
            id_template=3,
            test_mode=True,
            test_emails=["test@emaildemos.com"],
            google_analytics=True,
        ),
        "OK",
        envelope(
            "mailkit.campaigns.update",
            {
                "ID_message": "123456",
                "update": "true",
                "name": b64("Name"),
                "subject": b64("Subject"),
                "ID_allow_email": "MTIzNDU2",  # the page's own value
                "type_send": b64("txthtml"),
                "generate_txt": b64("TRUE"),  # the page says "true" here, "TRUE" elsewhere
                "ID_mailing_list": b64("1234"),
                "ID_query": b64("12"),
                "ID_template": b64("3"),
                "test_mode": b64("TRUE"),
                "test_emails": b64("test@emaildemos.com"),
                "google_analytics": b64("TRUE"),
            },
        ),
        (
            CLIENT_ID,
            MD5,
            "123456",
            "true",
            {
                "name": b64("Name"),
                "subject": b64("Subject"),
                "ID_allow_email": "MTIzNDU2",
                "type_send": b64("txthtml"),
                "generate_txt": b64("TRUE"),
                "ID_mailing_list": b64("1234"),
                "ID_query": b64("12"),
                "ID_template": b64("3"),
                "test_mode": b64("TRUE"),
                "test_emails": b64("test@emaildemos.com"),
                "google_analytics": b64("TRUE"),
            },
        ),
    ),
    (
        "campaigns.single_schedule",
        lambda c: c.campaigns.single_schedule(
            123456, "now", subject="Subject", time_zone="", id_delivery_feed=1234, id_query=55
        ),
        {"ID_send_message_queue": 4001},
        envelope(
            "mailkit.campaigns.single.schedule",
            {
                "ID_message": "123456",
                "subject": "Subject",
                "send_date": "now",
                "time_zone": "",
                "ID_delivery_feed": "1234",
                "ID_query": "55",
            },
        ),
        # 7th slot: the empty "condition" placeholder; then ID_template; then the struct
        (
            CLIENT_ID,
            MD5,
            123456,
            "Subject",
            "now",
            "",
            "",
            "",
            {"ID_query": "55", "ID_delivery_feed": "1234"},
        ),
    ),
    (
        "campaigns.single_schedule.minimal",
        lambda c: c.campaigns.single_schedule(123456, datetime(2024, 5, 1, 8, 30)),
        "OK",
        envelope(
            "mailkit.campaigns.single.schedule",
            {"ID_message": "123456", "send_date": "2024-05-01 08:30"},
        ),
        (CLIENT_ID, MD5, 123456, "", "2024-05-01 08:30", "", "", "", {}),
    ),
    (
        "campaigns.schedule_list",
        lambda c: c.campaigns.schedule_list(123456),
        {"ID_message": 123456, "data": ""},
        envelope("mailkit.campaigns.schedule.list", {"ID_message": "123456"}),
        (CLIENT_ID, MD5, 123456),
    ),
    (
        "campaigns.schedule_timezones",
        lambda c: c.campaigns.schedule_timezones(),
        [],
        envelope("mailkit.campaigns.schedule.timezones"),  # no "parameters" at all
        (CLIENT_ID, MD5),
    ),
    (
        "campaigns.schedule_cancel",  # inferred layout
        lambda c: c.campaigns.schedule_cancel(123456, 4001),
        "OK",
        envelope(
            "mailkit.campaigns.schedule.cancel",
            {"ID_message": "123456", "ID_send_message_queue": "4001"},
        ),
        (CLIENT_ID, MD5, 123456, 4001),
    ),
    (
        "campaigns.messages",  # inferred layout
        lambda c: c.campaigns.messages(123456),
        [],
        envelope("mailkit.campaigns.messages", {"ID_message": "123456"}),
        (CLIENT_ID, MD5, 123456),
    ),
    (
        "campaigns.messages_last",  # inferred layout
        lambda c: c.campaigns.messages_last(123456),
        [],
        envelope("mailkit.campaigns.messages.last", {"ID_message": "123456"}),
        (CLIENT_ID, MD5, 123456),
    ),
    (
        "campaigns.messages_test",
        lambda c: c.campaigns.messages_test(
            123456,
            "test@example.com",
            id_preview_email=1234,
            version="A",
            content={"var": "Hodnota"},
        ),
        "OK version A",
        envelope(
            "mailkit.campaigns.messages.test",
            {
                "ID_message": "123456",
                "email": "test@example.com",
                "ID_preview_email": "1234",
                "A/B": "A",
                "content": {"var": b64("Hodnota")},
            },
        ),
        (
            CLIENT_ID,
            MD5,
            123456,
            "test@example.com",
            1234,
            "A",
            {"content": {"var": b64("Hodnota")}},
        ),
    ),
    (
        "campaigns.messages_test.minimal",
        lambda c: c.campaigns.messages_test(123456, "test@example.com"),
        "OK",
        envelope(
            "mailkit.campaigns.messages.test", {"ID_message": "123456", "email": "test@example.com"}
        ),
        (CLIENT_ID, MD5, 123456, "test@example.com", 0, "", {}),
    ),
    (
        "campaigns.history",
        lambda c: c.campaigns.history(id_message=123456, list_count=5),
        [],
        envelope("mailkit.campaigns.history", {"list_count": 5, "ID_message": "123456"}),
        (CLIENT_ID, MD5, {"list_count": 5, "ID_message": "123456"}),
    ),
    (
        "campaigns.history.all",
        lambda c: c.campaigns.history(list_count=30),
        [],
        envelope("mailkit.campaigns.history", {"list_count": 30, "ID_message": ""}),
        (CLIENT_ID, MD5, {"list_count": 30, "ID_message": ""}),  # the XML example exactly
    ),
    (
        "profile.emails_list",
        lambda c: c.profile.emails_list(),
        [],
        envelope("mailkit.profile.emails.list"),
        (CLIENT_ID, MD5),
    ),
    (
        "profile.queries_list",
        lambda c: c.profile.queries_list(),
        {"data": []},
        envelope("mailkit.profile.queries.list", {}),  # an empty "parameters" object
        (CLIENT_ID, MD5),
    ),
    (
        "filemanager.upload",
        lambda c: c.filemanager.upload([FileUpload("name.gif", _GIF, description="description")]),
        [],
        envelope(
            "mailkit.filemanager.upload",
            {
                "files": [
                    {
                        "folder_name": "",
                        "name": "name.gif",
                        "data": b64(_GIF),
                        "description": "description",
                    }
                ]
            },
        ),
        (
            CLIENT_ID,
            MD5,
            [
                {
                    "folder_name": "",
                    "name": "name.gif",
                    "data": b64(_GIF),
                    "description": "description",
                }
            ],
        ),
    ),
    (
        "filemanager.list",
        lambda c: c.filemanager.list(123456),
        [],
        envelope("mailkit.filemanager.list", {"ID_folder": "123456"}),
        (CLIENT_ID, MD5, "123456"),  # ID_folder is a <string>
    ),
    (
        "filemanager.list.root",
        lambda c: c.filemanager.list(),
        [],
        envelope("mailkit.filemanager.list", {}),
        (CLIENT_ID, MD5, ""),
    ),
    (
        "filemanager.delete",
        lambda c: c.filemanager.delete(12345, kind="file"),
        "DELETED",
        envelope("mailkit.filemanager.delete", {"ID_file/ID_folder": "12345", "file/dir": "file"}),
        (CLIENT_ID, MD5, 12345, "file"),
    ),
]


async def _recorded(call: Call, answer: object) -> tuple[str, dict[str, object]]:
    transport = RecordingTransport(answer)
    async with MailkitClient(CLIENT_ID, MD5, transport=transport) as client:
        await call(client)
    [recorded] = transport.calls
    return recorded


@pytest.mark.parametrize(
    ("_id", "call", "answer", "expected", "_xml"), WIRE_CASES, ids=[c[0] for c in WIRE_CASES]
)
async def test_json_body_matches_documented_example(
    _id: str, call: Call, answer: object, expected: dict[str, Any], _xml: object
) -> None:
    function, params = await _recorded(call, answer)
    body = JsonWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params)
    assert json.loads(body) == expected


@pytest.mark.parametrize(
    ("_id", "call", "answer", "_json", "expected"), WIRE_CASES, ids=[c[0] for c in WIRE_CASES]
)
async def test_xmlrpc_params_match_documented_example(
    _id: str, call: Call, answer: object, _json: object, expected: tuple[Any, ...]
) -> None:
    function, params = await _recorded(call, answer)
    body = XmlRpcWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params)
    decoded, method = xmlrpc.client.loads(body)
    assert method == function
    assert decoded == expected
    assert [type(v) for v in decoded] == [type(v) for v in expected]


async def test_upload_data_is_base64_text_in_a_string() -> None:
    [call] = [c[1] for c in WIRE_CASES if c[0] == "filemanager.upload"]
    function, params = await _recorded(call, [])
    body = XmlRpcWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params).decode()
    assert "<base64>" not in body
    assert f"<string>{b64(_GIF)}</string>" in body


def test_specs_record_safety_and_documentation() -> None:
    mine = {
        s.name: s
        for s in FUNCTIONS.values()
        if s.category in ("campaign management", "profile", "file manager")
    }
    assert len(mine) == 16
    unsafe = {n for n, s in mine.items() if not s.idempotent}
    assert unsafe == {
        "mailkit.campaigns.create",
        "mailkit.campaigns.update",
        "mailkit.campaigns.single.schedule",
        "mailkit.campaigns.schedule.cancel",
        "mailkit.campaigns.messages.test",
        "mailkit.filemanager.upload",
        "mailkit.filemanager.delete",
    }
    inferred = {n for n, s in mine.items() if s.documentation is Documentation.INFERRED}
    assert inferred == {
        "mailkit.campaigns.schedule.cancel",
        "mailkit.campaigns.messages",
        "mailkit.campaigns.messages.last",
    }
    test_spec: FunctionSpec = mine["mailkit.campaigns.messages.test"]
    assert all(test_spec.is_success_string(t) for t in ("OK", "OK version A", "OK version B"))
    assert not test_spec.is_success_string("Too many requests")
    delete = mine["mailkit.filemanager.delete"]
    assert delete.is_success_string("DELETED")
    assert not delete.is_success_string("Invalid ID_file")


# ---------------------------------------------------------------------------
# documented answers, decoded through the whole client (strict mode)
# ---------------------------------------------------------------------------


def xml_answer(value: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<methodResponse><params><param>'
        f"<value>{value}</value></param></params></methodResponse>"
    ).encode()


def x_struct(**members: str) -> str:
    return (
        "<struct>"
        + "".join(
            f"<member><name>{k}</name><value>{v}</value></member>" for k, v in members.items()
        )
        + "</struct>"
    )


def x_array(*items: str) -> str:
    return "<array><data>" + "".join(f"<value>{i}</value>" for i in items) + "</data></array>"


_PENDING_ROW = {
    "SUBJECT": "subject",
    "TIME_ZONE": "+01:00",
    "DATE_SEND": "2018-03-31 08:25:00",
    "USE_AB": "FALSE",
    "SUBJECT_B": "",
    "DATE": "2018-03-13 10:26:23",
    "ID_SEND_MESSAGE_QUEUE": 123,
}
_PENDING = ScheduledSend(
    id_send_message_queue=123,
    date_send=datetime(2018, 3, 31, 8, 25),
    time_zone="+01:00",
    subject="subject",
    subject_b="",
    use_ab=False,
    date=datetime(2018, 3, 13, 10, 26, 23),
)
_SENDER = SenderAddress(12345, "example@example.cz", "Jméno odesílatele", "active", "TRUE")
_SENDER_XML = x_struct(
    NAME="<string>Jméno odesílatele</string>",
    ID_ALLOW_EMAIL="<i4>12345</i4>",
    STATUS="<string>active</string>",
    EMAIL="<string>example@example.cz</string>",
    SPF="<string>TRUE</string>",
)
_QUERY_ROW = {
    "DATE": "2016-02-26 19:48:43",
    "CHANGE_DATE": "2016-02-26 20:05:57",
    "CHANGE_NAME": "change_name",
    "ID_QUERY": 123,
    "NAME": "name",
    "DESCRIPTION": "description",
    "CREATE_NAME": "create_name",
}
_QUERY = SavedQuery(
    123,
    "name",
    "description",
    datetime(2016, 2, 26, 19, 48, 43),
    "create_name",
    datetime(2016, 2, 26, 20, 5, 57),
    "change_name",
)

# (id, typed call, transport, body, expected typed result)
DECODE_CASES: list[tuple[str, Call, str, bytes, object]] = [
    (
        "history-json",
        lambda c: c.campaigns.history(),
        "json",
        b'[{"ID_MESSAGE": "123456", "ID_SEND": "123456", "DATE": "2016-03-14 09:23:56",'
        b' "PREVIEW": "https://u.mailkit.eu/XXXX"}]',
        [
            CampaignDelivery(
                123456, 123456, datetime(2016, 3, 14, 9, 23, 56), "https://u.mailkit.eu/XXXX"
            )
        ],
    ),
    (
        "history-xml",
        lambda c: c.campaigns.history(),
        "xmlrpc",
        xml_answer(
            x_array(
                x_struct(
                    ID_MESSAGE="<i4>123456</i4>",
                    ID_SEND="<i4>123456</i4>",
                    DATE="<string>2016-03-14 09:23:56</string>",
                    PREVIEW="<string>https://u.mailkit.eu/XXXX</string>",
                )
            )
        ),
        [
            CampaignDelivery(
                123456, 123456, datetime(2016, 3, 14, 9, 23, 56), "https://u.mailkit.eu/XXXX"
            )
        ],
    ),
    (
        "schedule-list-none-json",
        lambda c: c.campaigns.schedule_list(123456),
        "json",
        b'{"ID_message": "123456", "data": "", "error_status": 0}',
        ScheduleList(123456, ()),
    ),
    (
        "schedule-list-none-xml",
        lambda c: c.campaigns.schedule_list(123456),
        "xmlrpc",
        xml_answer(
            x_struct(ID_message="<i4>123456</i4>", data="<string></string>", error="<i4>0</i4>")
        ),
        ScheduleList(123456, ()),
    ),
    (
        "schedule-list-pending-json",
        lambda c: c.campaigns.schedule_list(123456),
        "json",
        json.dumps({"ID_message": "123456", "error_status": 0, "data": [_PENDING_ROW]}).encode(),
        ScheduleList(123456, (_PENDING,)),
    ),
    (
        "schedule-list-pending-xml",
        lambda c: c.campaigns.schedule_list(123456),
        "xmlrpc",
        xml_answer(
            x_struct(
                ID_message="<i4>123456</i4>",
                data=x_array(
                    x_struct(
                        DATE="<string>2018-03-13 10:26:23</string>",
                        SUBJECT="<string>subject</string>",
                        SUBJECT_B="<string></string>",
                        TIME_ZONE="<string>+01:00</string>",
                        DATE_SEND="<string>2018-03-31 08:25:00</string>",
                        USE_AB="<string>FALSE</string>",
                        ID_SEND_MESSAGE_QUEUE="<i4>123</i4>",
                    )
                ),
                error="<i4>0</i4>",
            )
        ),
        ScheduleList(123456, (_PENDING,)),
    ),
    (
        "timezones-xml",
        lambda c: c.campaigns.schedule_timezones(),
        "xmlrpc",
        xml_answer(
            x_array(
                x_struct(
                    TZ_CODES=x_array("<string>GMT</string>"),
                    TIMEZONE="<string>Africa/Abidjan</string>",
                ),
                x_struct(
                    TZ_CODES=x_array("<string>GHST</string>", "<string>GMT</string>"),
                    TIMEZONE="<string>Africa/Accra</string>",
                ),
            )
        ),
        [TimeZone("Africa/Abidjan", ("GMT",)), TimeZone("Africa/Accra", ("GHST", "GMT"))],
    ),
    (
        "messages-test-ok-xml",
        lambda c: c.campaigns.messages_test(1, "a@example.cz"),
        "xmlrpc",
        xml_answer("<string>OK</string>"),
        MessageTestResult("OK", None),
    ),
    (
        "messages-test-version-xml",
        lambda c: c.campaigns.messages_test(1, "a@example.cz", version="B"),
        "xmlrpc",
        xml_answer("<string>OK version B</string>"),
        MessageTestResult("OK version B", "B"),
    ),
    (
        "create-xml",
        lambda c: c.campaigns.create("X"),
        "xmlrpc",
        xml_answer("<i4>2001</i4>"),
        CampaignSaved(2001),
    ),
    (
        "create-json",
        lambda c: c.campaigns.create("X"),
        "json",
        b'{"ID_message": "2001", "error_status": 0}',
        CampaignSaved(2001),
    ),
    (
        "emails-xml",
        lambda c: c.profile.emails_list(),
        "xmlrpc",
        xml_answer(x_array(_SENDER_XML)),
        [_SENDER],
    ),
    (
        "emails-json",  # the third-party client's reading: {"emails": [...]}
        lambda c: c.profile.emails_list(),
        "json",
        json.dumps(
            {
                "emails": [
                    {
                        "NAME": "Jméno odesílatele",
                        "ID_ALLOW_EMAIL": 12345,
                        "STATUS": "active",
                        "EMAIL": "example@example.cz",
                        "SPF": "TRUE",
                    }
                ]
            }
        ).encode(),
        [_SENDER],
    ),
    (
        "queries-xml",
        lambda c: c.profile.queries_list(),
        "xmlrpc",
        xml_answer(
            x_struct(
                error_status="<i4>0</i4>",
                data=x_array(
                    x_struct(
                        **{
                            k: f"<i4>{v}</i4>" if isinstance(v, int) else f"<string>{v}</string>"
                            for k, v in _QUERY_ROW.items()
                        }
                    )
                ),
            )
        ),
        [_QUERY],
    ),
    (
        "queries-json",
        lambda c: c.profile.queries_list(),
        "json",
        json.dumps({"error_status": 0, "data": [_QUERY_ROW]}).encode(),
        [_QUERY],
    ),
    (
        "upload-xml",
        lambda c: c.filemanager.upload([FileUpload("name.gif", _GIF)]),
        "xmlrpc",
        xml_answer(
            x_array(
                x_struct(
                    ERROR="<i4>0</i4>",
                    NAME="<string>name.gif</string>",
                    NAME_ORIG="<string>name.gif</string>",
                    ID_FOLDER="<i4>0</i4>",
                    ID_FILE="<i4>12345</i4>",
                )
            )
        ),
        [UploadedFile(0, "name.gif", "name.gif", 0, 12345)],
    ),
    (
        "filemanager-list-xml",
        lambda c: c.filemanager.list(),
        "xmlrpc",
        xml_answer(
            x_array(
                x_struct(
                    NAME="<string>untitled folder</string>",
                    DATE="<string>2020-01-31 12:00:00</string>",
                    ID_FOLDER="<i4>123456</i4>",
                    PARENT="<string>parent folder</string>",
                    TYPE="<string>DIR</string>",
                )
            )
        ),
        [
            FileEntry(
                "untitled folder", "DIR", datetime(2020, 1, 31, 12), 123456, None, "parent folder"
            )
        ],
    ),
    (
        "delete-xml",
        lambda c: c.filemanager.delete(7, kind="dir"),
        "xmlrpc",
        xml_answer("<string>DELETED</string>"),
        FileDeleted(7, "dir", "DELETED"),
    ),
]


@pytest.mark.parametrize(
    ("_id", "call", "transport", "body", "expected"), DECODE_CASES, ids=[c[0] for c in DECODE_CASES]
)
async def test_documented_answers_decode(
    emulator: MailkitEmulator, _id: str, call: Call, transport: str, body: bytes, expected: object
) -> None:
    content_type = "application/json" if transport == "json" else "text/xml"
    emulator.faults.add(Fault.raw(body, content_type=content_type))
    async with make_client(emulator, transport, strict=True) as client:
        assert await call(client) == expected


async def test_schedule_list_error_member_raises(emulator: MailkitEmulator) -> None:
    # a status member that is not 0 is an error, whichever wire spells it
    emulator.faults.add(
        Fault.raw(
            b'{"ID_message": "1", "data": "", "error": "Invalid ID_message"}',
            content_type="application/json",
        )
    )
    emulator.faults.add(
        Fault.raw(
            xml_answer(
                x_struct(ID_message="<i4>1</i4>", data="<string></string>", error="<i4>3</i4>")
            ),
            content_type="text/xml",
        )
    )
    async with make_client(emulator, "json") as client:
        with pytest.raises(NotFoundError, match="Invalid ID_message"):
            await client.campaigns.schedule_list(1)
    async with make_client(emulator, "xmlrpc") as client:
        with pytest.raises(APIError) as info:
            await client.campaigns.schedule_list(1)
    assert info.value.code == 3


def test_reshapers() -> None:
    assert rows("") == []
    assert rows({"emails": [{"A": 1}]}, "emails") == [{"A": 1}]
    assert rows({"A": 1}, "data") == [{"A": 1}]
    assert schedule_list({"ID_message": 1, "data": "", "error": "0"}) == {
        "ID_message": 1,
        "data": "",
    }
    record = message_record({"id_send": "12", "DATE": "not a date", "Extra": [1]})
    assert record == {
        "ID_SEND": "12",
        "FIELDS": {"ID_SEND": "12", "DATE": "not a date", "EXTRA": [1]},
    }


def test_model_helpers() -> None:
    assert UploadedFile(5).code is UploadError.RENAMED
    assert UploadedFile(5).stored
    assert UploadedFile(2).stored
    assert not UploadedFile(1).stored
    assert UploadedFile(9).code is None
    assert not UploadedFile(9).stored
    assert _SENDER.usable
    assert _SENDER.spf_valid
    assert not SenderAddress(1, status="pending", spf="FALSE").usable
    assert FileEntry("x", "DIR").is_dir
    assert not FileEntry("x", "FILE").is_dir


# ---------------------------------------------------------------------------
# parity: every typed method over JSON and XML-RPC against identical emulators
# ---------------------------------------------------------------------------


def seed(state: EmulatorState) -> dict[str, int]:
    """The same account in every emulator: fixed clock, so dates line up too."""
    state.now = lambda: FIXED
    list_id = state.add_mailing_list("Newsletter")
    jana = state.add_recipient(list_id, "jana@example.cz")
    campaign = state.add_campaign(
        "Spring", "Jaro", use_ab=True, subject_b="Jaro B", user_lists=[list_id]
    )
    plain = state.add_campaign("Plain", "Hello")
    for _ in range(2):
        delivery = state.new_delivery(state.campaigns[campaign])
        state.add_message(delivery, jana)
    state.new_delivery(state.campaigns[plain])
    query = state.add_query("Active", "opened in the last 30 days")
    sender = state.add_sender("news@example.cz", "News", spf=False)
    folder = state.add_file("images", is_dir=True)
    logo = state.add_file("logo.png", b"\x89PNG", folder_id=folder.id)
    empty = state.add_file("empty", is_dir=True)
    schedule = state.add_schedule(
        campaign, datetime(2024, 4, 1, 8, 0), subject="Jaro", created=FIXED
    )
    return {
        "list": list_id,
        "jana": jana.id,
        "campaign": campaign,
        "plain": plain,
        "query": query.id,
        "sender": sender.id,
        "folder": folder.id,
        "logo": logo.id,
        "empty": empty.id,
        "schedule": schedule.id,
    }


Scenario = Callable[[MailkitClient, dict[str, int]], Awaitable[Any]]


async def _create(c: MailkitClient, ids: dict[str, int]) -> Any:
    saved = await c.campaigns.create(
        "Léto",
        subject="Předmět <b>&</b>",
        id_allow_email=ids["sender"],
        type_message="email",
        id_mailing_list=ids["list"],
        id_query=ids["query"],
        google_analytics=True,
        content="<p>Ahoj</p>",
    )
    return saved, await c.campaigns.list(saved.id_message)


async def _update(c: MailkitClient, ids: dict[str, int]) -> Any:
    saved = await c.campaigns.update(
        ids["campaign"],
        name="Renamed",
        subject="Nový",
        test_mode=True,
        test_emails=["t@example.cz"],
    )
    return saved, await c.campaigns.list(ids["campaign"])


async def _schedule(c: MailkitClient, ids: dict[str, int]) -> Any:
    first = await c.campaigns.single_schedule(
        ids["plain"], datetime(2024, 6, 1, 10, 0), time_zone="Europe/London", id_query=ids["query"]
    )
    second = await c.campaigns.single_schedule(ids["plain"], "now", subject="Right now")
    return first, second, await c.campaigns.schedule_list(ids["plain"])


async def _cancel(c: MailkitClient, ids: dict[str, int]) -> Any:
    cancelled = await c.campaigns.schedule_cancel(ids["campaign"], ids["schedule"])
    return cancelled, await c.campaigns.schedule_list(ids["campaign"])


async def _messages_test(c: MailkitClient, ids: dict[str, int]) -> Any:
    ab = await c.campaigns.messages_test(
        ids["campaign"],
        "t@example.cz",
        id_preview_email=ids["jana"],
        version="B",
        content={"coupon": "JARO24"},
    )
    return ab, await c.campaigns.messages_test(ids["plain"], "t@example.cz")


async def _upload(c: MailkitClient, ids: dict[str, int]) -> Any:
    outcomes = await c.filemanager.upload(
        [
            FileUpload("logo.png", b"new logo", folder_name="images", description="Logo"),
            FileUpload("setup.exe", b"MZ"),
            FileUpload("a.txt", b"text", folder_name="missing"),
            FileUpload("nodata.txt", b""),
            FileUpload("", b"nameless"),
        ]
    )
    return outcomes, await c.filemanager.list(ids["folder"]), await c.filemanager.list()


async def _delete(c: MailkitClient, ids: dict[str, int]) -> Any:
    file = await c.filemanager.delete(ids["logo"], kind="file")
    folder = await c.filemanager.delete(ids["empty"], kind="dir")
    return file, folder, await c.filemanager.list()


SCENARIOS: dict[str, Scenario] = {
    "campaigns.list": lambda c, ids: c.campaigns.list(),
    "campaigns.create": _create,
    "campaigns.update": _update,
    "campaigns.single_schedule": _schedule,
    "campaigns.schedule_list": lambda c, ids: c.campaigns.schedule_list(ids["campaign"]),
    "campaigns.schedule_timezones": lambda c, ids: c.campaigns.schedule_timezones(),
    "campaigns.schedule_cancel": _cancel,
    "campaigns.messages": lambda c, ids: c.campaigns.messages(ids["campaign"]),
    "campaigns.messages_last": lambda c, ids: c.campaigns.messages_last(ids["campaign"]),
    "campaigns.messages_test": _messages_test,
    "campaigns.history": lambda c, ids: c.campaigns.history(
        id_message=ids["campaign"], list_count=1
    ),
    "campaigns.history.all": lambda c, ids: c.campaigns.history(),
    "profile.emails_list": lambda c, ids: c.profile.emails_list(),
    "profile.queries_list": lambda c, ids: c.profile.queries_list(),
    "filemanager.upload": _upload,
    "filemanager.list": lambda c, ids: c.filemanager.list(ids["folder"]),
    "filemanager.delete": _delete,
}


def test_every_function_of_the_area_has_a_parity_scenario() -> None:
    covered = {name.split(".")[0] + "." + name.split(".")[1] for name in SCENARIOS}
    methods = {
        s.method
        for s in FUNCTIONS.values()
        if s.category in ("campaign management", "profile", "file manager")
    }
    assert methods <= covered


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_typed_results_are_equal_on_both_wires(scenario: str) -> None:
    results: dict[str, Any] = {}
    for transport in TRANSPORTS:
        async with MailkitEmulator() as emu:
            ids = seed(emu.state)
            async with make_client(emu, transport, strict=True) as client:
                results[transport] = await SCENARIOS[scenario](client, ids)
            assert emu.handler_errors == []
            assert {r.wire for r in emu.requests} == {transport}
    assert results["json"] == results["xmlrpc"]
    assert results["json"] not in (None, [], ())


# ---------------------------------------------------------------------------
# what the results say: the emulator keeps one consistent account
# ---------------------------------------------------------------------------


async def test_parity_values_are_meaningful() -> None:
    async with MailkitEmulator() as emu:
        ids = seed(emu.state)
        async with make_client(emu, "xmlrpc", strict=True) as client:
            saved, [created] = await _create(client, ids)
            assert isinstance(created, Campaign)
            assert (created.id_message, created.name, created.subject) == (
                saved.id_message,
                "Léto",
                "Předmět <b>&</b>",
            )
            assert created.user_list == (ids["list"],)
            assert emu.state.campaigns[saved.id_message].sender_email == "news@example.cz"
            first, second, pending = await _schedule(client, ids)
            # ordered by send date: "now" (the fixed clock, in March) before June
            assert [e.id_send_message_queue for e in pending.entries] == [
                second.id_send_message_queue,
                first.id_send_message_queue,
            ]
            london = next(
                e for e in pending.entries if e.id_send_message_queue == first.id_send_message_queue
            )
            assert (london.date_send, london.time_zone, london.subject) == (
                datetime(2024, 6, 1, 10),
                "+01:00",
                "Hello",
            )
            ab, plain = await _messages_test(client, ids)
            assert (ab.answer, ab.version, plain.answer, plain.version) == (
                "OK version B",
                "B",
                "OK",
                None,
            )
            assert emu.state.sample_sends[0].content == {"coupon": "JARO24"}
            last = await client.campaigns.messages_last(ids["campaign"])
            assert isinstance(last, MessageRecord)
            history = await client.campaigns.history(id_message=ids["campaign"])
            assert last.id_send == history[0].id_send == max(d.id_send for d in history)
            assert last.fields["NAME"] == "Spring"
            assert await client.campaigns.messages_last(saved.id_message) is None


async def test_schedule_then_cancel(client: MailkitClient, emulator: MailkitEmulator) -> None:
    campaign = emulator.state.add_campaign("Autumn", "Podzim")
    assert (await client.campaigns.schedule_list(campaign)).entries == ()
    made = await client.campaigns.single_schedule(
        campaign, datetime(2030, 1, 2, 3, 4), time_zone="Europe/Prague"
    )
    assert isinstance(made, ScheduleCreated)
    assert made.id_send_message_queue is not None
    [entry] = (await client.campaigns.schedule_list(campaign)).entries
    assert (entry.id_send_message_queue, entry.date_send, entry.time_zone) == (
        made.id_send_message_queue,
        datetime(2030, 1, 2, 3, 4),
        "+01:00",
    )
    cancelled = await client.campaigns.schedule_cancel(campaign, made.id_send_message_queue)
    assert cancelled == ScheduleCancelled(campaign, made.id_send_message_queue, "OK")
    assert (await client.campaigns.schedule_list(campaign)).entries == ()
    with pytest.raises(NotFoundError, match="Invalid ID_send_message_queue"):
        await client.campaigns.schedule_cancel(campaign, made.id_send_message_queue)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_one_test_message_per_30_seconds(emulator: MailkitEmulator, transport: str) -> None:
    clock = [1000.0]
    emulator.state.monotonic = lambda: clock[0]
    campaign = emulator.state.add_campaign("Autumn", "Podzim")
    async with make_client(emulator, transport, retry=RetryPolicy(max_attempts=1)) as client:
        assert (await client.campaigns.messages_test(campaign, "a@example.cz")).answer == "OK"
        with pytest.raises(RateLimitError, match="Too many"):
            await client.campaigns.messages_test(campaign, "a@example.cz")
        clock[0] += 30.0
        assert (await client.campaigns.messages_test(campaign, "a@example.cz")).answer == "OK"
    assert len(emulator.calls("mailkit.campaigns.messages.test")) == 3
    assert len(emulator.state.sample_sends) == 2


async def test_history_lists_sendmail_mass_deliveries(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    list_id = emulator.state.add_mailing_list("News")
    campaign = emulator.state.add_campaign("Autumn", "Podzim")
    other = emulator.state.add_campaign("Other", "Jiný")
    sent = []
    for target in (campaign, other, campaign):
        await client.sendmail_mass(
            target, list_id, [{"send_to": "a@example.cz", "create_email": True}]
        )
        sent.append(max(emulator.state.deliveries))
    mine = await client.campaigns.history(id_message=campaign)
    assert [d.id_send for d in mine] == [sent[2], sent[0]]
    assert all(d.id_message == campaign and d.preview for d in mine)
    assert [d.id_send for d in await client.campaigns.history(list_count=2)] == [sent[2], sent[1]]
    assert (await client.report.message_recipients(mine[0].id_send))[0].email == "a@example.cz"


async def test_profile_lists_what_the_account_has(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    [default] = await client.profile.emails_list()
    assert (default.id_allow_email, default.email, default.usable) == (
        6001,
        "sender@example.com",
        True,
    )
    query = emulator.state.add_query("Openers")
    assert [q.id_query for q in await client.profile.queries_list()] == [query.id]
    # a sender listed by the profile is accepted by create, an unknown one is not
    saved = await client.campaigns.create("Uses sender", id_allow_email=default.id_allow_email)
    assert emulator.state.campaigns[saved.id_message].sender_email == "sender@example.com"
    with pytest.raises(NotFoundError, match="Invalid ID_allow_email"):
        await client.campaigns.create("Bad sender", id_allow_email=99)


async def test_upload_codes_list_and_delete(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    folder = emulator.state.add_file("images", is_dir=True)
    results = await client.filemanager.upload(
        [
            FileUpload("a.gif", _GIF, folder_name="images"),
            FileUpload("a.gif", _GIF, folder_name="images"),
            FileUpload("tool.DLL", b"MZ"),
            FileUpload("b.gif", _GIF, folder_name="nowhere"),
            FileUpload("c.gif", b""),
            FileUpload("", _GIF),
        ]
    )
    assert [r.code for r in results] == [
        UploadError.OK,
        UploadError.RENAMED,
        UploadError.FORBIDDEN_EXTENSION,
        UploadError.FOLDER_NOT_FOUND,
        UploadError.MISSING_DATA,
        UploadError.MISSING_NAME,
    ]
    assert [r.stored for r in results] == [True, True, False, True, False, False]
    assert results[1].name != results[1].name_orig == "a.gif"
    in_folder = await client.filemanager.list(folder.id)
    assert sorted(e.name for e in in_folder) == sorted([results[0].name, results[1].name])
    assert all(e.size == len(_GIF) and not e.is_dir for e in in_folder)
    root = await client.filemanager.list()
    assert {e.name for e in root} == {"images", "b.gif"}
    with pytest.raises(ConflictError, match="Directory is not empty"):
        await client.filemanager.delete(folder.id, kind="dir")
    for r in results[:2]:
        assert await client.filemanager.delete(r.id_file, kind="file") == FileDeleted(
            r.id_file, "file"
        )
    assert await client.filemanager.list(folder.id) == []
    assert (await client.filemanager.delete(folder.id, kind="dir")).answer == "DELETED"


UNKNOWN_ID_CALLS: list[tuple[str, Call, str]] = [
    ("update", lambda c: c.campaigns.update(999, name="x"), "Invalid ID_message"),
    ("single_schedule", lambda c: c.campaigns.single_schedule(999, "now"), "Invalid ID_message"),
    ("schedule_list", lambda c: c.campaigns.schedule_list(999), "Invalid ID_message"),
    ("schedule_cancel", lambda c: c.campaigns.schedule_cancel(999, 4001), "Invalid ID_message"),
    ("messages", lambda c: c.campaigns.messages(999), "Invalid ID_message"),
    ("messages_last", lambda c: c.campaigns.messages_last(999), "Invalid ID_message"),
    (
        "messages_test",
        lambda c: c.campaigns.messages_test(999, "a@example.cz"),
        "Invalid ID_message",
    ),
    ("history", lambda c: c.campaigns.history(id_message=999), "Invalid ID_message"),
    (
        "create_list",
        lambda c: c.campaigns.create("x", id_mailing_list=999),
        "Invalid ID_mailing_list",
    ),
    ("filemanager.list", lambda c: c.filemanager.list(999), "Invalid ID_folder"),
    ("delete_file", lambda c: c.filemanager.delete(999, kind="file"), "Invalid ID_file"),
    ("delete_dir", lambda c: c.filemanager.delete(999, kind="dir"), "Invalid ID_folder"),
]


@pytest.mark.parametrize(
    ("_id", "call", "text"), UNKNOWN_ID_CALLS, ids=[c[0] for c in UNKNOWN_ID_CALLS]
)
async def test_unknown_ids_raise_not_found(
    client: MailkitClient, _id: str, call: Call, text: str
) -> None:
    with pytest.raises(NotFoundError) as info:
        await call(client)
    assert info.value.message == text


async def test_bad_input_raises_invalid_parameters(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    campaign = emulator.state.add_campaign("Autumn", "Podzim")
    with pytest.raises(InvalidParametersError, match="Bad email syntax"):
        await client.campaigns.messages_test(campaign, "not an address")
    with pytest.raises(NotFoundError, match="Invalid time_zone"):
        await client.campaigns.single_schedule(campaign, "now", time_zone="Mars/Olympus")
    assert emulator.state.sample_sends == []
    assert emulator.state.schedules == {}


GUARDS: list[tuple[str, Call, str]] = [
    ("delete kind", lambda c: c.filemanager.delete(1, kind="folder"), "kind must be"),  # type: ignore[arg-type]
    ("history count", lambda c: c.campaigns.history(list_count=51), "list_count"),
    (
        "aware date",
        lambda c: c.campaigns.single_schedule(1, datetime(2030, 1, 1).astimezone()),
        "naive",
    ),
    ("date text", lambda c: c.campaigns.single_schedule(1, "tomorrow"), "datetime or 'now'"),  # type: ignore[arg-type]
    (
        "long name",
        lambda c: c.filemanager.upload([FileUpload("x" * 51 + ".gif", _GIF)]),
        "longer than 50",
    ),
    ("no files", lambda c: c.filemanager.upload([]), "no files"),
    ("version", lambda c: c.campaigns.messages_test(1, "a@example.cz", version="C"), "version"),  # type: ignore[arg-type]
    ("setting type", lambda c: c.campaigns.create("x", content=b"bytes"), "content"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("_id", "call", "match"), GUARDS, ids=[g[0] for g in GUARDS])
async def test_guards_raise_before_sending(
    client: MailkitClient, emulator: MailkitEmulator, _id: str, call: Call, match: str
) -> None:
    with pytest.raises(ConfigurationError, match=match):
        await call(client)
    assert emulator.requests == []


async def test_delete_requires_kind_keyword() -> None:
    async with MailkitClient(CLIENT_ID, MD5, transport=RecordingTransport("DELETED")) as client:
        with pytest.raises(TypeError):
            await client.filemanager.delete(1)  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            await client.filemanager.delete(1, "file")  # type: ignore[misc]
