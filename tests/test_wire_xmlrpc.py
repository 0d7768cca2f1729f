"""The XML-RPC wire format: encoding, decoding, Mailkit's quirks and hostile input."""

from __future__ import annotations

import contextlib
import enum
import math
import socket
import time
import xmlrpc.client
from collections import OrderedDict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from mailkit_async._exceptions import (
    APIError,
    AuthenticationError,
    EncodeError,
    MalformedResponseError,
    NotFoundError,
    ResponseTooLargeError,
    UnsafeXMLError,
)
from mailkit_async._types import WireValue
from mailkit_async._wire._xmlrpc import (
    MAX_DEPTH,
    PARSER,
    XmlRpcWire,
    decode_method_call,
    decode_method_response,
    encode_fault,
    encode_method_call,
    encode_method_response,
)

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>'


def assert_not_chained(error: BaseException) -> None:
    """No raw parser (or other) exception rides along as the cause or visible context."""
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__


def call_body(fragment: str, method: str = "m") -> bytes:
    """The exact bytes our encoder writes for one param whose <value> content is ``fragment``."""
    return (
        HEAD
        + f"<methodCall><methodName>{method}</methodName><params>"
        f"<param><value>{fragment}</value></param></params></methodCall>".encode()
    )


def response(inner: str, *, declaration: bool = True) -> bytes:
    """A methodResponse whose single <value> holds ``inner``."""
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if declaration else ""
    return (
        f"{head}<methodResponse><params><param><value>{inner}</value></param></params>"
        "</methodResponse>"
    ).encode()


# --------------------------------------------------------------------------------------------
# One table for both directions: (python value, XML inside <value>, direction)
# "both": the encoder writes exactly this and the decoder reads it back;
# "decode": other spellings servers use (Mailkit's <i4>, untyped strings, padding).
# --------------------------------------------------------------------------------------------

STAMP = datetime(2024, 8, 22, 16, 12, 33)

CASES: list[tuple[WireValue, str, str]] = [
    ("hello", "<string>hello</string>", "both"),
    ("", "<string></string>", "both"),
    ("", "<string/>", "decode"),
    ("Jméno 😀", "<string>Jméno 😀</string>", "both"),
    ("a&b<c>d", "<string>a&amp;b&lt;c&gt;d</string>", "both"),
    ("line\r\nnext\ttab", "<string>line&#13;\nnext\ttab</string>", "both"),
    ("]]>", "<string>]]&gt;</string>", "both"),
    ("  ", "<string>  </string>", "both"),
    ("untyped", "untyped", "decode"),
    ("", "", "decode"),
    ("  padded  ", "  padded  ", "decode"),
    ("x", "<string><![CDATA[x]]></string>", "decode"),
    ("é", "<string>&#233;</string>", "decode"),
    (0, "<int>0</int>", "both"),
    (42, "<int>42</int>", "both"),
    (-7, "<int>-7</int>", "both"),
    (2**31 - 1, "<int>2147483647</int>", "both"),
    (-(2**31), "<int>-2147483648</int>", "both"),
    (2**31, "<i8>2147483648</i8>", "both"),
    (-(2**31) - 1, "<i8>-2147483649</i8>", "both"),
    (2**63 - 1, "<i8>9223372036854775807</i8>", "both"),
    (-(2**63), "<i8>-9223372036854775808</i8>", "both"),
    (123456789, "<i4>123456789</i4>", "decode"),
    (5, "<i4>\n   5\n </i4>", "decode"),
    (5, "<int>+5</int>", "decode"),
    (4294967296, "<i8>4294967296</i8>", "decode"),
    (True, "<boolean>1</boolean>", "both"),
    (False, "<boolean>0</boolean>", "both"),
    (True, "<boolean> 1 </boolean>", "decode"),
    (1.5, "<double>1.5</double>", "both"),
    (-0.25, "<double>-0.25</double>", "both"),
    (1e16, "<double>1e+16</double>", "both"),
    (3.0, "<double> 3 </double>", "decode"),
    (None, "<nil/>", "both"),
    (None, "<nil></nil>", "decode"),
    (b"\x00\xffbinary", "<base64>AP9iaW5hcnk=</base64>", "both"),
    (b"", "<base64></base64>", "both"),
    (b"Jm\xc3\xa9no", "<base64>\nSm3DqW5v\n</base64>", "decode"),
    (STAMP, "<dateTime.iso8601>20240822T16:12:33</dateTime.iso8601>", "both"),
    (STAMP, "<dateTime.iso8601>2024-08-22T16:12:33</dateTime.iso8601>", "decode"),
    (datetime(1, 1, 1), "<dateTime.iso8601>00010101T00:00:00</dateTime.iso8601>", "both"),
    ({}, "<struct></struct>", "both"),
    ([], "<array><data></data></array>", "both"),
    ([], "<array><data/></array>", "decode"),
    ([], "<array/>", "decode"),
    (
        {"a": 1, "b<&>": "x"},
        "<struct><member><name>a</name><value><int>1</int></value></member>"
        "<member><name>b&lt;&amp;&gt;</name><value><string>x</string></value></member></struct>",
        "both",
    ),
    (
        {"": "empty key"},
        "<struct><member><name></name><value><string>empty key</string></value></member></struct>",
        "both",
    ),
    (
        [1, "two", [True, None], {"k": [b"\x01"]}],
        "<array><data><value><int>1</int></value><value><string>two</string></value>"
        "<value><array><data><value><boolean>1</boolean></value><value><nil/></value>"
        "</data></array></value><value><struct><member><name>k</name><value><array><data>"
        "<value><base64>AQ==</base64></value></data></array></value></member></struct></value>"
        "</data></array>",
        "both",
    ),
    (
        {"first_name": "Jan", "custom1": "x"},
        "<struct>\n  <member>\n    <name>first_name</name>\n    <value>Jan</value>\n  </member>\n"
        "  <member><name>custom1</name><value>\n<string>x</string>\n</value></member>\n</struct>",
        "decode",
    ),
    (
        [True, 1, False, 0],
        "<array><data><value><boolean>1</boolean></value><value><int>1</int></value>"
        "<value><boolean>0</boolean></value><value><int>0</int></value></data></array>",
        "both",
    ),
]  # fmt: skip

ENCODE_CASES = [pytest.param(v, x, id=x[:60]) for v, x, d in CASES if d == "both"]
DECODE_CASES = [pytest.param(v, x, id=f"{d}:{x[:60]}") for v, x, d in CASES]


@pytest.mark.parametrize(("value", "fragment"), ENCODE_CASES)
def test_encode_table(value: WireValue, fragment: str) -> None:
    assert encode_method_call("m", [value]) == call_body(fragment)


@pytest.mark.parametrize(("value", "fragment"), DECODE_CASES)
def test_decode_table(value: WireValue, fragment: str) -> None:
    decoded = decode_method_response(response(fragment))
    assert decoded == value
    assert type(decoded) is type(value)
    assert decode_method_call(call_body(fragment)) == ("m", [value])


@pytest.mark.parametrize(("value", "fragment"), ENCODE_CASES)
def test_stdlib_reads_our_output(value: WireValue, fragment: str) -> None:
    params, method = xmlrpc.client.loads(encode_method_call("m.x", [value]), use_builtin_types=True)
    assert method == "m.x"
    assert params == (value,)


def test_bool_is_not_encoded_as_int() -> None:
    body = encode_method_call("m", [True, 1, False, 0])
    assert body.count(b"<boolean>") == 2
    assert body.count(b"<int>") == 2
    assert decode_method_call(body) == ("m", [True, 1, False, 0])


# --------------------------------------------------------------------------------------------
# Encoding details
# --------------------------------------------------------------------------------------------


def test_encode_header_and_utf8() -> None:
    body = encode_method_call("mailkit.sendmail", [1, "Dvořák"])
    assert body.startswith(HEAD + b"<methodCall><methodName>mailkit.sendmail</methodName>")
    assert "Dvořák".encode() in body
    assert body.endswith(b"</params></methodCall>")


def test_encode_accepts_tuples_and_empty_params() -> None:
    assert (
        encode_method_call("m", ())
        == HEAD + b"<methodCall><methodName>m</methodName><params></params></methodCall>"
    )
    assert decode_method_call(encode_method_call("m", ((1, 2),)))[1] == [[1, 2]]  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [2**63, -(2**63) - 1, 10**30])
def test_encode_refuses_integers_beyond_64_bits(number: int) -> None:
    with pytest.raises(EncodeError, match="64-bit"):
        encode_method_call("m", [number])


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_encode_refuses_non_finite_floats(number: float) -> None:
    with pytest.raises(EncodeError):
        encode_method_call("m", [{"x": [number]}])


FORBIDDEN = [
    "\x00",
    "\x01",
    "\x08",
    "\x0b",
    "\x0c",
    "\x0e",
    "\x1f",
    "\ud800",
    "\udfff",
    "\ufffe",
    "\uffff",
]


@pytest.mark.parametrize("char", FORBIDDEN)
def test_encode_refuses_characters_xml_forbids(char: str) -> None:
    for value in (f"a{char}b", {"k": f"a{char}"}, {f"k{char}": 1}, [f"{char}"]):
        with pytest.raises(EncodeError, match=r"XML 1\.0"):
            encode_method_call("m", [value])  # type: ignore[list-item]


def test_encode_allows_tab_newline_and_carriage_return() -> None:
    text = "a\tb\nc\rd\x7f\x85\u2028"
    assert decode_method_call(encode_method_call("m", [text])) == ("m", [text])


@pytest.mark.parametrize(
    ("value", "type_name"),
    [({1, 2}, "set"), (object(), "object"), (datetime(2024, 1, 1).date(), "date"), (1j, "complex")],
)
def test_encode_refuses_other_types_naming_them(value: object, type_name: str) -> None:
    with pytest.raises(EncodeError, match=type_name):
        encode_method_call("m", [{"nested": [value]}])  # type: ignore[dict-item]


@pytest.mark.parametrize("key", [1, None, b"k", ("a",)])
def test_encode_refuses_non_str_keys(key: object) -> None:
    with pytest.raises(EncodeError, match="struct keys must be str"):
        encode_method_call("m", [{key: 1}])  # type: ignore[dict-item]


@pytest.mark.parametrize("method", ["", "a b", "a<b", "x&y", "m\n", "metóda", None, 12])
def test_encode_refuses_bad_method_names(method: Any) -> None:
    with pytest.raises(EncodeError, match="method name"):
        encode_method_call(method, [])


def test_encode_method_name_characters() -> None:
    assert decode_method_call(encode_method_call("a.b_c:d/E9", []))[0] == "a.b_c:d/E9"


def test_encode_refuses_a_string_as_params() -> None:
    with pytest.raises(EncodeError):
        encode_method_call("m", "abc")


def test_encode_refuses_self_containing_values() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(EncodeError, match="nests too deeply"):
        encode_method_call("m", [loop])


def test_encode_datetime_drops_zone_and_microseconds() -> None:
    stamp = datetime(2024, 1, 2, 3, 4, 5, 678, tzinfo=UTC)
    assert b"<dateTime.iso8601>20240102T03:04:05</dateTime.iso8601>" in encode_method_call(
        "m", [stamp]
    )


class Colour(enum.IntEnum):
    RED = 7


class Mode(str, enum.Enum):  # noqa: UP042 - str() of this one is "Mode.FAST", not the value
    FAST = "fast"


class Ratio(float):
    pass


def test_encode_subclasses_as_their_base_type() -> None:
    values: list[Any] = [
        Colour.RED,
        Mode.FAST,
        Ratio(0.5),
        OrderedDict(a=1),
        {Mode.FAST: 1},
        bytearray(b"ab"),
        memoryview(b"cd"),
        (1, "x"),
    ]
    _, decoded = decode_method_call(encode_method_call("m", values))
    assert decoded == [7, "fast", 0.5, {"a": 1}, {"fast": 1}, b"ab", b"cd", [1, "x"]]


def test_member_heads_are_reused_but_values_escaped_each_time() -> None:
    rows = [{"k&": f"v{i}<"} for i in range(3)]
    body = encode_method_call("m", [rows])
    assert body.count(b"<name>k&amp;</name>") == 3
    assert decode_method_call(body)[1] == [rows]


def test_encode_response_and_fault_round_trip() -> None:
    value = {"data": "OK", "list": ["a@example.cz"]}
    assert decode_method_response(encode_method_response(value)) == value
    with pytest.raises(AuthenticationError) as info:
        decode_method_response(encode_fault(401, "Unauthorized"), function="mailkit.x")
    assert info.value.code == 401


# --------------------------------------------------------------------------------------------
# Decoding: Mailkit's quirks and documented answers
# --------------------------------------------------------------------------------------------


def test_bare_error_string_decodes_to_the_string() -> None:
    body = (
        b'<?xml version="1.0"?>\n<methodResponse><params><param><value>'
        b"<string>Unauthorized</string></value></param></params></methodResponse>"
    )
    assert decode_method_response(body, function="mailkit.mailinglist.list") == "Unauthorized"


def fault(members: str) -> bytes:
    return (
        "<?xml version='1.0'?><methodResponse><fault><value><struct>"
        f"{members}</struct></value></fault></methodResponse>"
    ).encode()


CODE = "<member><name>faultCode</name><value><int>{}</int></value></member>"
TEXT = "<member><name>faultString</name><value><string>{}</string></value></member>"


def test_fault_unauthorized_raises_authentication_error() -> None:
    with pytest.raises(AuthenticationError) as info:
        decode_method_response(
            fault(CODE.format(3) + TEXT.format("Unauthorized")), function="mailkit.report"
        )
    assert info.value.code == 3
    assert info.value.message == "Unauthorized"
    assert info.value.function == "mailkit.report"


def test_fault_uses_the_error_table() -> None:
    with pytest.raises(NotFoundError) as info:
        decode_method_response(fault(TEXT.format("Invalid ID_send") + CODE.format(-2)))
    assert info.value.code == -2


def test_fault_without_code() -> None:
    with pytest.raises(AuthenticationError) as info:
        decode_method_response(fault(TEXT.format("Unauthorized")))
    assert info.value.code is None


def test_fault_with_numeric_text_code() -> None:
    body = fault("<member><name>faultCode</name><value><string> 12 </string></value></member>")
    with pytest.raises(APIError) as info:
        decode_method_response(body)
    assert info.value.code == 12


@pytest.mark.parametrize(
    "body",
    [
        fault(""),
        fault(CODE.format(5)),
        fault(TEXT.format("")),
        b"<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
    ],
)
def test_fault_without_text_still_raises_api_error(body: bytes) -> None:
    with pytest.raises(APIError) as info:
        decode_method_response(body)
    assert info.value.message == "XML-RPC fault without text"


def test_fault_as_bare_string() -> None:
    body = b"<methodResponse><fault><value>Unauthorized</value></fault></methodResponse>"
    with pytest.raises(AuthenticationError):
        decode_method_response(body)


# Documented example bodies, copied from Mailkit's pages (reference/seeds/000 and 001).

SENDMAIL_MASS_OK = b"""<methodResponse>
  <params>
    <param>
    <value>
      <struct>
        <member>
          <name>data</name>
          <value>
            <string>OK</string>
          </value>
        </member>
        <member>
          <name>list</name>
          <value>
            <array>
              <data>
                <value>
                  <string>email@email.eu</string>
                </value>
                <value>
                  <string>email2@email2.eu</string>
                </value>
              </data>
            </array>
          </value>
        </member>
      </struct>
    </value>
    </param>
  </params>
</methodResponse>"""

RESULTS_OK = b"""<?xml version="1.0" encoding="utf-8"?>
<methodResponse>
  <params>
    <param>
      <value>
        <struct>
          <member>
            <name>status</name>
            <value>
              <string>OK</string>
            </value>
          </member>
        </struct>
      </value>
    </param>
  </params>
</methodResponse>"""

RESULTS_ERROR = b"""<?xml version="1.0" encoding="utf-8"?>
<methodResponse>
  <params>
    <param>
      <value>
        <struct>
          <member>
            <name>status</name>
            <value>
              <string>ERROR</string>
            </value>
          </member>
          <member>
            <name>results</name>
            <value>
              <array>
                <data>
                  <value>
                    <struct>
                      <member>
                        <name>ERROR_CODE</name>
                        <value>
                          <i4>1</i4>
                        </value>
                      </member>
                      <member>
                        <name>INFO</name>
                        <value>
                          <string>url return null</string>
                        </value>
                      </member>
                      <member>
                        <name>DATE</name>
                        <value>
                          <string>2015-05-13 09:43:50</string>
                        </value>
                      </member>
                      <member>
                        <name>ID_EMAIL</name>
                        <value>
                          <i4>123456789</i4>
                        </value>
                      </member>
                      <member>
                        <name>EMAIL</name>
                        <value>
                          <string>mail@mail.cz</string>
                        </value>
                      </member>
                      <member>
                        <name>ID_SEND</name>
                        <value>
                          <i4>12345</i4>
                        </value>
                      </member>
                      <member>
                        <name>ID_SEND_MESSAGE</name>
                        <value>
                          <i4>123456789</i4>
                        </value>
                      </member>
                    </struct>
                  </value>
                </data>
              </array>
            </value>
          </member>
        </struct>
      </value>
    </param>
  </params>
</methodResponse>"""

# reference/seeds/002 as published: the first <member> after EMAIL is never closed.
RECIPIENTS_AS_PUBLISHED = b"""<?xml version="1.0" encoding="utf-8"?>
<methodResponse>
  <params>
    <param>
    <value>
      <array>
        <data>
          <value>
            <struct>
              <member>
                <name>DATE</name>
                <value>
                  <string>yyyy-mm-dd hh:mm:ss</string>
                </value>
              </member>
              <member>
                <name>ID_SEND_MESSAGE</name>
                <value>
                  <i4>123456789</i4>
                </value>
              </member>
              <member>
                <name>EMAIL</name>
                <value>
                  <string>example@example.cz</string>
                </value>
              </member>
              <member>
              <member>
                <name>STATUS</name>
                <value>
                  <string>sent</string>
                </value>
              </member>
              <member>
                <name>AB_VERSION</name>
                <value>
                  <string></string>
                </value>
              </member>
              <member>
                <name>ID_EMAIL</name>
                <value>
                  <i4>123456789</i4>
                </value>
              </member>
              <member>
                <name>READ_COUNT</name>
                <value>
                  <i4>3</i4>
                </value>
              </member>
              <member>
                <name>CLICK_COUNT</name>
                <value>
                  <i4>0</i4>
                </value>
              </member>
            </struct>
          </value>
        </data>
      </array>
    </value>
    </param>
  </params>
</methodResponse>"""

RECIPIENTS_CORRECTED = RECIPIENTS_AS_PUBLISHED.replace(
    b"              <member>\n              <member>\n", b"              <member>\n", 1
)

RECIPIENTS_ERROR = b"""<?xml version="1.0"?>
<methodResponse>
    <params>
        <param>
            <value>
                <string>Missing ID_send</string>
            </value>
        </param>
    </params>
</methodResponse>"""


def test_documented_sendmail_mass_ok() -> None:
    assert decode_method_response(SENDMAIL_MASS_OK, function="mailkit.sendmail_mass") == {
        "data": "OK",
        "list": ["email@email.eu", "email2@email2.eu"],
    }


def test_documented_results_ok_and_error() -> None:
    assert decode_method_response(RESULTS_OK) == {"status": "OK"}
    assert decode_method_response(RESULTS_ERROR, function="mailkit.sendmail_mass.results") == {
        "status": "ERROR",
        "results": [
            {
                "ERROR_CODE": 1,
                "INFO": "url return null",
                "DATE": "2015-05-13 09:43:50",
                "ID_EMAIL": 123456789,
                "EMAIL": "mail@mail.cz",
                "ID_SEND": 12345,
                "ID_SEND_MESSAGE": 123456789,
            }
        ],
    }


def test_documented_recipients_sample_is_not_well_formed() -> None:
    with pytest.raises(MalformedResponseError, match="not well-formed") as info:
        decode_method_response(
            RECIPIENTS_AS_PUBLISHED, function="mailkit.report.message.recipients"
        )
    assert info.value.function == "mailkit.report.message.recipients"
    assert type(info.value) is MalformedResponseError


def test_documented_recipients_corrected() -> None:
    assert RECIPIENTS_CORRECTED != RECIPIENTS_AS_PUBLISHED
    assert decode_method_response(RECIPIENTS_CORRECTED) == [
        {
            "DATE": "yyyy-mm-dd hh:mm:ss",
            "ID_SEND_MESSAGE": 123456789,
            "EMAIL": "example@example.cz",
            "STATUS": "sent",
            "AB_VERSION": "",
            "ID_EMAIL": 123456789,
            "READ_COUNT": 3,
            "CLICK_COUNT": 0,
        }
    ]
    assert decode_method_response(RECIPIENTS_ERROR) == "Missing ID_send"


def test_decode_accepts_bytearray_and_memoryview() -> None:
    assert decode_method_response(bytearray(RESULTS_OK)) == {"status": "OK"}
    assert decode_method_response(memoryview(RESULTS_OK)) == {"status": "OK"}  # type: ignore[arg-type]


def test_decode_accepts_utf8_bom_and_comments() -> None:
    body = b"\xef\xbb\xbf<!-- hi -->" + method_response(
        "<params><param><value>x<!-- c --></value></param></params>"
    )
    assert decode_method_response(body) == "x"


# --------------------------------------------------------------------------------------------
# Decoding: malformed shapes
# --------------------------------------------------------------------------------------------


def struct(*members: str) -> str:
    return "<struct>" + "".join(members) + "</struct>"


def method_response(inner: str) -> bytes:
    return f"<methodResponse>{inner}</methodResponse>".encode()


def datetime_value(text: str) -> bytes:
    return response(f"<dateTime.iso8601>{text}</dateTime.iso8601>")


NAMED_A = "<name>a</name>"
PARAM_1 = "<param><value>1</value></param>"

MALFORMED: dict[str, tuple[bytes, str | None]] = {
    "unknown type": (response("<float>1.5</float>"), "<float>"),
    "namespaced type": (response("<ex:nil xmlns:ex='urn:x'/>"), "namespaced"),
    "two types in a value": (response("<int>1</int><int>2</int>"), "more than one"),
    "member without value": (response(struct(f"<member>{NAMED_A}</member>")), "<name> or"),
    "member without name": (response(struct("<member><value>1</value></member>")), "<name> or"),
    "member reversed": (
        response(struct(f"<member><value>1</value>{NAMED_A}</member>")),
        "<name> and then",
    ),
    "member with a third child": (
        response(struct(f"<member>{NAMED_A}<value>1</value><value>2</value></member>")),
        "<value> in <member>",
    ),
    "markup in a name": (
        response(struct("<member><name>a<b/></name><value>1</value></member>")),
        "<name> must not",
    ),
    "struct holding junk": (response(struct(f"<item>{NAMED_A}<value>1</value></item>")), "<item>"),
    "array without data": (response("<array><value>1</value></array>"), "<value> in <array>"),
    "array with two data": (response("<array><data/><data/></array>"), "exactly one <data>"),
    "data holding junk": (response("<array><data><int>1</int></data></array>"), "<int> in <data>"),
    "markup in a string": (response("<string>a<b>c</b></string>"), "<string> must not"),
    "markup in a member string": (
        response(struct(f"<member>{NAMED_A}<value><string>a<b/></string></value></member>")),
        "<string> must not",
    ),
    "markup in an int": (response("<i4>1<b/></i4>"), "<i4> must not"),
    "bad int": (response("<int>12a</int>"), "integer"),
    "int with underscore": (response("<i4>1_000</i4>"), "integer"),
    "empty int": (response("<i4></i4>"), "integer"),
    "10000-digit int": (response("<i8>" + "9" * 10_000 + "</i8>"), "integer"),
    "bad double": (response("<double>one</double>"), "number"),
    "bad boolean": (response("<boolean>true</boolean>"), "1 or 0"),
    "bad base64": (response("<base64>QQ=Q=</base64>"), "base64"),
    "base64 with junk": (response("<base64>QUJD!</base64>"), "base64"),
    "non-ascii base64": (response("<base64>Ř</base64>"), "base64"),
    "bad datetime": (datetime_value("2024-13-01T00:00:00"), "date-time"),
    "mixed datetime": (datetime_value("2024-0101T00:00:00"), "date-time"),
    "datetime with zone": (datetime_value("20240101T00:00:00Z"), "date-time"),
    "nil with text": (response("<nil>x</nil>"), "empty"),
    "markup in double": (response("<double>1<b/></double>"), "must not contain"),
    "wrong root": (b"<methodCall><methodName>m</methodName></methodCall>", "methodResponse"),
    "no params": (b"<methodResponse/>", "one <params>"),
    "empty params": (method_response("<params/>"), "exactly one <param>"),
    "two params": (method_response(f"<params>{PARAM_1}{PARAM_1}</params>"), "exactly one"),
    "param without value": (method_response("<params><param/></params>"), "one value"),
    "param holding junk": (
        method_response("<params><param><int>1</int></param></params>"),
        "<value>",
    ),
    "params and fault": (method_response("<params/><fault/>"), "one <params> or one <fault>"),
    "junk in response": (method_response("<result/>"), "<result>"),
    "70-deep arrays": (
        response("<array><data><value>" * 70 + "</value></data></array>" * 70),
        f"deeper than {MAX_DEPTH}",
    ),
}


@pytest.mark.parametrize(("body", "fragment"), list(MALFORMED.values()), ids=list(MALFORMED))
def test_malformed_shapes(body: bytes, fragment: str | None) -> None:
    with pytest.raises(MalformedResponseError) as info:
        decode_method_response(body, function="mailkit.f")
    if fragment is not None:
        assert fragment in str(info.value)
    assert info.value.function == "mailkit.f"
    assert_not_chained(info.value)


def test_depth_limit_allows_max_depth() -> None:
    value: WireValue = "leaf"
    for _ in range(MAX_DEPTH):
        value = [value]
    assert decode_method_response(encode_method_response(value)) == value
    with pytest.raises(MalformedResponseError, match="deeper"):
        decode_method_response(encode_method_response([value]))


# --------------------------------------------------------------------------------------------
# decode_method_call
# --------------------------------------------------------------------------------------------


def test_decode_method_call() -> None:
    body = encode_method_call("mailkit.sendmail_mass.results", [7, "md5", 0, 55])
    assert decode_method_call(body) == ("mailkit.sendmail_mass.results", [7, "md5", 0, 55])
    bare = b"<?xml version='1.0'?><methodCall><methodName> m.x </methodName></methodCall>"
    assert decode_method_call(bare) == ("m.x", [])


@pytest.mark.parametrize(
    "body",
    [
        b"<methodCall/>",
        b"<methodCall><params/></methodCall>",
        b"<methodCall><methodName>a b</methodName></methodCall>",
        b"<methodCall><methodName>m</methodName><fault/></methodCall>",
        b"<methodCall><methodName>m</methodName><params><value>1</value></params></methodCall>",
        b"<methodResponse><params><param><value>1</value></param></params></methodResponse>",
        b'<!DOCTYPE methodCall [<!ENTITY x "y">]><methodCall><methodName>&x;</methodName>'
        b"</methodCall>",
    ],
)
def test_decode_method_call_malformed(body: bytes) -> None:
    with pytest.raises(MalformedResponseError):
        decode_method_call(body)


# --------------------------------------------------------------------------------------------
# Hostile corpus (reliability guide, scenario 16)
# --------------------------------------------------------------------------------------------

ENVELOPE = (
    "<methodResponse><params><param><value><string>{}</string></value></param></params>"
    "</methodResponse>"
)

LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    + ENVELOPE.format("&lol9;")
).encode()

QUADRATIC = (
    '<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "'
    + "x" * 50_000
    + '">]>'
    + ENVELOPE.format("&a;" * 50_000)
).encode()


@pytest.fixture
def sentinel(tmp_path: Path) -> tuple[Path, str]:
    secret = "SENTINEL-7d1f0c3e-do-not-leak"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{path.as_uri()}">')
    return path, secret


def hostile_bodies(path: Path) -> dict[str, bytes]:
    uri = path.as_uri()
    dtd_uri = (path.parent / "evil.dtd").as_uri()
    return {
        "billion laughs": LAUGHS,
        "quadratic blowup": QUADRATIC,
        "external entity file": (
            f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "{uri}">]>'
            + ENVELOPE.format("&xxe;")
        ).encode(),
        "external entity http": (
            '<!DOCTYPE r [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>' + ENVELOPE.format("&xxe;")
        ).encode(),
        "external DTD": (
            f'<?xml version="1.0"?><!DOCTYPE methodResponse SYSTEM "{dtd_uri}">'
            + ENVELOPE.format("&leak;")
        ).encode(),
        "parameter entities": (
            f'<!DOCTYPE r [<!ENTITY % ext SYSTEM "{dtd_uri}"> %ext;]>' + ENVELOPE.format("&leak;")
        ).encode(),
        "cyclic entity": (
            '<!DOCTYPE r [<!ENTITY a "&b;"><!ENTITY b "&a;">]>' + ENVELOPE.format("&a;")
        ).encode(),
        "plain doctype": b"<!DOCTYPE methodResponse>" + ENVELOPE.format("x").encode(),
        "doctype after a comment": b"<!-- hi --><!DOCTYPE methodResponse>"
        + ENVELOPE.format("x").encode(),
        "doctype after the root": ENVELOPE.format("x").encode() + b"<!DOCTYPE methodResponse>",
        "entity declaration alone": b"<!ENTITY x 'y'>" + ENVELOPE.format("x").encode(),
        "xinclude": (
            '<methodResponse xmlns:xi="http://www.w3.org/2001/XInclude"><params><param><value>'
            f'<string>a<xi:include href="{uri}" parse="text"/></string>'
            "</value></param></params></methodResponse>"
        ).encode(),
        "xinclude as value": (
            '<methodResponse><params><param><value><xi:include xmlns:xi="http://www.w3.org/2001/XInclude"'
            f' href="{uri}" parse="text"/></value></param></params></methodResponse>'
        ).encode(),
        "default namespace": b'<methodResponse xmlns="urn:x"><params><param><value>1</value>'
        b"</param></params></methodResponse>",
        "xml prefix element": ENVELOPE.format("a<xml:x/>").encode(),
        "300-deep nesting": response(
            "<array><data><value>" * 300 + "</value></data></array>" * 300
        ),
        "processing instruction in prolog": b'<?xml version="1.0"?><?xml-stylesheet href="http://127.0.0.1:9/x.xsl"?>'
        + ENVELOPE.format("x").encode(),
        "processing instruction in content": ENVELOPE.format("a<?php echo 1; ?>b").encode(),
        "processing instruction before declaration": b"<?pi x?>" + ENVELOPE.format("x").encode(),
        "invalid utf-8": ENVELOPE.format("a").encode().replace(b">a<", b">\xff\xfe\xc3<"),
        "latin-1 declaration": b'<?xml version="1.0" encoding="ISO-8859-1"?>'
        + ENVELOPE.format("caf\xe9").encode("latin-1"),
        "utf-16 body": ('<?xml version="1.0" encoding="UTF-16"?>' + ENVELOPE.format("x")).encode(
            "utf-16"
        ),
        "utf-16 without declaration": ENVELOPE.format("x").encode("utf-16-le"),
        "truncated": RESULTS_ERROR[: len(RESULTS_ERROR) // 2],
        "html page": b"<html><head><title>502 Bad Gateway</title></head><body>502</body></html>",
        "html page with doctype": b"<!DOCTYPE html><html><body>Bad Gateway</body></html>",
        "json body": b'{"error_status": 1, "error": "Unauthorized"}',
        "10000-digit integer": response("<int>" + "1" * 10_000 + "</int>"),
        "unknown type": response(struct(f"<member>{NAMED_A}<value><big>1</big></value></member>")),
        "undefined entity": ENVELOPE.format("&xxe;").encode(),
        "empty": b"",
        "whitespace": b" \r\n\t ",
        "nul bytes": b"\x00\x00\x00",
    }  # fmt: skip


def test_hostile_corpus(sentinel: tuple[Path, str]) -> None:
    path, secret = sentinel
    for name, body in hostile_bodies(path).items():
        started = time.perf_counter()
        with pytest.raises(MalformedResponseError) as info:
            decode_method_response(body, function="mailkit.report")
        elapsed = time.perf_counter() - started
        assert elapsed < 0.1, f"{name} took {elapsed:.3f} s"
        error = info.value
        text = f"{error} {error!r} {error.args!r} {error.message}"
        assert secret not in text, name
        assert_not_chained(error)
        assert len(str(error)) < 400, name


@pytest.mark.parametrize(
    "name",
    [
        "billion laughs",
        "quadratic blowup",
        "external entity file",
        "external DTD",
        "parameter entities",
        "plain doctype",
        "doctype after a comment",
        "xinclude",
        "xinclude as value",
        "default namespace",
        "processing instruction in prolog",
        "processing instruction in content",
        "latin-1 declaration",
        "utf-16 body",
        "html page with doctype",
    ],
)
def test_hostile_constructs_are_called_unsafe(name: str, sentinel: tuple[Path, str]) -> None:
    with pytest.raises(UnsafeXMLError):
        decode_method_response(hostile_bodies(sentinel[0])[name])
    with pytest.raises(UnsafeXMLError):
        decode_method_call(
            hostile_bodies(sentinel[0])[name].replace(b"methodResponse", b"methodCall")
        )


def test_size_cap() -> None:
    started = time.perf_counter()
    with pytest.raises(ResponseTooLargeError, match="exceeds"):
        decode_method_response(RESULTS_ERROR, max_bytes=100)
    assert time.perf_counter() - started < 0.1
    assert decode_method_response(RESULTS_OK, max_bytes=len(RESULTS_OK)) == {"status": "OK"}


def test_text_node_over_libxml2_limit() -> None:
    body = response("<string>" + "a" * 10_000_100 + "</string>")
    started = time.perf_counter()
    with pytest.raises(MalformedResponseError):
        decode_method_response(body)
    assert time.perf_counter() - started < 1.0


def test_error_message_quotes_only_an_excerpt() -> None:
    body = b"<methodResponse>" + b"<x>" * 100_000
    with pytest.raises(MalformedResponseError) as info:
        decode_method_response(body)
    assert len(str(info.value)) < 400


def test_wire_uses_question_marks_and_xml_words_in_text() -> None:
    # "?" and "xml" in text take the slow paths of the byte checks without false alarms.
    texts = [f"https://example.cz/a?b={i}&c=xml&xmlish <?>" for i in range(100)]
    assert decode_method_response(encode_method_response(texts)) == texts


# --------------------------------------------------------------------------------------------
# The parser itself is safe, even without the byte checks in front of it
# --------------------------------------------------------------------------------------------


def test_parser_options_by_behaviour(tmp_path: Path) -> None:
    secret = "PARSER-SENTINEL-41"
    (tmp_path / "s.txt").write_text(secret)
    uri = (tmp_path / "s.txt").as_uri()
    dtd = tmp_path / "d.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "{uri}"><!ATTLIST a x CDATA "dtd-default">')

    # resolve_entities=False: external entities stay unexpanded.
    root = etree.fromstring(f'<!DOCTYPE a [<!ENTITY e SYSTEM "{uri}">]><a>&e;</a>'.encode(), PARSER)
    assert secret not in etree.tostring(root, encoding="unicode").replace("&e;", "")
    # load_dtd=False: an external DTD is not read (its attribute default does not appear).
    root = etree.fromstring(f'<!DOCTYPE a SYSTEM "{dtd.as_uri()}"><a/>'.encode(), PARSER)
    assert root.get("x") is None
    # huge_tree=False: libxml2's depth and size limits stay on.
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(b"<a>" * 300 + b"</a>" * 300, PARSER)
    # recover=False: errors raise instead of being repaired.
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(b"<a><b></a>", PARSER)
    # blank text, comments and processing instructions are dropped.
    root = etree.fromstring(b"<a>\n  <b> </b><!-- c --><?p x?>\n</a>", PARSER)
    assert root.text is None
    assert len(root) == 1
    assert root[0].text == " "
    # dtd_validation=False: an invalid document against its DTD still parses.
    root = etree.fromstring(b"<!DOCTYPE a [<!ELEMENT a EMPTY>]><a><b/></a>", PARSER)
    assert len(root) == 1


def test_parser_makes_no_network_connections() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(5)
        listener.settimeout(0.2)
        port = listener.getsockname()[1]
        bodies = [
            f'<!DOCTYPE a SYSTEM "http://127.0.0.1:{port}/x.dtd"><a/>',
            f'<!DOCTYPE a [<!ENTITY e SYSTEM "http://127.0.0.1:{port}/e">]><a>&e;</a>',
            f'<!DOCTYPE a [<!ENTITY % p SYSTEM "http://127.0.0.1:{port}/p"> %p;]><a/>',
        ]
        for body in bodies:
            with contextlib.suppress(etree.XMLSyntaxError):
                etree.fromstring(body.encode(), PARSER)
            with pytest.raises(MalformedResponseError):
                decode_method_response(body.encode())
        with pytest.raises(TimeoutError):
            listener.accept()


def test_parser_is_built_once() -> None:
    import mailkit_async._wire._xmlrpc as module

    assert isinstance(module.PARSER, etree.XMLParser)
    decode_method_response(RESULTS_OK)
    assert module.PARSER is PARSER


# --------------------------------------------------------------------------------------------
# No raw exception escapes: mutated bodies only ever raise the documented errors
# --------------------------------------------------------------------------------------------

MUTATION_TOKENS = [
    *(b"<", b">", b"&", b"</value>", b"<value>", b"<struct>", b"<member>", b"<i4>", b"<array>"),
    *(b"<data>", b"\xff", b"\x00", b"<?x?>", b"<!--", b"&#0;", b"&#x1F600;", b"]]>", b"<![CDATA["),
    *(b"9" * 30, b"<base64>", b"<fault>", b"xmlns:a='b'", b"<a:b xmlns:a='c'/>"),
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(
        [RESULTS_ERROR, SENDMAIL_MASS_OK, RECIPIENTS_CORRECTED, encode_fault(1, "x")]
    ),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 8), st.sampled_from(MUTATION_TOKENS)), max_size=4
    ),
    cut=st.none() | st.floats(0, 1),
)
def test_mutated_bodies_raise_only_documented_errors(
    base: bytes, edits: list[tuple[float, int, bytes]], cut: float | None
) -> None:
    body = base
    for where, drop, token in edits:
        at = int(where * len(body))
        body = body[:at] + token + body[at + drop :]
    if cut is not None:
        body = body[: int(cut * len(body))]
    with contextlib.suppress(MalformedResponseError, APIError):
        decode_method_response(body)
    with contextlib.suppress(MalformedResponseError):
        decode_method_call(body)


# --------------------------------------------------------------------------------------------
# Property tests: round trips and refusals (reliability guide, scenario 18)
# --------------------------------------------------------------------------------------------

XML_FORBIDDEN = (
    "".join(map(chr, [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])) + "\ufffe\uffff"
)

safe_chars = st.characters(blacklist_categories=("Cs",), blacklist_characters=XML_FORBIDDEN)
special_chars = st.sampled_from([*"&<>\"'\r\n\t]", "😀", "ř", "\u2028", "\x7f"])
texts = st.text(st.one_of(safe_chars, special_chars), max_size=30)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
    st.binary(max_size=40),
    st.datetimes().map(lambda d: d.replace(microsecond=0)),
)
wire_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(texts, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(value=wire_values)
def test_round_trip(value: WireValue) -> None:
    assert decode_method_response(encode_method_response(value)) == value
    body = encode_method_call("mailkit.test", [value, 1])
    assert decode_method_call(body) == ("mailkit.test", [value, 1])
    assert xmlrpc.client.loads(body, use_builtin_types=True) == ((value, 1), "mailkit.test")


bad_texts = st.builds(
    lambda head, bad, tail: head + bad + tail,
    texts,
    st.sampled_from([*XML_FORBIDDEN, "\ud800", "\udbff", "\udc00", "\udfff"]),
    texts,
)


@settings(max_examples=300, deadline=None)
@given(bad=bad_texts, where=st.sampled_from(["value", "key", "nested"]))
def test_forbidden_text_is_refused(bad: str, where: str) -> None:
    value: WireValue = {"value": bad, "key": {bad: 1}, "nested": [[{"k": [bad]}]]}[where]
    with pytest.raises(EncodeError):
        encode_method_call("m", [value])


@settings(max_examples=300, deadline=None)
@given(number=st.integers(2**63, 2**200) | st.integers(-(2**200), -(2**63) - 1))
def test_integers_beyond_64_bits_are_refused(number: int) -> None:
    with pytest.raises(EncodeError):
        encode_method_call("m", [[number]])


@settings(max_examples=300, deadline=None)
@given(value=wire_values, sign=st.sampled_from([math.nan, math.inf, -math.inf]))
def test_non_finite_floats_are_refused(value: WireValue, sign: float) -> None:
    with pytest.raises(EncodeError):
        encode_method_call("m", [[value, {"x": sign}]])


# --------------------------------------------------------------------------------------------
# The WireFormat implementation
# --------------------------------------------------------------------------------------------


def test_xmlrpc_wire_shape() -> None:
    wire = XmlRpcWire()
    assert (wire.name, wire.path, wire.content_type) == ("xmlrpc", "/rpc.fcgi", "text/xml")
    assert repr(wire) == "XmlRpcWire()"


def test_xmlrpc_wire_encode_call_puts_credentials_first() -> None:
    wire = XmlRpcWire()
    body = wire.encode_call("mailkit.custom.call", None, 123, "abc", {"a": "x", "b": [1]})
    assert decode_method_call(body) == ("mailkit.custom.call", [123, "abc", "x", [1]])


def test_xmlrpc_wire_encode_call_with_a_catalog_spec() -> None:
    from mailkit_async._catalog import FUNCTIONS

    spec = FUNCTIONS["mailkit.sendmail_mass.results"]
    body = XmlRpcWire().encode_call(spec.name, spec, 7, "md5", {"request_id": 55})
    method, params = decode_method_call(body)
    assert method == "mailkit.sendmail_mass.results"
    assert params[:2] == [7, "md5"]
    assert params[-1] == 55


def test_xmlrpc_wire_decode_response_names_the_function() -> None:
    wire = XmlRpcWire()
    assert wire.decode_response(RESULTS_OK, function="mailkit.sendmail_mass.results") == {
        "status": "OK"
    }
    with pytest.raises(MalformedResponseError) as info:
        wire.decode_response(b"<html/>", function="mailkit.report")
    assert info.value.function == "mailkit.report"
    with pytest.raises(AuthenticationError) as fault_info:
        wire.decode_response(encode_fault(1, "Unauthorized"), function="mailkit.report")
    assert fault_info.value.function == "mailkit.report"


def test_decoders_never_raise_raw_errors() -> None:
    raw: list[Callable[[], object]] = [
        lambda: decode_method_response(response("<i4>" + "1" * 5000 + "</i4>")),
        lambda: decode_method_response(response("<double>1e999999999999</double>")),
        lambda: decode_method_response(
            response("<dateTime.iso8601>99999999T99:99:99</dateTime.iso8601>")
        ),
        lambda: decode_method_response(b"\xef\xbb\xbf"),
        lambda: decode_method_response(b"<?xml version='1.0' encoding='bogus'?><a/>"),
        lambda: decode_method_response(b"<?xml version='1.0' encoding='utf-8'?>"),
    ]
    for attempt in raw:
        with contextlib.suppress(MalformedResponseError):
            attempt()


def test_comma_separated_ids_in_an_int_tag_are_kept_as_text() -> None:
    # mailinglist.unsubscribed's English page prints <i4>27,29,35</i4> (ID_UNSUBSCRIBE_GROUP)
    body = (
        b"<methodResponse><params><param><value><i4>27,29,35</i4></value></param>"
        b"</params></methodResponse>"
    )
    assert decode_method_response(body) == "27,29,35"
    with pytest.raises(MalformedResponseError):
        decode_method_response(body.replace(b"27,29,35", b"27,,29"))


@pytest.mark.parametrize("text", [b"NaN", b"inf", b"-Infinity", b"1e999"])
def test_non_finite_doubles_are_refused(text: bytes) -> None:
    body = (
        b"<methodResponse><params><param><value><double>"
        + text
        + b"</double></value></param></params></methodResponse>"
    )
    with pytest.raises(MalformedResponseError, match="no valid number"):
        decode_method_response(body)
