"""client.sendmail and client.sendsms: wire layouts, decoding, parity, errors, safety."""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest

from mailkit_async import (
    APIError,
    ConfigurationError,
    HTTPStatusError,
    InvalidParametersError,
    JsonWire,
    MailkitClient,
    NotFoundError,
    OutcomeUnknownError,
    WireFormat,
    XmlRpcWire,
)
from mailkit_async._catalog import spec_for
from mailkit_async.models import (
    AddUserStatus,
    Attachment,
    RecipientData,
    SendMailResult,
    SendSmsResult,
)
from mailkit_async.testing import EmulatorState, Fault, MailkitEmulator

from ._support import CLIENT_ID, FAST, MD5, CannedTransport, b64, xml_response
from .conftest import TRANSPORTS, make_client

FIXED = datetime(2024, 3, 1, 10, 30, 0)


def encoded(function: str, params: dict[str, object]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The JSON object and the XML-RPC params (as the stdlib reads them) of one call."""
    spec = spec_for(function)
    body = JsonWire().encode_call(function, spec, CLIENT_ID, MD5, params)
    xml = XmlRpcWire().encode_call(function, spec, CLIENT_ID, MD5, params)
    decoded, method = xmlrpc.client.loads(xml)
    assert method == function
    return json.loads(body), decoded


async def captured(call: Callable[[MailkitClient], Awaitable[object]], answer: bytes) -> Any:
    """The (function, params) a typed method hands to the transport."""
    transport = CannedTransport(JsonWire(), answer)
    async with MailkitClient(CLIENT_ID, MD5, transport=transport) as client:
        await call(client)
    assert len(transport.calls) == 1
    return transport.calls[0]


SENT_JSON = b'{"data":"12345678","data2":"12345","data3":"12345678","status":"0","error_status":0}'
SENT_XML = xml_response(
    "<struct><member><name>data</name><value><i4>12345678</i4></value></member>"
    "<member><name>data2</name><value><i4>12345</i4></value></member>"
    "<member><name>data3</name><value><i4>12345678</i4></value></member>"
    "<member><name>status</name><value><i4>0</i4></value></member></struct>"
)

# ---------------------------------------------------------------------------
# wire layouts against the documented examples
# ---------------------------------------------------------------------------

FULL_DATA = RecipientData(
    status="unknown",
    vocative="Jane",
    prefix="Ing.",
    last_name="Nováková",
    first_name="Jana",
    reply_to="reply@example.com",
    company="Firma s.r.o.",
    nick_name="jn",
    street="Street 1",
    city="Praha",
    country="CZ",
    state="Praha",
    zip="11000",
    mobile="+420777744440",
    phone="+420222333444",
    fax="",
    gender="male",
    custom={1: "first", 25: "last"},
)


async def test_sendmail_layout_matches_documented_example() -> None:
    function, params = await captured(
        lambda c: c.sendmail(
            12345,
            123456,
            "email@example.com",
            FULL_DATA,
            subject="subject",
            message_data="optional message body",
            content={"var1": "value 1", "other_name": "value 2"},
            attachments=[
                Attachment(name="file.pdf", url="https://example.com/f.pdf", data=b"%PDF")
            ],
        ),
        SENT_JSON,
    )
    assert function == "mailkit.sendmail"
    main = {
        "send_to": "email@example.com",
        "subject": "subject",
        # the page's own example value for message_data
        "message_data": "b3B0aW9uYWwgbWVzc2FnZSBib2R5",
        "content": {"var1": b64("value 1"), "other_name": b64("value 2")},
    }
    recipient = {
        name: b64(getattr(FULL_DATA, name))
        for name in (
            "status",
            "vocative",
            "prefix",
            "last_name",
            "first_name",
            "reply_to",
            "company",
        )
    }
    assert recipient["status"] == "dW5rbm93bg=="  # "unknown", as on the page
    contact = {
        name: b64(getattr(FULL_DATA, name))
        for name in (
            "nick_name",
            "street",
            "city",
            "country",
            "state",
            "zip",
            "mobile",
            "phone",
            "fax",
            "gender",
        )
    }
    assert contact["gender"] == "bWFsZQ=="  # "male", as on the page
    custom = {"custom1": b64("first"), "custom25": b64("last")}
    attachment = {"url": "https://example.com/f.pdf", "name": "file.pdf", "data": b64(b"%PDF")}
    body, xml = encoded(function, params)
    assert body == {
        "function": "mailkit.sendmail",
        "id": str(CLIENT_ID),
        "md5": MD5,
        "parameters": {
            "mailinglist_id": 123456,
            "campaign_id": 12345,
            "main": main,
            "recipient": recipient,
            "contact": contact,
            "custom": custom,
            "attachment": attachment,
        },
    }
    assert xml == (CLIENT_ID, MD5, 123456, 12345, main, recipient, contact, custom, attachment)
    assert [type(v) for v in xml[2:4]] == [int, int]


async def test_sendmail_keeps_empty_blocks_as_structs_on_xmlrpc_only() -> None:
    function, params = await captured(lambda c: c.sendmail(7, 8, "a@example.com"), SENT_JSON)
    body, xml = encoded(function, params)
    assert body["parameters"] == {
        "mailinglist_id": 8,
        "campaign_id": 7,
        "main": {"send_to": "a@example.com"},
    }
    # recipient, contact and custom keep their positions; no attachment slot at all
    assert xml == (CLIENT_ID, MD5, 8, 7, {"send_to": "a@example.com"}, {}, {}, {})
    raw = XmlRpcWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params).decode()
    assert raw.count("<struct></struct>") == 3


async def test_sendmail_sends_several_attachments_as_a_list() -> None:
    files = [Attachment(name="a.txt", data=b"a"), Attachment(name="b.txt", url="https://x.cz/b")]
    _, params = await captured(
        lambda c: c.sendmail(1, 2, "a@example.com", attachments=files), SENT_JSON
    )
    assert params["attachment"] == [
        {"name": "a.txt", "data": b64(b"a")},
        {"url": "https://x.cz/b", "name": "b.txt"},
    ]


async def test_sendsms_layout_matches_documented_example() -> None:
    function, params = await captured(
        lambda c: c.sendsms(
            12345,
            123,
            "+420777744440",
            RecipientData(
                first_name="Jan", last_name="Novák", gender="m", custom={1: "c1", 2: "c2"}
            ),
            text="Own text",
            content={"var1": "one", "var2": "two"},
            use_utf=True,
            allow_split=False,
            source="Mailkit",
        ),
        b'{"error_status":0}',
    )
    recipient = {
        "email": "",
        "mobile": "+420777744440",
        "first_name": "Jan",
        "last_name": "Novák",
        "gender": "m",
        "custom1": "c1",
        "custom2": "c2",
    }
    content = {"sms_data": b64("Own text"), "content": {"var1": b64("one"), "var2": b64("two")}}
    body, xml = encoded(function, params)
    assert body["parameters"] == {
        "campaign": {
            "ID_message": 12345,
            "ID_user_list": 123,
            "use_utf": True,
            "allow_split": False,
            "source": "Mailkit",
        },
        "recipient": recipient,
        "content": content,
    }
    flags = {"ID_message": 12345, "ID_user_list": 123, "use_utf": "TRUE", "allow_split": "FALSE"}
    assert xml == (CLIENT_ID, MD5, {**flags, "source": "Mailkit"}, recipient, content)
    raw = XmlRpcWire().encode_call(function, spec_for(function), CLIENT_ID, MD5, params).decode()
    assert "<string>+420777744440</string>" in raw
    assert "<boolean>" not in raw


@pytest.mark.parametrize(
    ("call", "fragment"),
    [
        (lambda c: c.sendsms(1, 2, 420777744440), "mobile must be text"),
        (lambda c: c.sendsms(1, 2, "+420777744440", use_utf="yes"), "use_utf must be a bool"),
        (lambda c: c.sendmail(1, 2, "a@example.com", RecipientData(custom={26: "x"})), "custom"),
        (lambda c: c.sendmail("x", 2, "a@example.com"), "campaign_id"),
    ],
)
async def test_bad_arguments_fail_before_any_request(
    call: Callable[[MailkitClient], Awaitable[object]], fragment: str
) -> None:
    transport = CannedTransport(JsonWire(), SENT_JSON)
    async with MailkitClient(CLIENT_ID, MD5, transport=transport) as client:
        with pytest.raises(ConfigurationError, match=fragment):
            await call(client)
    assert transport.calls == []


# ---------------------------------------------------------------------------
# decoding the documented answers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("wire", "body"), [(JsonWire(), SENT_JSON), (XmlRpcWire(), SENT_XML)])
async def test_sendmail_answer_decodes_the_same_from_both_wires(
    wire: WireFormat, body: bytes
) -> None:
    async with MailkitClient(
        CLIENT_ID, MD5, transport=CannedTransport(wire, body), strict=True
    ) as c:
        result = await c.sendmail(1, 2, "a@example.com")
    assert result == SendMailResult(id_email=12345678, id_send=12345, id_message=12345678, status=0)
    assert result.status_code is AddUserStatus.UPDATED
    assert result.sent


@pytest.mark.parametrize(
    ("wire", "body", "expected"),
    [
        (JsonWire(), b'{"error_status":0}', SendSmsResult()),
        (XmlRpcWire(), xml_response("<string>OK</string>"), SendSmsResult(text="OK")),
        (
            JsonWire(),
            b'{"data":"5","data2":"6","data3":"7","status":"1","error_status":0}',
            SendSmsResult(id_email=5, id_send=6, id_message=7, status=1),
        ),
    ],
)
async def test_undocumented_sendsms_answer_decodes_leniently(
    wire: WireFormat, body: bytes, expected: SendSmsResult
) -> None:
    async with MailkitClient(
        CLIENT_ID, MD5, transport=CannedTransport(wire, body), strict=True
    ) as c:
        assert await c.sendsms(1, 2, "+420777744440") == expected


@pytest.mark.parametrize(
    ("wire", "body", "error"),
    [
        (XmlRpcWire(), xml_response("<string>Invalid ID_message</string>"), NotFoundError),
        (JsonWire(), b'{"error_status":1,"error":"Missing send_to"}', InvalidParametersError),
        (
            XmlRpcWire(),
            xml_response("<string>Attachment is not allowed</string>"),
            InvalidParametersError,
        ),
    ],
)
async def test_documented_error_answers(
    wire: WireFormat, body: bytes, error: type[Exception]
) -> None:
    async with MailkitClient(CLIENT_ID, MD5, transport=CannedTransport(wire, body)) as c:
        with pytest.raises(error):
            await c.sendmail(1, 2, "a@example.com")


# ---------------------------------------------------------------------------
# against the emulator: parity, state, errors, safety
# ---------------------------------------------------------------------------


def seed(state: EmulatorState) -> dict[str, int]:
    state.now = lambda: FIXED
    list_id = state.add_mailing_list("News")
    ids = {
        "list": list_id,
        "campaign": state.add_campaign("Order", "Your order", campaign_type="transactional"),
        "sms": state.add_campaign("Text", "", msg_type="sms", body="Hello"),
    }
    state.add_recipient(list_id, "known@example.com", personal={"first_name": "Old"})
    state.add_recipient(list_id, "gone@example.com", status="unsubscribe")
    return ids


@asynccontextmanager
async def twins() -> AsyncIterator[list[tuple[MailkitClient, MailkitEmulator, dict[str, int]]]]:
    """One strict client per transport, each with its own identically seeded emulator."""
    async with MailkitEmulator() as emu_json, MailkitEmulator() as emu_xml:
        pairs = []
        for emu, transport in ((emu_json, "json"), (emu_xml, "xmlrpc")):
            pairs.append((make_client(emu, transport, strict=True), emu, seed(emu.state)))
        try:
            yield pairs
        finally:
            for client, _, _ in pairs:
                await client.aclose()


SCENARIOS: dict[str, Callable[[MailkitClient, dict[str, int]], Awaitable[object]]] = {
    "sendmail new": lambda c, ids: c.sendmail(
        ids["campaign"],
        ids["list"],
        "new@example.com",
        RecipientData(first_name="Jana", city="Brno", custom={3: "VIP"}),
        subject="Hi",
        message_data=b"<p>body</p>",
        content={"order": "42"},
        attachments=[Attachment(name="invoice.pdf", data=b"%PDF-1.4")],
    ),
    "sendmail update": lambda c, ids: c.sendmail(ids["campaign"], ids["list"], "known@example.com"),
    "sendmail unsubscribed": lambda c, ids: c.sendmail(
        ids["campaign"], ids["list"], "gone@example.com"
    ),
    "sendsms": lambda c, ids: c.sendsms(
        ids["sms"],
        ids["list"],
        "+420777744440",
        RecipientData(first_name="Petr", custom={1: "x"}),
        email="sms@example.com",
        text="Ahoj",
        use_utf=True,
        allow_split=True,
        source="Shop",
    ),
    "sendsms without address": lambda c, ids: c.sendsms(ids["sms"], ids["list"], "+420600111222"),
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_parity_json_and_xmlrpc_give_equal_results(name: str) -> None:
    async with twins() as pairs:
        results = [await SCENARIOS[name](client, ids) for client, _, ids in pairs]
        assert not any(emu.handler_errors for _, emu, _ in pairs)
    assert results[0] == results[1]
    assert isinstance(results[0], SendMailResult | SendSmsResult)
    assert results[0].id_email


async def test_sendmail_files_recipient_and_message(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    ids = seed(emulator.state)
    first = await client.sendmail(
        ids["campaign"],
        ids["list"],
        "new@example.com",
        RecipientData(first_name="Jana", custom={2: "x"}),
    )
    again = await client.sendmail(ids["campaign"], ids["list"], "new@example.com", subject="Second")
    assert (first.status_code, again.status_code) == (AddUserStatus.INSERTED, AddUserStatus.UPDATED)
    assert first.id_email == again.id_email
    assert first.id_send == again.id_send  # one delivery per campaign and day
    record = emulator.state.recipients[first.id_email or 0]
    assert (record.personal["first_name"], record.custom["custom2"]) == ("Jana", "x")
    rows = await client.report.message_recipients(first.id_send or 0)
    assert [r.id_send_message for r in rows] == [first.id_message, again.id_message]
    assert emulator.state.messages[again.id_message or 0].subject == "Second"

    gone = await client.sendmail(ids["campaign"], ids["list"], "gone@example.com")
    assert gone.status_code is AddUserStatus.UPDATED_UNSUBSCRIBED
    assert not gone.sent
    assert gone.id_message == 0


async def test_sendsms_files_an_sms_message(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    ids = seed(emulator.state)
    result = await client.sendsms(
        ids["sms"], ids["list"], "+420777744440", text="Ahoj", use_utf=True
    )
    assert result.status_code is AddUserStatus.INSERTED
    message = emulator.state.messages[result.id_message or 0]
    assert (message.channel, message.message_data, message.customs["use_utf"]) == (
        "sms",
        "Ahoj",
        True,
    )
    assert emulator.state.recipients[result.id_email or 0].address["mobile"] == "+420777744440"


@pytest.mark.parametrize(
    ("change", "error", "text"),
    [
        ({"mailinglist_id": 999}, NotFoundError, "Invalid ID_mailing_list"),
        ({"campaign_id": 999}, NotFoundError, "Invalid ID_message"),
        ({"send_to": ""}, InvalidParametersError, "Missing send_to"),
        ({"send_to": "not an address"}, InvalidParametersError, "Bad email syntax"),
        ({"campaign_id": "plain"}, InvalidParametersError, "Attachment is not allowed"),
        ({"campaign_id": "no sender"}, InvalidParametersError, "Missing sender address"),
    ],
)
async def test_sendmail_errors_on_both_wires(
    client: MailkitClient,
    emulator: MailkitEmulator,
    change: dict[str, Any],
    error: type[APIError],
    text: str,
) -> None:
    ids = seed(emulator.state)
    named = {
        "plain": emulator.state.add_campaign("Plain"),
        "no sender": emulator.state.add_campaign("Nobody", sender_email=""),
    }
    args: dict[str, Any] = {
        "campaign_id": ids["campaign"],
        "mailinglist_id": ids["list"],
        "send_to": "x@example.com",
        **change,
    }
    args["campaign_id"] = named.get(args["campaign_id"], args["campaign_id"])
    with pytest.raises(error) as caught:
        await client.sendmail(**args, attachments=[Attachment(name="a.txt", data=b"a")])
    assert caught.value.message == text
    assert emulator.state.messages == {}


@pytest.mark.parametrize(
    ("mobile", "campaign", "error", "text"),
    [
        ("+420777744440", 999, NotFoundError, "Invalid ID_message"),
        ("+42 0777", None, NotFoundError, "Invalid mobile"),
    ],
)
async def test_sendsms_errors_on_both_wires(
    client: MailkitClient,
    emulator: MailkitEmulator,
    mobile: str,
    campaign: int | None,
    error: type[APIError],
    text: str,
) -> None:
    ids = seed(emulator.state)
    with pytest.raises(error) as caught:
        await client.sendsms(campaign or ids["sms"], ids["list"], mobile)
    assert caught.value.message == text


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_sends_are_never_repeated_after_an_unclear_failure(transport: str) -> None:
    async with MailkitEmulator() as emu:
        ids = seed(emu.state)
        emu.faults.add(Fault.status(503, function="mailkit.sendmail"))
        emu.faults.add(Fault.close_after_body(function="mailkit.sendsms"))
        async with make_client(emu, transport, retry=FAST) as client:
            with pytest.raises(HTTPStatusError):
                await client.sendmail(ids["campaign"], ids["list"], "a@example.com")
            with pytest.raises(OutcomeUnknownError):
                await client.sendsms(ids["sms"], ids["list"], "+420777744440")
        assert len(emu.calls("mailkit.sendmail")) == 1
        assert len(emu.calls("mailkit.sendsms")) == 1
    assert not spec_for("mailkit.sendmail").idempotent  # type: ignore[union-attr]
    assert not spec_for("mailkit.sendsms").idempotent  # type: ignore[union-attr]
