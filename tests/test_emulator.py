"""The built-in Mailkit emulator, driven with plain aiohttp and hand-written bodies."""

from __future__ import annotations

import ast
import asyncio
import io
import json
import logging
import time
import xmlrpc.client
from collections.abc import AsyncIterator
from html import escape
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import mailkit_async.testing
from mailkit_async._spec import Fixed, FunctionSpec, Group
from mailkit_async.testing import (
    EmulatorState,
    Fault,
    FaultPlan,
    MailkitEmulator,
    RecordedRequest,
    serve_forever,
)
from mailkit_async.testing._codec import (
    BadRequest,
    _name_slots,
    parse_json_call,
    parse_xmlrpc_call,
    render_json,
    render_xmlrpc,
)
from mailkit_async.testing._handlers_base import HANDLERS

from ._support import b64

MD5 = MailkitEmulator.DEFAULT_CLIENT_MD5
CID = MailkitEmulator.DEFAULT_CLIENT_ID


# ---------------------------------------------------------------------------
# hand-written request helpers
# ---------------------------------------------------------------------------


def x_int(n: int) -> str:
    return f"<value><int>{n}</int></value>"


def x_str(s: str) -> str:
    return f"<value><string>{escape(s, quote=False)}</string></value>"


def x_bool(b: bool) -> str:
    return f"<value><boolean>{int(b)}</boolean></value>"


def x_struct(**members: str) -> str:
    inner = "".join(f"<member><name>{k}</name>{v}</member>" for k, v in members.items())
    return f"<value><struct>{inner}</struct></value>"


def x_array(*items: str) -> str:
    return f"<value><array><data>{''.join(items)}</data></array></value>"


def xml_body(function: str, *params: str, client_id: str | None = None, md5: str = MD5) -> bytes:
    first = client_id if client_id is not None else x_int(CID)
    args = "".join(f"<param>{p}</param>" for p in (first, x_str(md5), *params))
    return (
        f'<?xml version="1.0"?><methodCall><methodName>{function}</methodName>'
        f"<params>{args}</params></methodCall>"
    ).encode()


def json_body(
    function: str,
    parameters: dict[str, Any] | None = None,
    *,
    top: dict[str, Any] | None = None,
    client_id: object = str(CID),
    md5: str = MD5,
) -> bytes:
    doc: dict[str, Any] = {"function": function, "id": client_id, "md5": md5}
    if parameters is not None:
        doc["parameters"] = parameters
    doc.update(top or {})
    return json.dumps(doc).encode()


async def post(
    session: aiohttp.ClientSession, emu: MailkitEmulator, path: str, body: bytes
) -> tuple[int, bytes]:
    async with session.post(emu.url + path, data=body) as resp:
        return resp.status, await resp.read()


async def call_json(session: aiohttp.ClientSession, emu: MailkitEmulator, body: bytes) -> Any:
    status, raw = await post(session, emu, "/json.fcgi", body)
    assert status == 200, raw
    return json.loads(raw)


async def call_xml(
    session: aiohttp.ClientSession, emu: MailkitEmulator, body: bytes
) -> tuple[Any, str]:
    """The decoded value and the raw text (to check the type tags)."""
    status, raw = await post(session, emu, "/rpc.fcgi", body)
    assert status == 200, raw
    (value,), _ = xmlrpc.client.loads(raw, use_builtin_types=True)
    return value, raw.decode()


def mass_recipient(email: str, list_id: int, campaign_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "send_to": email,
        "mailinglist_id": list_id,
        "campaign_id": campaign_id,
        "create_email": True,
        **extra,
    }


@pytest.fixture
async def emu() -> AsyncIterator[MailkitEmulator]:
    async with MailkitEmulator() as emulator:
        yield emulator
        assert emulator.handler_errors == []


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


# ---------------------------------------------------------------------------
# lifecycle
# ---------------------------------------------------------------------------


async def test_lifecycle_url_and_idempotent_start_close() -> None:
    emulator = MailkitEmulator()
    with pytest.raises(RuntimeError):
        _ = emulator.url
    await emulator.start()
    await emulator.start()
    try:
        assert emulator.url == f"http://127.0.0.1:{emulator.port}"
        assert emulator.port > 0
        assert emulator.json_url.endswith("/json.fcgi")
        assert emulator.xmlrpc_url.endswith("/rpc.fcgi")
        assert MD5 not in repr(emulator)
        assert len(MD5) == 32
        int(MD5, 16)
        assert emulator.client_id == 12345
    finally:
        await emulator.aclose()
    await emulator.aclose()


async def test_custom_credentials(session: aiohttp.ClientSession) -> None:
    async with MailkitEmulator(777, "f" * 32, results_delay=2.5) as emulator:
        assert emulator.results_delay == 2.5
        assert emulator.state.results_delay == 2.5
        ok = await call_json(
            session, emulator, json_body("mailkit.mailinglist.list", client_id=777, md5="f" * 32)
        )
        assert ok == []
        bad = await call_json(session, emulator, json_body("mailkit.mailinglist.list"))
        assert bad == {"error_status": 1, "error": "Unauthorized"}


async def test_shutdown_wakes_stalled_request(session: aiohttp.ClientSession) -> None:
    emulator = MailkitEmulator()
    await emulator.start()
    emulator.faults.add(Fault.stall(60))
    task = asyncio.create_task(
        post(session, emulator, "/json.fcgi", json_body("mailkit.mailinglist.list"))
    )
    for _ in range(500):
        if emulator.in_flight:
            break
        await asyncio.sleep(0.01)
    started = time.monotonic()
    await emulator.aclose()
    assert time.monotonic() - started < 3
    result = await asyncio.gather(task, return_exceptions=True)
    assert isinstance(result[0], tuple | aiohttp.ClientError)
    assert emulator.in_flight == 0


# ---------------------------------------------------------------------------
# mailkit.mailinglist.list / create
# ---------------------------------------------------------------------------


async def test_mailinglist_list_both_wires(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("Newsletter", "Monthly")
    expected = {"ID_USER_LIST": list_id, "NAME": "Newsletter", "STATUS": "enabled"}
    rows = await call_json(session, emu, json_body("mailkit.mailinglist.list"))
    assert rows == [{**expected, "DESCRIPTION": "Monthly"}]
    assert isinstance(rows[0]["ID_USER_LIST"], int)
    value, raw = await call_xml(session, emu, xml_body("mailkit.mailinglist.list"))
    assert value == [{**expected, "DESCRIPTION": "Monthly"}]
    assert f"<i4>{list_id}</i4>" in raw


async def test_mailinglist_create_both_wires(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    answer = await call_json(
        session, emu, json_body("mailkit.mailinglist.create", {"name": "A", "description": "d"})
    )
    assert answer == {"data": "1001"}
    value, raw = await call_xml(
        session, emu, xml_body("mailkit.mailinglist.create", x_str("B"), x_str(""))
    )
    assert value == {"data": 1002}
    assert "<i4>1002</i4>" in raw
    assert [m.name for m in emu.state.mailing_lists.values()] == ["A", "B"]
    assert emu.state.mailing_lists[1001].description == "d"

    dup = await call_json(session, emu, json_body("mailkit.mailinglist.create", {"name": "A"}))
    assert dup == {"error_status": 1, "error": "Mailing list exist"}
    value, raw = await call_xml(
        session, emu, xml_body("mailkit.mailinglist.create", x_str(""), x_str(""))
    )
    assert value == "Missing name of mailing list"
    assert "<fault>" not in raw
    assert "<string>Missing name of mailing list</string>" in raw
    missing = await call_json(session, emu, json_body("mailkit.mailinglist.create", {}))
    assert missing["error"] == "Missing name of mailing list"


# ---------------------------------------------------------------------------
# mailkit.mailinglist.adduser
# ---------------------------------------------------------------------------


def adduser_json(list_id: object, email: str | None, **extra: Any) -> bytes:
    personal: dict[str, str] = {"first_name": b64("Jméno")}
    if email is not None:
        personal["email"] = b64(email)
    parameters = {"ID_user_list": list_id, "confirm": "FALSE", "personal": personal, **extra}
    return json_body("mailkit.mailinglist.adduser", parameters)


async def test_adduser_json_insert_update_and_consistency(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    first = await call_json(
        session,
        emu,
        adduser_json(
            str(list_id),
            "jan@example.cz",
            address={"city": b64("Brno")},
            custom={"custom1": b64("x")},
            params={"ip_src": "1.2.3.4"},
        ),
    )
    assert first == {"ID_email": "500001", "status": 1, "error_status": 0}
    again = await call_json(session, emu, adduser_json(list_id, "JAN@example.cz"))
    assert again == {"ID_email": "500001", "status": 0, "error_status": 0}
    (record,) = emu.state.recipients_of(list_id)
    assert record.email == "jan@example.cz"
    assert record.personal == {"first_name": "Jméno"}
    assert record.address == {"city": "Brno"}
    assert record.custom == {"custom1": "x"}
    assert record.consent == {"ip_src": "1.2.3.4"}

    # The added recipient is known to later calls: a send with create_email FALSE reaches it.
    campaign_id = emu.state.add_campaign()
    recipient = mass_recipient("jan@example.cz", list_id, campaign_id, create_email=False)
    sent = await call_json(
        session, emu, json_body("mailkit.sendmail_mass", top={"recipients": [recipient]})
    )
    request = emu.state.mass_requests[int(sent["request_id"])]
    assert request.failures == []
    rows = await call_json(
        session,
        emu,
        json_body("mailkit.report.message.recipients", {"ID_send": str(request.send_id)}),
    )
    assert [(r["EMAIL"], r["ID_EMAIL"]) for r in rows] == [("jan@example.cz", "500001")]


async def test_adduser_unsubscribed_codes_and_confirm(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    emu.state.unsubscribe("gone@example.cz")
    inserted = await call_json(session, emu, adduser_json(list_id, "gone@example.cz"))
    assert inserted["status"] == 2
    updated = await call_json(session, emu, adduser_json(list_id, "gone@example.cz"))
    assert updated["status"] == 3
    doi = json_body(
        "mailkit.mailinglist.adduser",
        {"ID_user_list": list_id, "confirm": "TRUE", "personal": {"email": b64("n@example.cz")}},
    )
    assert await call_json(session, emu, doi) == {
        "error": "Sent subscribe email",
        "error_status": 0,
    }
    pending = emu.state.find_recipient(list_id, "n@example.cz")
    assert pending is not None
    assert pending.confirmed is False


@pytest.mark.parametrize(
    ("list_id", "email", "extra", "error"),
    [
        (None, "a@example.cz", {}, "Missing ID_mailing_list"),
        ("", "a@example.cz", {}, "Missing ID_mailing_list"),
        (999, "a@example.cz", {}, "Invalid ID_mailing_list"),
        ("abc", "a@example.cz", {}, "Invalid ID_mailing_list"),
        ("LIST", None, {}, "Missing email"),
        ("LIST", "not-an-address", {}, "Bad email syntax"),
        (
            "LIST",
            "a@example.cz",
            {"custom": {"custom1": "%%%"}},
            "Bad base64 encoding of custom.custom1",
        ),
    ],
)
async def test_adduser_errors(
    emu: MailkitEmulator,
    session: aiohttp.ClientSession,
    list_id: object,
    email: str | None,
    extra: dict[str, Any],
    error: str,
) -> None:
    real = emu.state.add_mailing_list("L")
    parameters: dict[str, Any] = {"confirm": "FALSE", "personal": {}, **extra}
    if list_id is not None:
        parameters["ID_user_list"] = real if list_id == "LIST" else list_id
    if email is not None:
        parameters["personal"]["email"] = b64(email)
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.adduser", parameters))
    assert answer == {"error_status": 1, "error": error}
    assert emu.state.recipients == {}


async def test_adduser_xmlrpc(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    list_id = emu.state.add_mailing_list("L")

    def body(confirm: bool, email: str) -> bytes:
        return xml_body(
            "mailkit.mailinglist.adduser",
            x_int(list_id),
            x_bool(confirm),
            x_struct(email=x_str(b64(email)), last_name=x_str(b64("Nováková"))),
            x_struct(gender=x_str(b64("F"))),
            x_struct(),
            x_struct(form_url=x_str("https://example.com/f")),
        )

    value, raw = await call_xml(session, emu, body(False, "eva@example.cz"))
    assert value == {"data": 500001, "status": 1}
    assert "<i4>500001</i4>" in raw
    value, _ = await call_xml(session, emu, body(True, "new@example.cz"))
    assert value == "Sent subscribe email"
    record = emu.state.find_recipient(list_id, "eva@example.cz")
    assert record is not None
    assert record.personal == {"last_name": "Nováková"}
    assert record.address == {"gender": "F"}
    call = emu.calls("mailkit.mailinglist.adduser")[0]
    assert call.wire == "xmlrpc"
    assert call.params["ID_user_list"] == list_id
    assert call.params["confirm"] is False
    assert MD5 not in repr(call)


# ---------------------------------------------------------------------------
# mailkit.campaigns.list
# ---------------------------------------------------------------------------


async def test_campaigns_list_both_wires(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    first = emu.state.add_campaign("One", "Hi", user_lists=[1001, 1002], test_mode=True)
    second = emu.state.add_campaign("Two", "Ho")
    rows = await call_json(session, emu, json_body("mailkit.campaigns.list"))
    assert [r["ID_MESSAGE"] for r in rows] == [first, second]
    row = rows[0]
    assert set(row) == {
        "NAME",
        "ID_MESSAGE",
        "SUBJECT",
        "SUBJECT_B",
        "MSG_TYPE",
        "CAMPAIGN_TYPE",
        "USE_AB",
        "TEST_MODE",
        "SEND_DATE",
        "TIME_ZONE",
        "LAST_SENT",
        "REPEAT",
        "REPEAT_COUNT",
        "PERIOD",
        "DAYS",
        "STATUS",
        "TYPE",
        "USER_LIST",
    }
    assert row["USER_LIST"] == [1001, 1002]
    assert row["TEST_MODE"] is True
    assert row["USE_AB"] is False
    assert row["REPEAT_COUNT"] == 0

    one = await call_json(
        session, emu, json_body("mailkit.campaigns.list", top={"ID_message": str(second)})
    )
    assert [r["NAME"] for r in one] == ["Two"]
    assert (
        await call_json(session, emu, json_body("mailkit.campaigns.list", top={"ID_message": "99"}))
        == []
    )
    # ID_message belongs at the top level: inside "parameters" it is not seen.
    misplaced = await call_json(
        session, emu, json_body("mailkit.campaigns.list", {"ID_message": str(second)})
    )
    assert len(misplaced) == 2

    value, raw = await call_xml(session, emu, xml_body("mailkit.campaigns.list", x_int(first)))
    assert value[0]["USER_LIST"] == [1001, 1002]
    assert value[0]["TEST_MODE"] is True
    assert f"<name>ID_MESSAGE</name><value><i4>{first}</i4>" in raw
    assert "<name>USE_AB</name><value><boolean>0</boolean>" in raw
    empty, _ = await call_xml(session, emu, xml_body("mailkit.campaigns.list", x_int(4242)))
    assert empty == []
    every, _ = await call_xml(session, emu, xml_body("mailkit.campaigns.list"))
    assert len(every) == 2


# ---------------------------------------------------------------------------
# mailkit.sendmail_mass / .results / report.message.recipients
# ---------------------------------------------------------------------------


async def test_sendmail_mass_json_fills_reports(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    campaign_id = emu.state.add_campaign("C", "Subject")
    recipients = [
        mass_recipient(
            "a@example.cz", list_id, campaign_id, customs={"first_name": "A", "custom1": "c"}
        ),
        mass_recipient("b@example.cz", list_id, campaign_id, subject="Own subject"),
    ]
    answer = await call_json(
        session, emu, json_body("mailkit.sendmail_mass", top={"recipients": recipients})
    )
    assert answer == {
        "list": ["a@example.cz", "b@example.cz"],
        "data": "OK",
        "request_id": "7001",
        "error_status": 0,
    }
    request = emu.state.mass_requests[7001]
    (call,) = emu.calls("mailkit.sendmail_mass")
    assert call.params["recipients"] == recipients
    assert "md5" not in call.params

    rows = await call_json(
        session,
        emu,
        json_body("mailkit.report.message.recipients", {"ID_send": str(request.send_id)}),
    )
    assert [r["EMAIL"] for r in rows] == ["a@example.cz", "b@example.cz"]
    assert all(r["STATUS"] == "sent" for r in rows)
    assert all(
        isinstance(r[k], str) and r[k].isdigit()
        for r in rows
        for k in ("READ_COUNT", "ID_EMAIL", "CLICK_COUNT", "ID_SEND_MESSAGE")
    )
    assert rows[0]["AB_VERSION"] == ""
    record = emu.state.find_recipient(list_id, "a@example.cz")
    assert record is not None
    assert record.personal["first_name"] == "A"
    assert record.custom["custom1"] == "c"
    subjects = [m.subject for m in emu.state.messages_of(request.send_id)]
    assert subjects == ["Subject", "Own subject"]

    results = await call_json(
        session, emu, json_body("mailkit.sendmail_mass.results", {"request_id": "7001"})
    )
    assert results == {"error_status": 0, "status": "OK"}


async def test_sendmail_mass_xmlrpc(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    list_id = emu.state.add_mailing_list("L")
    campaign_id = emu.state.add_campaign()

    def recipient(email: str) -> str:
        return x_struct(
            send_to=x_str(email),
            mailinglist_id=x_int(list_id),
            campaign_id=x_int(campaign_id),
            create_email=x_str("TRUE"),
            customs=x_struct(first_name=x_str("X")),
            content=x_struct(var1=x_str("v")),
        )

    body = xml_body(
        "mailkit.sendmail_mass",
        x_array(recipient("x@example.cz"), recipient("y@example.cz")),
        x_struct(id_send=x_str("today")),
    )
    value, raw = await call_xml(session, emu, body)
    assert value == {"data": "OK", "list": ["x@example.cz", "y@example.cz"], "request_id": 7001}
    assert "<i4>7001</i4>" in raw
    send_id = emu.state.mass_requests[7001].send_id
    rows, raw = await call_xml(
        session, emu, xml_body("mailkit.report.message.recipients", x_int(send_id))
    )
    assert [r["EMAIL"] for r in rows] == ["x@example.cz", "y@example.cz"]
    assert isinstance(rows[0]["ID_SEND_MESSAGE"], int)
    assert "<name>READ_COUNT</name><value><i4>0</i4>" in raw
    results, _ = await call_xml(
        session, emu, xml_body("mailkit.sendmail_mass.results", x_int(send_id), x_int(7001))
    )
    assert results == {"status": "OK"}
    message = emu.state.messages_of(send_id)[0]
    assert message.content == {"var1": "v"}


async def test_sendmail_mass_today_merges_delivery(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    campaign_id = emu.state.add_campaign()

    async def send(email: str, options: dict[str, str] | None) -> int:
        top: dict[str, Any] = {"recipients": [mass_recipient(email, list_id, campaign_id)]}
        if options is not None:
            top["options"] = options
        answer = await call_json(session, emu, json_body("mailkit.sendmail_mass", top=top))
        return emu.state.mass_requests[int(answer["request_id"])].send_id

    first = await send("a@example.cz", {"id_send": "today"})
    second = await send("b@example.cz", {"id_send": "today"})
    third = await send("c@example.cz", None)
    assert first == second
    assert third not in (first, second)
    assert [m.email for m in emu.state.messages_of(first)] == ["a@example.cz", "b@example.cz"]
    assert emu.state.campaigns[campaign_id].last_sent is not None


async def test_sendmail_mass_results_delay_then_error_codes(
    session: aiohttp.ClientSession,
) -> None:
    async with MailkitEmulator(results_delay=30.0) as emulator:
        clock = [1000.0]
        emulator.state.monotonic = lambda: clock[0]
        state = emulator.state
        list_id = state.add_mailing_list("L")
        campaign_id = state.add_campaign()
        state.unsubscribe("out@example.cz", list_id)
        bounced = state.add_recipient(list_id, "dead@example.cz", status="permanent")
        recipients: list[dict[str, Any]] = [
            mass_recipient("ok@example.cz", list_id, campaign_id),
            mass_recipient("bad address", list_id, campaign_id),
            mass_recipient("", list_id, campaign_id),
            mass_recipient("x@example.cz", 999, campaign_id),
            mass_recipient("out@example.cz", list_id, campaign_id),
            mass_recipient("dead@example.cz", list_id, campaign_id),
            mass_recipient("new@example.cz", list_id, campaign_id, create_email=False),
            {"send_to": "nolist@example.cz", "campaign_id": campaign_id},
        ]
        answer = await call_json(
            session, emulator, json_body("mailkit.sendmail_mass", top={"recipients": recipients})
        )
        request_id = answer["request_id"]
        send_id = state.mass_requests[int(request_id)].send_id
        params = {"ID_send": send_id, "request_id": int(request_id)}
        body = json_body("mailkit.sendmail_mass.results", params)
        processing = await call_json(session, emulator, body)
        assert processing == {"error_status": 0, "status": "OK"}

        clock[0] += 30.0
        done = await call_json(session, emulator, body)
        assert done["status"] == "ERROR"
        assert done["error_status"] == 1
        codes = {r["EMAIL"]: r["ERROR_CODE"] for r in done["results"]}
        assert codes == {
            "bad address": 2,
            "": 3,
            "x@example.cz": 4,
            "out@example.cz": 6,
            "dead@example.cz": 2,
            "new@example.cz": 3,
            "nolist@example.cz": 4,
        }
        rows = {r["EMAIL"]: r for r in done["results"]}
        assert rows["dead@example.cz"]["ID_EMAIL"] == bounced.id
        assert rows["bad address"]["ID_EMAIL"] == 0
        assert rows["bad address"]["ID_SEND"] == send_id
        assert all(
            isinstance(r[k], int)
            for r in done["results"]
            for k in ("ID_EMAIL", "ERROR_CODE", "ID_SEND", "ID_SEND_MESSAGE")
        )
        assert set(done["results"][0]) == {
            "DATE",
            "INFO",
            "ID_EMAIL",
            "ERROR_CODE",
            "ID_SEND",
            "EMAIL",
            "ID_SEND_MESSAGE",
        }

        value, raw = await call_xml(
            session,
            emulator,
            xml_body("mailkit.sendmail_mass.results", x_int(0), x_int(int(request_id))),
        )
        assert value["status"] == "ERROR"
        assert len(value["results"]) == 7
        assert "<name>ERROR_CODE</name><value><i4>2</i4>" in raw
        assert "error_status" not in value

        # Only the accepted recipient and the records that exist appear in the report.
        report = await call_json(
            session, emulator, json_body("mailkit.report.message.recipients", {"ID_send": send_id})
        )
        statuses = {r["EMAIL"]: r["STATUS"] for r in report}
        assert statuses == {
            "ok@example.cz": "sent",
            "out@example.cz": "failed",
            "dead@example.cz": "failed",
        }


async def test_sendmail_mass_campaign_level_codes(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    no_sender = emu.state.add_campaign(sender_email="")
    plain = emu.state.add_campaign()
    attachment = [{"url": "https://example.com/a.pdf"}]

    async def codes(campaign_id: int, **extra: Any) -> list[int]:
        recipients = [mass_recipient("a@example.cz", list_id, campaign_id, **extra)]
        answer = await call_json(
            session, emu, json_body("mailkit.sendmail_mass", top={"recipients": recipients})
        )
        results = await call_json(
            session,
            emu,
            json_body("mailkit.sendmail_mass.results", {"request_id": answer["request_id"]}),
        )
        return [r["ERROR_CODE"] for r in results.get("results", [])]

    assert await codes(424242) == [5]
    assert await codes(no_sender) == [7]
    assert await codes(plain, attachment=attachment) == [1]
    transactional = emu.state.add_campaign(campaign_type="transactional")
    assert await codes(transactional, attachment=attachment) == []


async def test_sendmail_mass_call_errors(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    one, two = emu.state.add_campaign(), emu.state.add_campaign()
    mixed = [mass_recipient("a@example.cz", list_id, one), mass_recipient("b@ex.cz", list_id, two)]
    answer = await call_json(
        session, emu, json_body("mailkit.sendmail_mass", top={"recipients": mixed})
    )
    assert answer["error_status"] == 1
    assert "campaign_id" in answer["error"]
    assert emu.state.mass_requests == {}
    empty = await call_json(session, emu, json_body("mailkit.sendmail_mass", top={}))
    assert empty == {"error_status": 1, "error": "Missing recipients"}
    value, _ = await call_xml(session, emu, xml_body("mailkit.sendmail_mass", x_array()))
    assert value == "Missing recipients"


async def test_results_and_report_errors(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    invalid = await call_json(
        session, emu, json_body("mailkit.sendmail_mass.results", {"request_id": 5})
    )
    assert invalid == {"error_status": 1, "error": "Invalid request_id"}
    value, _ = await call_xml(
        session, emu, xml_body("mailkit.sendmail_mass.results", x_int(0), x_int(5))
    )
    assert value == "Invalid request_id"
    missing = await call_json(session, emu, json_body("mailkit.report.message.recipients", {}))
    assert missing == {"error_status": 1, "error": "Missing ID_send"}
    unknown = await call_json(
        session, emu, json_body("mailkit.report.message.recipients", {"ID_send": "77"})
    )
    assert unknown == {"error_status": 1, "error": "Invalid ID_send"}
    value, _ = await call_xml(
        session, emu, xml_body("mailkit.report.message.recipients", x_int(77))
    )
    assert value == "Invalid ID_send"


# ---------------------------------------------------------------------------
# credentials, allow-list, unknown functions, bad bodies
# ---------------------------------------------------------------------------


async def test_unauthorized_both_wires(
    emu: MailkitEmulator, session: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "0" * 32
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.list", md5=wrong))
    assert answer == {"error_status": 1, "error": "Unauthorized"}
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.list", client_id=1))
    assert answer == {"error_status": 1, "error": "Unauthorized"}
    value, raw = await call_xml(session, emu, xml_body("mailkit.mailinglist.list", md5=wrong))
    assert value == "Unauthorized"
    assert "<fault>" not in raw
    # client_id as <string>, as the PHP library sends it, is accepted.
    value, _ = await call_xml(
        session, emu, xml_body("mailkit.mailinglist.list", client_id=x_str(str(CID)))
    )
    assert value == []
    assert len(emu.requests) == 4
    assert all(MD5 not in repr(r) and wrong not in repr(r) for r in emu.requests)
    assert MD5 not in caplog.text


async def test_disallowed_ip(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    emu.disallowed_ip = True
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.list"))
    assert answer == {"error_status": 1, "error": "Disallowed IP 127.0.0.1"}
    value, _ = await call_xml(session, emu, xml_body("mailkit.mailinglist.create", x_str("N")))
    assert value == "Disallowed IP 127.0.0.1"
    assert emu.state.mailing_lists == {}


async def test_unknown_function(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    answer = await call_json(session, emu, json_body("mailkit.nonsense", {"a": 1}))
    assert answer == {"error_status": 1, "error": "Unknown function"}
    value, _ = await call_xml(session, emu, xml_body("mailkit.nonsense", x_int(3)))
    assert value == "Unknown function"
    assert emu.calls("mailkit.nonsense")[1].params == {"_args": [3]}


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/json.fcgi", b"{not json"),
        ("/json.fcgi", b"[1, 2]"),
        ("/json.fcgi", b'{"id": "1"}'),
        ("/rpc.fcgi", b"<methodCall><methodName>x</methodName>"),
        ("/rpc.fcgi", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><methodCall/>'),
        ("/rpc.fcgi", b"<methodResponse><params/></methodResponse>"),
    ],
)
async def test_unreadable_bodies_answer_400_unrecorded(
    emu: MailkitEmulator, session: aiohttp.ClientSession, path: str, body: bytes
) -> None:
    status, _ = await post(session, emu, path, body)
    assert status == 400
    assert emu.requests == []


async def test_get_is_not_served(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    async with session.get(emu.url + "/json.fcgi") as resp:
        assert resp.status == 405


# ---------------------------------------------------------------------------
# faults
# ---------------------------------------------------------------------------


async def test_fault_delay(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    fault = emu.faults.add(Fault.delay(0.2, function="mailkit.mailinglist.list"))
    started = time.monotonic()
    assert await call_json(session, emu, json_body("mailkit.mailinglist.list")) == []
    assert time.monotonic() - started >= 0.2
    assert fault.applied == 1
    assert len(emu.faults) == 0
    assert emu.requests[0].fault == "delay"


async def test_fault_status_with_retry_after(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.status(503, b"busy", {"Retry-After": "2"}))
    async with session.post(
        emu.json_url, data=json_body("mailkit.mailinglist.create", {"name": "X"})
    ) as resp:
        assert resp.status == 503
        assert resp.headers["Retry-After"] == "2"
        assert await resp.read() == b"busy"
    assert emu.state.mailing_lists == {}
    assert [r.fault for r in emu.requests] == ["status"]


async def test_fault_close_before_body_records_nothing(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.close_before_body())
    emu.faults.add(Fault.close_before_body(function="mailkit.mailinglist.create"))
    for _ in range(2):
        with pytest.raises(aiohttp.ClientError):
            await post(
                session, emu, "/json.fcgi", json_body("mailkit.mailinglist.create", {"name": "X"})
            )
    assert emu.requests == []
    assert emu.state.mailing_lists == {}
    # The plan is used up: the next call goes through.
    assert await call_json(session, emu, json_body("mailkit.mailinglist.list")) == []


async def test_fault_close_after_body_processes_then_drops(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    list_id = emu.state.add_mailing_list("L")
    campaign_id = emu.state.add_campaign()
    emu.faults.add(Fault.close_after_body(function="mailkit.sendmail_mass"))
    recipients = [mass_recipient("a@example.cz", list_id, campaign_id)]
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(
            session,
            emu,
            "/json.fcgi",
            json_body("mailkit.sendmail_mass", top={"recipients": recipients}),
        )
    (call,) = emu.calls("mailkit.sendmail_mass")
    assert call.fault == "close_after_body"
    (request,) = emu.state.mass_requests.values()
    assert [m.email for m in emu.state.messages_of(request.send_id)] == ["a@example.cz"]

    emu.faults.add(Fault.close_after_body(process=False, wire="xmlrpc"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(session, emu, "/rpc.fcgi", xml_body("mailkit.mailinglist.create", x_str("N")))
    assert len(emu.calls("mailkit.mailinglist.create")) == 1
    assert emu.state.find_mailing_list("N") is None


async def test_fault_stall_triggers_read_timeout(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.stall(30, function="mailkit.mailinglist.create"))
    timeout = aiohttp.ClientTimeout(total=5, sock_read=0.2)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        async with session.post(
            emu.json_url,
            data=json_body("mailkit.mailinglist.create", {"name": "S"}),
            timeout=timeout,
        ) as resp:
            await resp.read()
    assert time.monotonic() - started < 2
    assert len(emu.calls("mailkit.mailinglist.create")) == 1
    assert emu.state.find_mailing_list("S") is not None


async def test_fault_stall_short_then_answers(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.stall(0.1))
    emu.faults.add(Fault.stall(0.1, process=False))
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.create", {"name": "A"}))
    assert answer == {"data": "1001"}
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await post(
            session, emu, "/json.fcgi", json_body("mailkit.mailinglist.create", {"name": "B"})
        )
    assert emu.state.find_mailing_list("B") is None


async def test_fault_raw_and_error(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    emu.faults.add(Fault.raw(b"<html>oops</html>", wire="json"))
    emu.faults.add(Fault.raw(b"\x00\xff", status=502, content_type="application/octet-stream"))
    emu.faults.add(Fault.error("Too many requests", times=2))
    async with session.post(emu.json_url, data=json_body("mailkit.mailinglist.list")) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/html"
        assert await resp.read() == b"<html>oops</html>"
    status, raw = await post(session, emu, "/rpc.fcgi", xml_body("mailkit.mailinglist.list"))
    assert (status, raw) == (502, b"\x00\xff")
    answer = await call_json(session, emu, json_body("mailkit.mailinglist.list"))
    assert answer == {"error_status": 1, "error": "Too many requests"}
    value, _ = await call_xml(session, emu, xml_body("mailkit.mailinglist.list"))
    assert value == "Too many requests"
    assert await call_json(session, emu, json_body("mailkit.mailinglist.list")) == []
    assert [r.fault for r in emu.requests] == ["raw", "raw", "error", "error", None]


async def test_fault_truncate(emu: MailkitEmulator, session: aiohttp.ClientSession) -> None:
    emu.faults.add(Fault.truncate(function="mailkit.mailinglist.create"))
    with pytest.raises(aiohttp.ClientPayloadError):
        await post(
            session, emu, "/json.fcgi", json_body("mailkit.mailinglist.create", {"name": "T"})
        )
    assert emu.state.find_mailing_list("T") is not None
    emu.faults.add(Fault.truncate(b"<?xml", declared_length=50))
    async with session.post(emu.xmlrpc_url, data=xml_body("mailkit.mailinglist.list")) as resp:
        assert resp.headers["Content-Length"] == "50"
        with pytest.raises(aiohttp.ClientPayloadError):
            await resp.read()


async def test_fault_matching_order_times_and_filters(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    forever = emu.faults.add(Fault.error("always", function="mailkit.campaigns.list", times=None))
    twice = emu.faults.add(Fault.error("xml only", wire="xmlrpc", times=2))
    for _ in range(3):
        answer = await call_json(session, emu, json_body("mailkit.campaigns.list"))
        assert answer["error"] == "always"
        value, _ = await call_xml(session, emu, xml_body("mailkit.campaigns.list"))
        assert value == "always"
    for expected in ("xml only", "xml only", []):
        value, _ = await call_xml(session, emu, xml_body("mailkit.mailinglist.list"))
        assert value == expected
    assert forever.applied == 6
    assert twice.applied == 2
    assert emu.faults.pending == [forever]
    emu.faults.clear()
    assert await call_json(session, emu, json_body("mailkit.campaigns.list")) == []
    with pytest.raises(ValueError, match="wire"):
        Fault.error("x", wire="soap")
    with pytest.raises(ValueError, match="times"):
        Fault.error("x", times=0)
    assert isinstance(emu.faults, FaultPlan)


# ---------------------------------------------------------------------------
# concurrency
# ---------------------------------------------------------------------------


async def test_peak_in_flight_tracking(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.delay(0.3, function="mailkit.campaigns.list", times=None))
    calls = [call_json(session, emu, json_body("mailkit.campaigns.list")) for _ in range(6)]
    calls += [call_json(session, emu, json_body("mailkit.mailinglist.list")) for _ in range(2)]
    await asyncio.gather(*calls)
    assert emu.peak_in_flight_for("mailkit.campaigns.list") == 6
    assert emu.peak_in_flight_for("mailkit.mailinglist.list") >= 1
    assert emu.peak_in_flight_for("mailkit.sendmail_mass") == 0
    assert emu.peak_in_flight >= 6
    assert emu.in_flight == 0
    emu.clear_requests()
    assert emu.requests == []
    assert emu.peak_in_flight == 0


async def test_fault_counts_are_exact_under_concurrency(
    emu: MailkitEmulator, session: aiohttp.ClientSession
) -> None:
    emu.faults.add(Fault.status(503, times=3))

    async def one() -> int:
        status, _ = await post(session, emu, "/json.fcgi", json_body("mailkit.mailinglist.list"))
        return status

    statuses = await asyncio.gather(*(one() for _ in range(10)))
    assert sorted(statuses) == [200] * 7 + [503] * 3
    assert len(emu.requests) == 10


# ---------------------------------------------------------------------------
# command-line serving and the codec
# ---------------------------------------------------------------------------


async def test_serve_forever_prints_url_not_secret(session: aiohttp.ClientSession) -> None:
    out = io.StringIO()
    task = asyncio.create_task(
        serve_forever("127.0.0.1", 0, client_id=99, client_md5="a" * 32, out=out)
    )
    for _ in range(200):
        if "listening on" in out.getvalue():
            break
        await asyncio.sleep(0.01)
    text = out.getvalue()
    assert "client_id:  99" in text
    assert "a" * 32 not in text
    url = text.split("listening on ")[1].split()[0]
    body = json_body("mailkit.mailinglist.list", client_id=99, md5="a" * 32)
    async with session.post(url + "/json.fcgi", data=body) as resp:
        assert json.loads(await resp.read()) == []
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def test_render_xmlrpc_types() -> None:
    raw = render_xmlrpc(
        {
            "a": 2**31 - 1,
            "b": 2**31,
            "c": -(2**40),
            "d": True,
            "e": 1.5,
            "f": None,
            "g": b"\x00\x01",
            "h": "<&>",
            "i": [1, "x"],
        }
    ).decode()
    assert "<i4>2147483647</i4>" in raw
    assert "<i8>2147483648</i8>" in raw
    assert "<i8>-1099511627776</i8>" in raw
    assert "<boolean>1</boolean>" in raw
    assert "<double>1.5</double>" in raw
    assert "<nil/>" in raw
    assert "<base64>AAE=</base64>" in raw
    assert "<string>&lt;&amp;&gt;</string>" in raw
    assert "<array><data><value><i4>1</i4></value><value><string>x</string>" in raw
    (value,), _ = xmlrpc.client.loads(raw, use_builtin_types=True)
    assert value["b"] == 2**31
    assert value["h"] == "<&>"
    with pytest.raises(ValueError, match="64 bits"):
        render_xmlrpc(2**70)
    with pytest.raises(ValueError, match="NaN"):
        render_xmlrpc(float("nan"))
    assert render_xmlrpc("Unauthorized").endswith(
        b"<param><value><string>Unauthorized</string></value></param></params></methodResponse>\n"
    )
    assert render_json({"a": "é", "b": b"\x00"}) == '{"a":"é","b":"AA=="}'.encode()


def test_parse_slots_and_layouts() -> None:
    spec = FunctionSpec(
        "mailkit.example",
        "example",
        idempotent=True,
        xml_slots=("first", Fixed(0, "placeholder"), Group(("x", "y")), "last"),
    )
    named = _name_slots(spec, [1, 0, {"x": "X", "y": "Y", "z": "ignored"}, "L"])
    assert named == {"first": 1, "x": "X", "y": "Y", "last": "L"}
    assert _name_slots(spec, [1]) == {"first": 1}

    call = parse_json_call(
        json_body("mailkit.sendmail_mass", top={"recipients": [], "options": {}})
    )
    assert call.params == {"recipients": [], "options": {}}
    assert MD5 not in repr(call)
    bare = parse_json_call(json_body("mailkit.mailinglist.list", {"ignored": 1}))
    assert bare.params == {}
    php_empty = parse_json_call(json_body("mailkit.report.message.recipients", []))  # type: ignore[arg-type]
    assert php_empty.params == {}
    xml = parse_xmlrpc_call(xml_body("mailkit.sendmail_mass.results", x_int(1), x_int(2)))
    assert xml.params == {"ID_send": 1, "request_id": 2}
    assert xml.client_id == CID
    with pytest.raises(BadRequest):
        parse_xmlrpc_call(b"<!doctype methodCall><methodCall/>")
    with pytest.raises(BadRequest):
        parse_json_call(b"[" * 100_000)


def test_state_seed_helpers() -> None:
    state = EmulatorState()
    list_id = state.add_mailing_list("L")
    with pytest.raises(ValueError, match="exists"):
        state.add_mailing_list("L")
    record = state.add_recipient(list_id, "a@example.cz")
    state.unsubscribe("A@example.cz")
    assert record.status == "unsubscribe"
    assert state.is_unsubscribed("a@example.cz", list_id)
    assert [c.status for c in state.status_history] == ["enabled", "unsubscribe"]
    campaign_id = state.add_campaign("C", period="week", use_ab=True)
    assert state.campaigns[campaign_id].period == "week"
    with pytest.raises(TypeError):
        state.add_campaign(nonsense=1)
    with pytest.raises(KeyError):
        state.add_recipient(999, "x@example.cz")
    folder = state.add_file("dir", is_dir=True)
    state.add_file("a.txt", b"abc", folder_id=folder.id)
    assert [f.size for f in state.files_in(folder.id)] == [3]
    assert isinstance(RecordedRequest("f", "json", {}, 0.0), RecordedRequest)


def test_emulator_never_imports_the_client_codec() -> None:
    package = Path(mailkit_async.testing.__file__).parent
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                assert "_wire" not in name, (source.name, name)
                assert "_layout" not in name, (source.name, name)


async def test_documented_function_without_handler_answers_501(
    emu: MailkitEmulator, session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(HANDLERS, "mailkit.campaigns.list")
    status, raw = await post(session, emu, "/json.fcgi", json_body("mailkit.campaigns.list"))
    assert status == 501
    assert b"mailkit.campaigns.list" in raw


async def test_handler_crash_answers_500_and_is_kept(
    session: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(state: EmulatorState, params: dict[str, object], wire: str) -> Any:
        raise ZeroDivisionError

    monkeypatch.setitem(HANDLERS, "mailkit.campaigns.list", boom)
    async with MailkitEmulator() as emulator:
        status, _ = await post(session, emulator, "/rpc.fcgi", xml_body("mailkit.campaigns.list"))
        assert status == 500
        assert [type(e) for e in emulator.handler_errors] == [ZeroDivisionError]


async def test_client_gone_before_full_body_is_not_recorded(emu: MailkitEmulator) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    writer.write(
        b"POST /json.fcgi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000\r\n\r\n" + b'{"function"'
    )
    await writer.drain()
    for _ in range(500):
        if emu.in_flight:
            break
        await asyncio.sleep(0.01)
    writer.close()
    await writer.wait_closed()
    for _ in range(500):
        if not emu.in_flight:
            break
        await asyncio.sleep(0.01)
    assert emu.in_flight == 0
    assert emu.requests == []
    assert await reader.read() == b""
