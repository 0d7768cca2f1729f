"""Malformed and hostile answers through the client, on both wires (scenarios 15, 16).

Every body is served by the emulator's ``Fault.raw``. Each must raise the library's
own error within 100 ms (1 s for the 10 MB text node), with a chain free of parser
exceptions and a message quoting at most a short excerpt of the body.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from mailkit_async import (
    APIError,
    MailkitError,
    MalformedResponseError,
    ProtocolError,
    ResponseValidationError,
    UnsafeXMLError,
)
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import Bystander, assert_library_error
from tests.conftest import make_client

SAFE = "mailkit.campaigns.list"
SENTINEL_TEXT = "sentinel-3f9c1e-content"
MAX_MESSAGE = 400

JSON_CORPUS: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b"   \r\n ",
    "html-200": b"<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
    "truncated": b'{"data": [1, 2, {"ID": "3"',
    "nan": b'{"data": NaN}',
    "infinity": b"[Infinity]",
    "overflowing-float": b"[1e999]",
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
    "huge-integer": b'{"data": ' + b"9" * 10_000 + b"}",
    "invalid-utf8": b'{"data": "\xff\xfe\xfa"}',
    "bom": b'\xef\xbb\xbf{"data": 1}',
    "xml-on-json": b"<?xml version='1.0'?><methodResponse/>",
    "lone-surrogate": b'["\\ud800"]',
    "control-bytes": b"\x00\x01\x02",
}


def _response(inner: str) -> bytes:
    return (
        "<?xml version='1.0'?><methodResponse><params><param>"
        f"{inner}</param></params></methodResponse>"
    ).encode()


def xml_corpus(sentinel: Path, bystander_port: int) -> dict[str, bytes]:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
            for i in range(1, 10)
        )
        + "]><methodResponse><params><param><value><string>&lol9;</string></value>"
        "</param></params></methodResponse>"
    )
    blowup = (
        '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + "x" * 50_000 + '">]>'
        "<methodResponse><params><param><value><string>"
        + "&a;" * 10_000
        + "</string></value></param></params></methodResponse>"
    )
    deep = "<value><array><data>" * 300 + "<value>1</value>" + "</data></array></value>" * 300
    return {
        "empty": b"",
        "html-200": b"<html><body><h1>Service Unavailable</h1></body></html>",
        "truncated": _response("<value><struct><member><name>a</name>")[:-30],
        "billion-laughs": laughs.encode(),
        "quadratic-blowup": blowup.encode(),
        "external-file-entity": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{sentinel}">]>'
            "<methodResponse><params><param><value><string>&x;</string></value></param>"
            "</params></methodResponse>"
        ).encode(),
        "external-http-entity": (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM '
            f'"http://127.0.0.1:{bystander_port}/x">]>'
            "<methodResponse><params><param><value><string>&x;</string></value></param>"
            "</params></methodResponse>"
        ).encode(),
        "external-dtd": (
            f'<?xml version="1.0"?><!DOCTYPE methodResponse SYSTEM "http://127.0.0.1:'
            f'{bystander_port}/x.dtd"><methodResponse/>'
        ).encode(),
        "cyclic-entity": (
            b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]>'
            b"<methodResponse><params><param><value><string>&a;</string></value></param>"
            b"</params></methodResponse>"
        ),
        "plain-doctype": b"<!DOCTYPE methodResponse>" + _response("<value>1</value>"),
        "parameter-entity": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "file://{sentinel}"> %p;]>'
            "<methodResponse/>"
        ).encode(),
        "xinclude": (
            "<?xml version='1.0'?><methodResponse xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
            "<params><param><value><string>"
            f'<xi:include href="file://{sentinel}" parse="text"/>'
            "</string></value></param></params></methodResponse>"
        ).encode(),
        "deep-nesting-300": _response(deep),
        "processing-instruction": b"<?xml version='1.0'?><?evil run='x'?>"
        + _response("<value>1</value>")[21:],
        "latin1-declaration": b"<?xml version='1.0' encoding='ISO-8859-1'?><methodResponse>"
        b"<params><param><value><string>\xe9</string></value></param></params></methodResponse>",
        "utf16": _response("<value>1</value>").decode().encode("utf-16"),
        "invalid-utf8": _response("<value><string>\xff\xfe</string></value>").replace(
            "ÿþ".encode(), b"\xff\xfe"
        ),
        "unknown-type": _response("<value><bignum>12</bignum></value>"),
        "huge-int": _response("<value><int>" + "9" * 10_000 + "</int></value>"),
        "int-beyond-64-bit": _response(f"<value><i8>{2**70}</i8></value>"),
        "nan-double": _response("<value><double>NaN</double></value>"),
        "inf-double": _response("<value><double>1e999</double></value>"),
        "bad-base64": _response("<value><base64>!!!</base64></value>"),
        "bad-date": _response(
            "<value><dateTime.iso8601>20241399T99:00:00</dateTime.iso8601></value>"
        ),
        "bad-boolean": _response("<value><boolean>yes</boolean></value>"),
        "two-params": b"<methodResponse><params><param><value>1</value></param>"
        b"<param><value>2</value></param></params></methodResponse>",
        "wrong-root": b"<methodCall><methodName>x</methodName></methodCall>",
        "json-on-xml": b'{"data": 1}',
        "member-without-value": _response(
            "<value><struct><member><name>a</name></member></struct></value>"
        ),
    }


@pytest.fixture
def sentinel(tmp_path: Path) -> Path:
    path = tmp_path / "sentinel.txt"
    path.write_text(SENTINEL_TEXT)
    return path


async def _raise_through_client(
    emu: MailkitEmulator, wire: str, body: bytes, content_type: str
) -> tuple[BaseException, float]:
    emu.faults.add(Fault.raw(body, content_type=content_type, wire=wire))
    async with make_client(emu, wire) as client:
        started = time.perf_counter()
        try:
            await client.call(SAFE)
        except Exception as exc:
            return exc, time.perf_counter() - started
    raise AssertionError(f"no error for {body[:60]!r}")


def _check(error: BaseException, elapsed: float, limit: float, body: bytes) -> None:
    assert_library_error(error)
    assert elapsed < limit, f"{elapsed:.3f}s"
    text = str(error)
    assert len(text) < MAX_MESSAGE, text
    assert SENTINEL_TEXT not in text
    assert SENTINEL_TEXT not in repr(error.args)
    if len(body) > MAX_MESSAGE:
        assert body.decode("utf-8", "replace")[:MAX_MESSAGE] not in text


@pytest.mark.parametrize("case", sorted(JSON_CORPUS))
async def test_hostile_json(case: str) -> None:
    body = JSON_CORPUS[case]
    async with MailkitEmulator() as emu:
        error, elapsed = await _raise_through_client(emu, "json", body, "application/json")
    assert isinstance(error, ProtocolError), repr(error)
    _check(error, elapsed, 0.1, body)


@pytest.mark.parametrize(
    "case",
    sorted(xml_corpus(Path("/nonexistent"), 1)),
)
async def test_hostile_xml(case: str, sentinel: Path) -> None:
    async with Bystander() as bystander, MailkitEmulator() as emu:
        body = xml_corpus(sentinel, bystander.port)[case]
        error, elapsed = await _raise_through_client(emu, "xmlrpc", body, "text/xml")
        await asyncio.sleep(0.02)
        assert bystander.connections == 0
    assert isinstance(error, MalformedResponseError), repr(error)
    _check(error, elapsed, 0.1, body)


async def test_doctype_and_entities_are_named_unsafe(sentinel: Path) -> None:
    corpus = xml_corpus(sentinel, 1)
    async with MailkitEmulator() as emu:
        for case in ("billion-laughs", "external-file-entity", "plain-doctype", "xinclude"):
            error, _ = await _raise_through_client(emu, "xmlrpc", corpus[case], "text/xml")
            assert isinstance(error, UnsafeXMLError), (case, error)


async def test_text_node_over_libxml2_limit() -> None:
    body = _response("<value><string>" + "A" * 10_000_001 + "</string></value>")
    async with MailkitEmulator() as emu:
        error, elapsed = await _raise_through_client(emu, "xmlrpc", body, "text/xml")
    assert isinstance(error, MalformedResponseError)
    _check(error, elapsed, 1.0, body)


@pytest.mark.parametrize("wire", ["json", "xmlrpc"])
async def test_fault_without_code_and_odd_faults(wire: str) -> None:
    faults = {
        "no-code": b"<methodResponse><fault><value><struct><member><name>faultString</name>"
        b"<value><string>Unauthorized</string></value></member></struct></value></fault>"
        b"</methodResponse>",
        "no-text": b"<methodResponse><fault><value><struct></struct></value></fault>"
        b"</methodResponse>",
        "bare-value": b"<methodResponse><fault><value><int>3</int></value></fault>"
        b"</methodResponse>",
    }
    if wire == "json":
        faults = {
            "no-code": b'{"error": "Unauthorized", "error_status": "x"}',
            "no-text": b'{"error_status": 7}',
            "bare-value": b'"Invalid ID_message"',
        }
    async with MailkitEmulator() as emu:
        for body in faults.values():
            error, elapsed = await _raise_through_client(emu, wire, body, "text/xml")
            assert isinstance(error, APIError), repr(error)
            _check(error, elapsed, 0.1, body)


@pytest.mark.parametrize("wire", ["json", "xmlrpc"])
@pytest.mark.parametrize("answer", ["number", "struct", "missing-field", "bad-field"])
async def test_wrong_shapes_through_typed_methods(wire: str, answer: str) -> None:
    trees = {
        "json": {
            "number": b"42",
            "struct": b'{"unexpected": {"deep": [1, 2, 3]}}',
            "missing-field": b'[{"NAME": "x"}]',
            "bad-field": b'[{"ID": "not-a-number", "NAME": "x"}]',
        },
        "xmlrpc": {
            "number": _response("<value><int>42</int></value>"),
            "struct": _response(
                "<value><struct><member><name>unexpected</name><value><int>1</int></value>"
                "</member></struct></value>"
            ),
            "missing-field": _response(
                "<value><array><data><value><struct><member><name>NAME</name><value>x</value>"
                "</member></struct></value></data></array></value>"
            ),
            "bad-field": _response(
                "<value><array><data><value><struct><member><name>ID</name><value>"
                "not-a-number</value></member><member><name>NAME</name><value>x</value>"
                "</member></struct></value></data></array></value>"
            ),
        },
    }
    body = trees[wire][answer]
    async with MailkitEmulator() as emu:
        emu.faults.add(Fault.raw(body, wire=wire))
        async with make_client(emu, wire) as client:
            started = time.perf_counter()
            with pytest.raises(MailkitError) as caught:
                await client.mailinglist.list()
            elapsed = time.perf_counter() - started
    assert isinstance(caught.value, ResponseValidationError), repr(caught.value)
    assert elapsed < 0.1
    assert len(str(caught.value)) < MAX_MESSAGE
