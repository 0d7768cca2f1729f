"""client.report.*: wire layouts, documented answers, parity, raw paging, errors, safety."""

from __future__ import annotations

import json
import xmlrpc.client
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

import pytest

from mailkit_async import (
    APIError,
    ConfigurationError,
    Documentation,
    InvalidParametersError,
    JsonWire,
    MailkitClient,
    NotFoundError,
    WireFormat,
    XmlRpcWire,
)
from mailkit_async._catalog import FUNCTIONS, spec_for
from mailkit_async._resources._pages import follow_cursor
from mailkit_async.models import (
    CampaignOverview,
    DeliveryReport,
    FeedbackBucket,
    LinkReport,
    LinkVisitor,
    MassRecipient,
    MessageBounce,
    MessageReport,
    RawBounce,
    RawMessage,
    RawResponse,
    VisitorAccess,
)
from mailkit_async.testing import EmulatorState, Fault, MailkitEmulator

from ._support import CLIENT_ID, FAST, MD5, CannedTransport, xml_response
from .conftest import TRANSPORTS, make_client

FIXED = datetime(2024, 3, 1, 10, 30, 0)

Call = Callable[[MailkitClient], Awaitable[Any]]


def x_struct(**members: str) -> str:
    inner = "".join(
        f"<member><name>{k}</name><value>{v}</value></member>" for k, v in members.items()
    )
    return f"<struct>{inner}</struct>"


def x_array(*items: str) -> str:
    return "<array><data>" + "".join(f"<value>{i}</value>" for i in items) + "</data></array>"


def i4(n: int) -> str:
    return f"<i4>{n}</i4>"


def s(text: str) -> str:
    return f"<string>{text}</string>"


async def answered(wire: WireFormat, body: bytes, call: Call, *, strict: bool = True) -> Any:
    """What a typed method returns when the network answers ``body`` on ``wire``."""
    transport = CannedTransport(wire, body)
    async with MailkitClient(CLIENT_ID, MD5, transport=transport, strict=strict) as client:
        return await call(client)


async def captured(call: Call) -> tuple[str, dict[str, object]]:
    """The (function, params) a typed method hands to the transport."""
    transport = CannedTransport(JsonWire(), b"[]")
    async with MailkitClient(CLIENT_ID, MD5, transport=transport) as client:
        await call(client)
    assert len(transport.calls) == 1
    return transport.calls[0]


def encoded(function: str, params: dict[str, object]) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """The JSON ``parameters`` object and the XML-RPC params (after the credentials)."""
    spec = spec_for(function)
    body = json.loads(JsonWire().encode_call(function, spec, CLIENT_ID, MD5, params))
    assert {k: body.pop(k) for k in ("function", "id", "md5")} == {
        "function": function,
        "id": str(CLIENT_ID),
        "md5": MD5,
    }
    xml, method = xmlrpc.client.loads(
        XmlRpcWire().encode_call(function, spec, CLIENT_ID, MD5, params)
    )
    assert method == function
    assert xml[:2] == (CLIENT_ID, MD5)
    return body, xml[2:]


# ---------------------------------------------------------------------------
# wire layouts against the documented examples
# ---------------------------------------------------------------------------

JAN1, JAN31 = date(2024, 1, 1), date(2024, 1, 31)

# (typed call, documented JSON "parameters", documented XML-RPC params after credentials)
LAYOUTS: dict[str, tuple[Call, dict[str, Any], tuple[Any, ...]]] = {
    "mailkit.report": (
        lambda c: c.report.overview(range_from=JAN1, range_to=JAN31),
        {"range_from": "2024-01-01", "range_to": "2024-01-31"},
        ("2024-01-01", "2024-01-31"),
    ),
    "mailkit.report.campaign": (
        lambda c: c.report.campaign(12345, range_from=JAN1, range_to=JAN31),
        {"range_from": "2024-01-01", "range_to": "2024-01-31", "ID_message": "12345"},
        (12345, "2024-01-01", "2024-01-31"),  # ID_message first on XML-RPC
    ),
    "mailkit.report.message": (
        lambda c: c.report.message(123456),
        {"ID_send": "123456"},
        (123456,),
    ),
    "mailkit.report.message.recipients": (
        lambda c: c.report.message_recipients(123456),
        {"ID_send": "123456"},
        (123456,),
    ),
    "mailkit.report.message.feedback": (
        lambda c: c.report.message_feedback(123456, period="WEEK"),
        {"period": "WEEK", "ID_send": "123456"},
        (123456, "WEEK"),  # ID_send before period on XML-RPC
    ),
    "mailkit.report.message.links": (
        lambda c: c.report.message_links(123456),
        {"ID_send": "123456"},
        (123456,),
    ),
    "mailkit.report.message.links.visitors": (
        lambda c: c.report.message_links_visitors(123456, 654321),
        {"ID_send": "123456", "ID_url": "654321"},
        (123456, 654321),
    ),
    "mailkit.report.message.bounces": (
        lambda c: c.report.message_bounces(123456),
        {"ID_send": "123456"},
        (123456,),
    ),
    "mailkit.report.raw.messages": (
        lambda c: c.report.raw_messages(
            id_message=12345, id_send=123456, id_send_message=123456789, limit=1000
        ),
        {
            "ID_message": "12345",
            "ID_send": "123456",
            "ID_send_message": "123456789",
            "limit": "1000",
        },
        (12345, 123456, 123456789, 1000),
    ),
    "mailkit.report.raw.bounces": (
        lambda c: c.report.raw_bounces(
            id_message=12345, id_send=123456, id_undelivered_log=123456789, limit=1000
        ),
        {
            "ID_message": "12345",
            "ID_send": "123456",
            "ID_undelivered_log": "123456789",
            "limit": "1000",
        },
        (12345, 123456, 123456789, 1000),
    ),
    "mailkit.report.raw.responses": (
        lambda c: c.report.raw_responses(
            id_message=12345, id_send=123456, id_send_message=7, id_log=123456789, limit=1000
        ),
        {
            "ID_message": "12345",
            "ID_send": "123456",
            "ID_send_message": "7",
            "ID_log": "123456789",
            "limit": "1000",
        },
        (12345, 123456, 7, 123456789, 1000),  # order chosen by analogy (page unreadable)
    ),
}


def test_every_report_function_has_a_layout_case() -> None:
    reports = {f for f in FUNCTIONS if f == "mailkit.report" or f.startswith("mailkit.report.")}
    assert set(LAYOUTS) == reports


@pytest.mark.parametrize("function", sorted(LAYOUTS))
async def test_request_layout_matches_documentation(function: str) -> None:
    call, json_params, xml_params = LAYOUTS[function]
    seen, params = await captured(call)
    assert seen == function
    body, xml = encoded(function, params)
    assert body == {"parameters": json_params}
    assert xml == xml_params
    assert [type(v) for v in xml] == [type(v) for v in xml_params]


@pytest.mark.parametrize(
    ("call", "function", "xml_params"),
    [
        (lambda c: c.report.raw_messages(limit=500), "mailkit.report.raw.messages", (0, 0, 0, 500)),
        (lambda c: c.report.raw_bounces(limit=500), "mailkit.report.raw.bounces", (0, 0, 0, 500)),
        (
            lambda c: c.report.raw_responses(limit=500),
            "mailkit.report.raw.responses",
            (0, 0, 0, 0, 500),
        ),
        # the filter placeholders are always sent; the trailing limit only when given
        (lambda c: c.report.raw_messages(), "mailkit.report.raw.messages", (0, 0, 0)),
        (lambda c: c.report.overview(), "mailkit.report", ()),
    ],
)
async def test_unset_filters_are_omitted_in_json_and_zero_placeholders_on_xmlrpc(
    call: Call, function: str, xml_params: tuple[Any, ...]
) -> None:
    _, params = await captured(call)
    body, xml = encoded(function, params)
    assert body.get("parameters", {}) == ({"limit": "500"} if 500 in xml_params else {})
    assert xml == xml_params


async def test_xmlrpc_cannot_skip_range_from_but_json_can() -> None:
    _, params = await captured(lambda c: c.report.overview(range_to=JAN31))
    body, _ = encoded("mailkit.report", {})
    assert body == {"parameters": {}}
    assert json.loads(
        JsonWire().encode_call("mailkit.report", spec_for("mailkit.report"), 1, MD5, params)
    )["parameters"] == {"range_to": "2024-01-31"}
    with pytest.raises(ConfigurationError, match="range_from"):
        XmlRpcWire().encode_call("mailkit.report", spec_for("mailkit.report"), 1, MD5, params)


def test_dates_must_be_dates() -> None:
    spec = spec_for("mailkit.report")
    with pytest.raises(ConfigurationError, match="range_from"):
        JsonWire().encode_call("mailkit.report", spec, 1, MD5, {"range_from": 20240101})
    moment = {"range_from": datetime(2024, 5, 6, 7, 8, 9)}
    body = json.loads(JsonWire().encode_call("mailkit.report", spec, 1, MD5, moment))
    assert body["parameters"] == {"range_from": "2024-05-06"}


def test_specs_mark_reports_safe_and_raw_responses_inferred() -> None:
    for function in LAYOUTS:
        assert FUNCTIONS[function].idempotent, function
    assert FUNCTIONS["mailkit.report.raw.responses"].documentation is Documentation.INFERRED
    campaign = FUNCTIONS["mailkit.report.campaign"]
    assert campaign.xml_slots == ("ID_message", "range_from", "range_to")


# ---------------------------------------------------------------------------
# decoding the documented answers, both wires
# ---------------------------------------------------------------------------

MESSAGE_JSON = json.dumps(
    {
        "SEND_COUNT": "2",
        "SUBJECT": "Předmět kampaně",
        "FAILED_COUNT": "0",
        "READ_COUNT": "2",
        "CLICK_COUNT": "1",
        "MINIPAGE_CLICK_COUNT": "0",
        "CONVERSION_COUNT_U": "0",
        "CONVERSION_COUNT": "0",
        "DELIVERED_COUNT": "2",
        "REV": "10.00",
        "READ_COUNT_U": "1",
        "SEND_DATE": "2018-10-12 10:00:00",
        "CLICK_COUNT_U": "1",
        "UTM": "Nazev-kampane-20181012",
        "error_status": 0,
    }
).encode()
MESSAGE_XML = xml_response(
    x_struct(
        SEND_COUNT=i4(2),
        SUBJECT=s("Předmět kampaně"),
        FAILED_COUNT="<string></string>",
        READ_COUNT=i4(2),
        CLICK_COUNT=i4(1),
        MINIPAGE_CLICK_COUNT=i4(0),
        CONVERSION_COUNT_U=i4(0),
        CONVERSION_COUNT=i4(0),
        DELIVERED_COUNT=i4(2),
        REV="<double>10.00</double>",
        READ_COUNT_U=i4(1),
        SEND_DATE=s("2018-10-12 10:00:00"),
        CLICK_COUNT_U=i4(1),
        UTM=s("Nazev-kampane-20181012"),
    )
)
LINKS_JSON = json.dumps(
    [
        {
            "TITLE": "Lorem ipsum",
            "TITLE_SHORT": "Lorem ipsum lips",
            "ANCHOR": "drinks 2.jpg",
            "URL": "http://www.sampleurl.site/",
            "ID_URL": 123456,
            "AB_VERSION": "",
            "CLICK": 2,
            "VISIT": 1,
            "CONVERSION": 1,
        }
    ]
).encode()
LINKS_XML = xml_response(
    x_array(
        x_struct(
            URL=s("http://www.sampleurl.site/"),
            TITLE=s("Lorem ipsum"),
            TITLE_SHORT=s("Lorem ipsum lips"),
            ANCHOR=s("drinks 2.jpg"),
            ID_URL=i4(123456),
            AB_VERSION=s(""),
            VISIT=i4(1),
            CLICK=i4(2),
            CONVERSION=i4(1),
        )
    )
)
ACCESS = {
    "CONTINENT": "europe",
    "COUNTRY": "Czech Republic",
    "CODE": "CZ",
    "REGION": "Hlavni Mesto Praha",
    "REGION_CODE": "52",
    "CITY": "Prague",
    "ORG": "T-Mobile Czech Republic",
    "IP": "123.123.123.123",
    "IP_ORIG": "123.123.123.123",
    "USER_AGENT": "Mozilla/5.0 (...)",
    "BROWSER": "Chrome Mobile",
    "BROWSER_MAJOR": "51",
    "BROWSER_MINOR": "0",
    "BROWSER_TYPE": "Mobile Browser",
    "OS": "Android",
    "OS_VERSION": "4.4 KitKat",
    "DEVICE": "Smartphone",
    "REFERER": "",
    "DATETIME": "2001-01-01 01:01:01",
}
VISITORS_JSON = json.dumps(
    [{"ID_EMAIL": "123456789", "EMAIL": "email@example.com", "COUNT": "1", "DATA": ACCESS}]
).encode()
VISITORS_XML = xml_response(
    x_array(
        x_struct(
            ID_EMAIL=i4(123456789),
            EMAIL=s("email@example.com"),
            COUNT=s("1"),
            DATA=x_struct(**{k: s(v) for k, v in ACCESS.items()}),
        )
    )
)
BOUNCES_JSON = json.dumps(
    [
        {
            "EMAIL": "mail@mail.com",
            "ID_EMAIL": "49872054",
            "ID_USER_LIST": "123",
            "ID_SEND_MESSAGE": "1234567890",
            "DATE": "2014-12-23 12:36:02",
            "STATUS": "4.4.2",
            "EMAIL_STATUS": "temporary",
        }
    ]
).encode()
BOUNCES_XML = xml_response(
    x_array(
        x_struct(
            EMAIL=s("mail@mail.com"),
            ID_EMAIL="<int>49872054</int>",
            ID_USER_LIST="<int>123</int>",
            ID_SEND_MESSAGE="<int>1234567890</int>",
            DATE=s("2014-12-23 12:36:02"),
            STATUS=s("4.4.2"),
            EMAIL_STATUS=s("temporary"),
        )
    )
)
CAMPAIGN_ROW = {
    "SEND_COUNT": 1,
    "SUBJECT": "subject",
    "DATE": "2015-01-19 14:51:04",
    "READ_COUNT": 1,
    "ID_SEND": 555,
    "SPAM_REPORT": 0,
    "CLICK_COUNT": 1,
    "CONVERSION_COUNT_U": 0,
    "READ_COUNT_U": 1,
    "FORWARD_COUNT": 0,
    "UNSUBSCRIBE": 0,
    "CLICK_RATE": 100.0,
    "PRINT_COUNT": 0,
    "FROM": "shop@example.com",
    "CONVERSION_COUNT": 0,
    "REV": 12.5,
    "CLICK_RATE2": 100.0,
    "DELIVERED_COUNT": 1,
    "CLICK_COUNT_U": 1,
    "DATE2": "2015-01-19",
}


def _xml_value(value: object) -> str:
    if isinstance(value, int):
        return i4(value)
    if isinstance(value, float):
        return f"<double>{value}</double>"
    return s(str(value))


CAMPAIGN_JSON = json.dumps([{k: str(v) for k, v in CAMPAIGN_ROW.items()}]).encode()
CAMPAIGN_XML = xml_response(
    x_array(x_struct(**{k: _xml_value(v) for k, v in CAMPAIGN_ROW.items()}))
)
OVERVIEW_ROW = {
    "SEND_COUNT": 4,
    "ID_MESSAGE": 12345678,
    "NAME": "Spring",
    "DELIVERED_COUNT": 4,
    "READ_COUNT": 3,
    "READ_COUNT_U": 2,
    "CLICK_COUNT": 1,
    "CLICK_COUNT_U": 1,
    "CLICK_RATE": 25.0,
}
OVERVIEW_JSON = json.dumps([{k: str(v) for k, v in OVERVIEW_ROW.items()}]).encode()
OVERVIEW_XML = xml_response(
    x_array(x_struct(**{k: _xml_value(v) for k, v in OVERVIEW_ROW.items()}))
)

# (typed call, JSON answer, XML-RPC answer, expected typed result)
DOCUMENTED: dict[str, tuple[Call, bytes, bytes, object]] = {
    "report.message": (
        lambda c: c.report.message(1),
        MESSAGE_JSON,
        MESSAGE_XML,
        MessageReport(
            subject="Předmět kampaně",
            send_date=datetime(2018, 10, 12, 10, 0, 0),
            utm="Nazev-kampane-20181012",
            send_count=2,
            delivered_count=2,
            failed_count=0,
            read_count=2,
            read_count_u=1,
            click_count=1,
            click_count_u=1,
            rev=10.0,
        ),
    ),
    "report.message_links": (
        lambda c: c.report.message_links(1),
        LINKS_JSON,
        LINKS_XML,
        [
            LinkReport(
                id_url=123456,
                url="http://www.sampleurl.site/",
                title="Lorem ipsum",
                title_short="Lorem ipsum lips",
                anchor="drinks 2.jpg",
                click=2,
                visit=1,
                conversion=1,
            )
        ],
    ),
    "report.message_links_visitors": (
        lambda c: c.report.message_links_visitors(1, 2),
        VISITORS_JSON,
        VISITORS_XML,
        [
            LinkVisitor(
                id_email=123456789,
                email="email@example.com",
                count=1,
                data=VisitorAccess(
                    accessed=datetime(2001, 1, 1, 1, 1, 1),
                    ip="123.123.123.123",
                    ip_orig="123.123.123.123",
                    continent="europe",
                    country="Czech Republic",
                    code="CZ",
                    region="Hlavni Mesto Praha",
                    region_code="52",
                    city="Prague",
                    org="T-Mobile Czech Republic",
                    user_agent="Mozilla/5.0 (...)",
                    browser="Chrome Mobile",
                    browser_major="51",
                    browser_minor="0",
                    browser_type="Mobile Browser",
                    os="Android",
                    os_version="4.4 KitKat",
                    device="Smartphone",
                ),
            )
        ],
    ),
    "report.message_bounces": (
        lambda c: c.report.message_bounces(1),
        BOUNCES_JSON,
        BOUNCES_XML,
        [
            MessageBounce(
                id_send_message=1234567890,
                email="mail@mail.com",
                id_email=49872054,
                id_user_list=123,
                date=datetime(2014, 12, 23, 12, 36, 2),
                status="4.4.2",
                email_status="temporary",
            )
        ],
    ),
    "report.campaign": (
        lambda c: c.report.campaign(1),
        CAMPAIGN_JSON,
        CAMPAIGN_XML,
        [
            DeliveryReport(
                id_send=555,
                subject="subject",
                date=datetime(2015, 1, 19, 14, 51, 4),
                date2=date(2015, 1, 19),
                sender="shop@example.com",
                send_count=1,
                delivered_count=1,
                read_count=1,
                read_count_u=1,
                click_count=1,
                click_count_u=1,
                click_rate=100.0,
                click_rate2=100.0,
                rev=12.5,
            )
        ],
    ),
    "report.overview": (
        lambda c: c.report.overview(),
        OVERVIEW_JSON,
        OVERVIEW_XML,
        [
            CampaignOverview(
                id_message=12345678,
                name="Spring",
                send_count=4,
                delivered_count=4,
                read_count=3,
                read_count_u=2,
                click_count=1,
                click_count_u=1,
                click_rate=25.0,
            )
        ],
    ),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
async def test_documented_answers_decode_equally_from_both_wires(name: str) -> None:
    call, json_body, xml_body, expected = DOCUMENTED[name]
    assert await answered(JsonWire(), json_body, call) == expected
    assert await answered(XmlRpcWire(), xml_body, call) == expected


async def test_feedback_mixes_text_and_numbers_and_hour_buckets() -> None:
    row = {"READ": "58", "OPEN": "44", "OPEN_P": "44", "CLICK": 0, "VISIT": 0}
    json_body = json.dumps(
        [{"DATE": "2013-12-30", **row, "VISIT_P": 0, "UNSUBSCRIBE": 1, "SPAM_REPORT": 0}]
    ).encode()
    xml_body = xml_response(
        x_array(
            x_struct(
                DATE=s("2013-12-30 10:00"),
                READ=i4(58),
                OPEN=i4(44),
                OPEN_P=i4(44),
                CLICK=i4(0),
                VISIT=i4(0),
                VISIT_P=i4(0),
                UNSUBSCRIBE=i4(1),
                SPAM_REPORT=i4(0),
            )
        )
    )
    call: Call = lambda c: c.report.message_feedback(1)  # noqa: E731
    common = {"read": 58, "open": 44, "open_p": 44, "unsubscribe": 1}
    assert await answered(JsonWire(), json_body, call) == [
        FeedbackBucket(date=datetime(2013, 12, 30), **common)
    ]
    assert await answered(XmlRpcWire(), xml_body, call) == [
        FeedbackBucket(date=datetime(2013, 12, 30, 10, 0), **common)
    ]


async def test_raw_messages_lower_case_keys_and_text_values() -> None:
    row = {
        "ID_message": "123456",
        "ID_send": "123456",
        "ID_send_message": "1234567890",
        "ID_user_list": "",
        "ID_email": "1234567890",
        "ID_template": "",
        "type_message": "email",
        "email": "email@example.com",
        "email_date": "2001-01-01 01:01:01",
        "message_date": "2016-01-01 01:01:00",
        "date_sent": "2016-01-01 01:01:01",
        "ab_version": "",
        "message_status": "sent",
        "tld": "com",
        "domain": "example.com",
        "custom_1": "",
        "custom_2": "two",
        "custom_3": "",
        "custom_4": "",
    }
    rows = await answered(JsonWire(), json.dumps([row]).encode(), lambda c: c.report.raw_messages())
    assert rows == [
        RawMessage(
            id_send_message=1234567890,
            id_message=123456,
            id_send=123456,
            id_email=1234567890,
            type_message="email",
            email="email@example.com",
            email_date=datetime(2001, 1, 1, 1, 1, 1),
            message_date=datetime(2016, 1, 1, 1, 1, 0),
            date_sent=datetime(2016, 1, 1, 1, 1, 1),
            message_status="sent",
            tld="com",
            domain="example.com",
            custom_2="two",
        )
    ]
    assert rows[0].custom == {2: "two"}


@pytest.mark.parametrize("key", ["ID_SEND_MESSGE", "ID_SEND_MESSAGE"])
async def test_raw_bounces_reads_the_misspelt_key_and_a_fixed_one(key: str) -> None:
    row = {
        "ID_MESSAGE": "12345",
        "TEXT_STATUS": "smtp;550 5.1.1 sorry, no such mailbox here",
        "STATUS": "5.1.1",
        "BOUNCE_CAT": "bad-mailbox",
        "ID_EMAIL": "1234567890",
        "ID_SEND": "123456",
        "EMAIL": "email@example.com",
        "UTM_CAMPAIGN": "order confirmation",
        key: "1234567890",
        "CAMPAIGN_NAME": "T01 - ORDER CONFIRMED",
        "ID_USER_LIST": "12345",
        "SUBJECT": "Order ...",
    }
    rows = await answered(JsonWire(), json.dumps([row]).encode(), lambda c: c.report.raw_bounces())
    assert rows == [
        RawBounce(
            id_send_message=1234567890,
            id_message=12345,
            id_send=123456,
            id_email=1234567890,
            id_user_list=12345,
            email="email@example.com",
            status="5.1.1",
            text_status="smtp;550 5.1.1 sorry, no such mailbox here",
            bounce_cat="bad-mailbox",
            campaign_name="T01 - ORDER CONFIRMED",
            utm_campaign="order confirmation",
            subject="Order ...",
        )
    ]


async def test_inferred_raw_responses_decode_leniently() -> None:
    body = json.dumps([{"ID_log": "5", "type": "click", "IP": "1.2.3.4", "surprise": "x"}])
    rows = await answered(
        JsonWire(), body.encode(), lambda c: c.report.raw_responses(), strict=False
    )
    assert rows == [RawResponse(id_log=5, type="click", ip="1.2.3.4")]
    assert await answered(JsonWire(), b"[{}]", lambda c: c.report.raw_responses()) == [
        RawResponse()
    ]


LIST_CALLS: dict[str, Call] = {
    "overview": lambda c: c.report.overview(),
    "campaign": lambda c: c.report.campaign(1),
    "message_recipients": lambda c: c.report.message_recipients(1),
    "message_feedback": lambda c: c.report.message_feedback(1),
    "message_links": lambda c: c.report.message_links(1),
    "message_links_visitors": lambda c: c.report.message_links_visitors(1, 2),
    "message_bounces": lambda c: c.report.message_bounces(1),
    "raw_messages": lambda c: c.report.raw_messages(),
    "raw_bounces": lambda c: c.report.raw_bounces(),
    "raw_responses": lambda c: c.report.raw_responses(),
}
NO_DATA = [
    (JsonWire(), b'""'),
    (JsonWire(), b'{"error_status":0}'),
    (XmlRpcWire(), xml_response("<string></string>")),
    (XmlRpcWire(), xml_response(x_array())),
]


@pytest.mark.parametrize("name", sorted(LIST_CALLS))
@pytest.mark.parametrize(
    ("wire", "body"), NO_DATA, ids=["json-text", "json-ok", "xml-text", "xml-list"]
)
async def test_no_data_answers_give_empty_results(name: str, wire: WireFormat, body: bytes) -> None:
    assert await answered(wire, body, LIST_CALLS[name]) == []


@pytest.mark.parametrize(("wire", "body"), NO_DATA[:3])
async def test_no_data_message_report_is_all_zero(wire: WireFormat, body: bytes) -> None:
    assert await answered(wire, body, lambda c: c.report.message(1)) == MessageReport()


async def test_a_visitor_without_access_data_gets_empty_details() -> None:
    body = json.dumps([{"ID_EMAIL": "7", "EMAIL": "a@b.cz", "COUNT": "2", "DATA": []}]).encode()
    rows = await answered(JsonWire(), body, lambda c: c.report.message_links_visitors(1, 2))
    assert rows == [LinkVisitor(id_email=7, email="a@b.cz", count=2)]


@pytest.mark.parametrize(
    ("wire", "body", "error"),
    [
        (XmlRpcWire(), xml_response(s("Invalid ID_send")), NotFoundError),
        (JsonWire(), b'{"error_status":1,"error":"Invalid ID_send"}', NotFoundError),
        (XmlRpcWire(), xml_response(s("Missing ID_send")), InvalidParametersError),
        (JsonWire(), b'{"error_status":1,"error":"Unauthorized"}', APIError),
    ],
)
async def test_error_answers_stay_errors(
    wire: WireFormat, body: bytes, error: type[Exception]
) -> None:
    with pytest.raises(error):
        await answered(wire, body, lambda c: c.report.message(1))
    with pytest.raises(error):
        await answered(wire, body, lambda c: c.report.message_links(1))


# ---------------------------------------------------------------------------
# against the emulator
# ---------------------------------------------------------------------------


def seed(state: EmulatorState) -> dict[str, int]:
    """A campaign with one delivery of six messages, reactions and two bounces."""
    state.now = lambda: FIXED
    list_id = state.add_mailing_list("News")
    campaign_id = state.add_campaign("Spring sale", "Spring!", user_lists=[list_id])
    delivery = state.new_delivery(state.campaigns[campaign_id])
    messages = []
    for i in range(6):
        record = state.add_recipient(
            list_id,
            f"r{i}@example.com",
            personal={"first_name": f"R{i}"},
            custom={"custom1": f"c{i}"},
        )
        messages.append(state.add_message(delivery, record).id)
    url = "https://shop.example/spring"
    state.record_reaction(messages[0], "open", ip="10.0.0.1", country="Czechia")
    state.record_reaction(messages[0], "open")
    state.record_reaction(messages[0], "click", url=url, title="Spring", anchor="Buy", city="Brno")
    state.record_reaction(messages[1], "click", url=url, user_agent="Mozilla/5.0")
    state.record_reaction(messages[1], "click", url="https://shop.example/other")
    state.record_reaction(messages[2], "unsubscribe")
    state.record_reaction(messages[3], "spam")
    state.bounce(messages[4], "5.1.1", "bad-mailbox", remote_mta="mx.example.com")
    state.bounce(messages[5], "4.4.2", "no-answer")
    return {
        "list": list_id,
        "campaign": campaign_id,
        "send": delivery.id,
        "url": state.link_ids[url],
        "first": messages[0],
    }


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


async def _collect(rows: AsyncIterator[Any]) -> list[Any]:
    return [row async for row in rows]


PARITY: dict[str, Callable[[MailkitClient, dict[str, int]], Awaitable[Any]]] = {
    "overview": lambda c, ids: c.report.overview(),
    "overview range": lambda c, ids: c.report.overview(
        range_from=date(2024, 3, 1), range_to=date(2024, 3, 1)
    ),
    "campaign": lambda c, ids: c.report.campaign(ids["campaign"]),
    "message": lambda c, ids: c.report.message(ids["send"]),
    "message_recipients": lambda c, ids: c.report.message_recipients(ids["send"]),
    "message_feedback": lambda c, ids: c.report.message_feedback(ids["send"]),
    "message_feedback week": lambda c, ids: c.report.message_feedback(ids["send"], period="WEEK"),
    "message_links": lambda c, ids: c.report.message_links(ids["send"]),
    "message_links_visitors": lambda c, ids: c.report.message_links_visitors(
        ids["send"], ids["url"]
    ),
    "message_bounces": lambda c, ids: c.report.message_bounces(ids["send"]),
    "raw_messages": lambda c, ids: c.report.raw_messages(id_send=ids["send"], limit=100),
    "raw_bounces": lambda c, ids: c.report.raw_bounces(id_message=ids["campaign"]),
    "raw_responses": lambda c, ids: c.report.raw_responses(id_send_message=ids["first"]),
    "iter_raw_messages": lambda c, ids: _collect(c.report.iter_raw_messages(page_size=2)),
    "iter_raw_bounces": lambda c, ids: _collect(c.report.iter_raw_bounces(page_size=2)),
    "iter_raw_responses": lambda c, ids: _collect(c.report.iter_raw_responses(page_size=3)),
}


def test_parity_covers_every_report_method() -> None:
    methods = {FUNCTIONS[f].method_name for f in LAYOUTS}
    covered = {name.split()[0] for name in PARITY}
    assert methods <= covered
    assert {"iter_raw_messages", "iter_raw_bounces", "iter_raw_responses"} <= covered


@pytest.mark.parametrize("name", sorted(PARITY))
async def test_parity_json_and_xmlrpc_give_equal_results(name: str) -> None:
    async with twins() as pairs:
        results = [await PARITY[name](client, ids) for client, _, ids in pairs]
        assert not any(emu.handler_errors for _, emu, _ in pairs)
    assert results[0] == results[1]
    assert results[0], "the seeded state must give something to compare"


async def test_reports_follow_the_state(client: MailkitClient, emulator: MailkitEmulator) -> None:
    ids = seed(emulator.state)
    totals = await client.report.message(ids["send"])
    assert (totals.send_count, totals.failed_count, totals.delivered_count) == (6, 2, 4)
    assert (totals.read_count, totals.read_count_u) == (2, 1)
    assert (totals.click_count, totals.click_count_u) == (3, 2)
    (row,) = await client.report.campaign(ids["campaign"])
    assert (row.id_send, row.send_count, row.unsubscribe, row.spam_report) == (ids["send"], 6, 1, 1)
    assert row.click_rate == 50.0  # 2 of 4 delivered clicked
    links = {link.url: link for link in await client.report.message_links(ids["send"])}
    spring = links["https://shop.example/spring"]
    assert (spring.click, spring.visit, spring.title, spring.anchor) == (2, 2, "Spring", "Buy")
    visitors = await client.report.message_links_visitors(ids["send"], spring.id_url)
    assert sorted(v.email for v in visitors) == ["r0@example.com", "r1@example.com"]
    assert {v.email: v.data.city for v in visitors}["r0@example.com"] == "Brno"
    bounces = await client.report.message_bounces(ids["send"])
    assert {b.email: (b.status, b.email_status) for b in bounces} == {
        "r4@example.com": ("5.1.1", "permanent"),
        "r5@example.com": ("4.4.2", "temporary"),
    }
    (hour, *_) = await client.report.message_feedback(ids["send"])
    assert (hour.read, hour.open, hour.click, hour.visit, hour.unsubscribe) == (2, 1, 3, 2, 1)
    assert (hour.open_p, hour.visit_p) == (25, 50)
    raw = await client.report.raw_bounces()
    assert [b.bounce_cat for b in raw] == ["bad-mailbox", "no-answer"]
    assert raw[0].remote_mta == "mx.example.com"
    responses = await client.report.raw_responses()
    assert [r.type for r in responses] == [
        "open",
        "open",
        "click",
        "click",
        "click",
        "unsubscribe",
        "spam",
    ]


async def test_a_mass_send_fills_the_reports(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    emulator.state.now = lambda: FIXED
    list_id = emulator.state.add_mailing_list("Mass")
    campaign_id = emulator.state.add_campaign("Mass", "Mass subject")
    addresses = [f"m{i}@example.cz" for i in range(3)]
    for _ in range(2):  # two calls, two deliveries
        await client.sendmail_mass(
            campaign_id, list_id, [MassRecipient(a, create_email=True) for a in addresses]
        )
    deliveries = await client.report.campaign(campaign_id)
    assert [d.send_count for d in deliveries] == [3, 3]
    assert len({d.id_send for d in deliveries}) == 2
    (overview,) = await client.report.overview()
    assert (overview.id_message, overview.send_count, overview.delivered_count) == (
        campaign_id,
        6,
        6,
    )
    totals = await client.report.message(deliveries[0].id_send)
    assert (totals.subject, totals.send_count, totals.failed_count) == ("Mass subject", 3, 0)
    raw = await client.report.raw_messages(id_send=deliveries[1].id_send)
    assert [r.email for r in raw] == addresses
    assert {r.message_status for r in raw} == {"sent"}
    assert raw[0].id_user_list == list_id


async def test_raw_messages_json_keeps_mixed_case_keys_and_text(emulator: MailkitEmulator) -> None:
    ids = seed(emulator.state)
    async with make_client(emulator, "json") as client:
        rows = await client.call("mailkit.report.raw.messages", {"ID_send": ids["send"]})
    assert isinstance(rows, list)
    assert len(rows) == 6
    for row in rows:
        assert isinstance(row, dict)
        assert "ID_send_message" in row
        assert "email" in row
        assert all(isinstance(v, str) for v in row.values())


async def test_emulator_answers_with_the_documented_value_types(
    emulator: MailkitEmulator,
) -> None:
    ids = seed(emulator.state)
    clean = emulator.state.new_delivery(emulator.state.campaigns[ids["campaign"]])
    record = emulator.state.add_recipient(ids["list"], "clean@example.com")
    emulator.state.add_message(clean, record)
    async with make_client(emulator, "json") as j, make_client(emulator, "xmlrpc") as x:
        totals = [await c.call("mailkit.report.message", {"ID_send": clean.id}) for c in (j, x)]
        feedback = await j.call("mailkit.report.message.feedback", {"ID_send": ids["send"]})
        links = await j.call("mailkit.report.message.links", {"ID_send": ids["send"]})
    as_json, as_xml = totals
    assert isinstance(as_json, dict)
    assert isinstance(as_xml, dict)
    assert (as_json["REV"], as_json["FAILED_COUNT"], as_json["SEND_COUNT"]) == ("0.00", "0", "1")
    assert (as_xml["REV"], as_xml["FAILED_COUNT"], as_xml["SEND_COUNT"]) == (0.0, "", 1)
    assert isinstance(feedback, list)
    assert isinstance(feedback[0], dict)
    assert isinstance(feedback[0]["READ"], str)
    assert isinstance(feedback[0]["CLICK"], int)
    assert isinstance(links, list)
    assert isinstance(links[0], dict)
    assert isinstance(links[0]["ID_URL"], int)


# ---------------------------------------------------------------------------
# raw paging
# ---------------------------------------------------------------------------

ITERATORS: dict[str, tuple[str, str, Callable[..., AsyncIterator[Any]], Callable[[Any], int]]] = {
    "messages": (
        "mailkit.report.raw.messages",
        "ID_send_message",
        lambda c, **kw: c.report.iter_raw_messages(**kw),
        lambda row: row.id_send_message,
    ),
    "bounces": (
        "mailkit.report.raw.bounces",
        "ID_undelivered_log",
        lambda c, **kw: c.report.iter_raw_bounces(**kw),
        lambda row: row.id_undelivered_log,
    ),
    "responses": (
        "mailkit.report.raw.responses",
        "ID_log",
        lambda c, **kw: c.report.iter_raw_responses(**kw),
        lambda row: row.id_log,
    ),
}


def many_rows(state: EmulatorState, count: int) -> list[int]:
    """``count`` messages, each opened and bounced; returns the campaign's ID."""
    state.now = lambda: FIXED
    list_id = state.add_mailing_list("Big")
    campaign_id = state.add_campaign("Big")
    delivery = state.new_delivery(state.campaigns[campaign_id])
    for i in range(count):
        message = state.add_message(delivery, state.add_recipient(list_id, f"p{i}@example.com"))
        state.record_reaction(message.id, "open")
        state.bounce(message.id, "5.1.1")
    return [campaign_id, delivery.id]


def number(value: object) -> int:
    """A recorded argument as an int: JSON sends numeric text, XML-RPC ints, absent is 0."""
    return int(str(value or 0))


def expected_cursors(ids: list[int], page_size: int, start: int | None) -> list[int]:
    """The cursor of each page: the last row's ID of the previous page (0 = no cursor)."""
    cursors = [start or 0]
    remaining = [i for i in ids if start is None or i >= start]
    taken = remaining[:page_size]
    while True:
        cursors.append(taken[-1])
        page = [i for i in ids if i >= taken[-1]][:page_size]
        if page == [taken[-1]]:
            return cursors
        taken = page


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("kind", sorted(ITERATORS))
@pytest.mark.parametrize(("page_size", "start_at"), [(4, None), (2, 5), (50, None)])
async def test_iterators_yield_every_row_once_in_order(
    transport: str, kind: str, page_size: int, start_at: int | None
) -> None:
    function, cursor, iterate, row_id = ITERATORS[kind]
    async with MailkitEmulator() as emu, make_client(emu, transport, strict=True) as client:
        many_rows(emu.state, 11)
        everything = [row_id(r) for r in await _collect(iterate(client, page_size=50))]
        assert len(everything) == 11
        emu.clear_requests()
        start = everything[start_at] if start_at is not None else None
        rows = await _collect(iterate(client, page_size=page_size, start=start))
        seen = [r.params for r in emu.calls(function)]
    wanted = everything[start_at or 0 :]
    assert [row_id(r) for r in rows] == wanted
    assert len(set(map(row_id, rows))) == len(rows)
    assert [number(p.get(cursor)) for p in seen] == expected_cursors(everything, page_size, start)
    assert {number(p["limit"]) for p in seen} == {page_size}


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_iterators_filter_and_stop_on_an_empty_first_page(transport: str) -> None:
    async with MailkitEmulator() as emu, make_client(emu, transport, strict=True) as client:
        campaign_id, send_id = many_rows(emu.state, 3)
        other = emu.state.add_campaign("Empty")
        assert len(await _collect(client.report.iter_raw_messages(id_send=send_id))) == 3
        assert len(await _collect(client.report.iter_raw_bounces(id_message=campaign_id))) == 3
        emu.clear_requests()
        assert await _collect(client.report.iter_raw_messages(id_message=other)) == []
        assert len(emu.calls("mailkit.report.raw.messages")) == 1


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_iterators_fetch_lazily_one_page_at_a_time(transport: str) -> None:
    async with MailkitEmulator() as emu, make_client(emu, transport) as client:
        many_rows(emu.state, 10)
        rows = client.report.iter_raw_messages(page_size=3)
        assert emu.calls("mailkit.report.raw.messages") == []  # nothing before the first row
        taken = [await anext(rows) for _ in range(3)]
        assert len(emu.calls("mailkit.report.raw.messages")) == 1
        taken.append(await anext(rows))
        assert len(emu.calls("mailkit.report.raw.messages")) == 2
        await rows.aclose()  # type: ignore[attr-defined]
    assert len({r.id_send_message for r in taken}) == 4


async def test_page_size_must_allow_progress() -> None:
    async with MailkitClient(
        CLIENT_ID, MD5, transport=CannedTransport(JsonWire(), b"[]")
    ) as client:
        for size in (1, 0, 25001):
            with pytest.raises(ConfigurationError, match="page_size"):
                client.report.iter_raw_messages(page_size=size)


async def test_follow_cursor_stops_when_a_page_brings_nothing_new() -> None:
    cursors: list[int | None] = []

    async def stubborn(cursor: int | None) -> list[int]:
        cursors.append(cursor)
        return [1, 2, 3]  # a server that ignores the cursor

    assert [r async for r in follow_cursor(stubborn, lambda r: r, None)] == [1, 2, 3]
    assert cursors == [None, 3]

    async def no_ids(cursor: int | None) -> list[str]:
        cursors.append(cursor)
        return ["a", "b"]

    cursors.clear()
    assert [r async for r in follow_cursor(no_ids, lambda r: None, 7)] == ["a", "b"]
    assert cursors == [7]


# ---------------------------------------------------------------------------
# errors and safety, both wires
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda c, ids: c.report.message(999), NotFoundError, "Invalid ID_send"),
        (lambda c, ids: c.report.message_links(999), NotFoundError, "Invalid ID_send"),
        (lambda c, ids: c.report.message_bounces(999), NotFoundError, "Invalid ID_send"),
        (lambda c, ids: c.report.message_feedback(999), NotFoundError, "Invalid ID_send"),
        (lambda c, ids: c.report.campaign(999), NotFoundError, "Invalid ID_message"),
        (
            lambda c, ids: c.report.message_links_visitors(ids["send"], 999),
            NotFoundError,
            "Invalid ID_url",
        ),
        (lambda c, ids: c.report.raw_messages(id_send=999), NotFoundError, "Invalid ID_send"),
        (lambda c, ids: c.report.raw_bounces(id_message=999), NotFoundError, "Invalid ID_message"),
        (
            lambda c, ids: c.call("mailkit.report.message", {"ID_send": 0}),
            InvalidParametersError,
            "Missing ID_send",
        ),
        (
            lambda c, ids: c.call("mailkit.report.campaign", {"ID_message": 0}),
            InvalidParametersError,
            "Missing ID_message",
        ),
    ],
)
async def test_documented_errors_on_both_wires(
    client: MailkitClient,
    emulator: MailkitEmulator,
    call: Callable[[MailkitClient, dict[str, int]], Awaitable[Any]],
    error: type[APIError],
    text: str,
) -> None:
    ids = seed(emulator.state)
    with pytest.raises(error) as caught:
        await call(client, ids)
    assert caught.value.message == text


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_reports_are_retried_after_a_transient_failure(transport: str) -> None:
    async with MailkitEmulator() as emu:
        ids = seed(emu.state)
        emu.faults.add(Fault.status(503, function="mailkit.report.message"))
        emu.faults.add(Fault.close_after_body(function="mailkit.report.raw.messages"))
        async with make_client(emu, transport, retry=FAST) as client:
            assert (await client.report.message(ids["send"])).send_count == 6
            assert len(await _collect(client.report.iter_raw_messages(page_size=4))) == 6
        assert len(emu.calls("mailkit.report.message")) == 2
        assert len(emu.calls("mailkit.report.raw.messages")) == 4  # 1 failed + 3 pages
