"""The API secret never leaks: structural redaction and a canary run (scenarios 19, 20).

The canary run makes representative calls and failures over both transports with
DEBUG logging on for mailkit_async, aiohttp, backoff and asyncio, then searches every
log record, every raised error (its chain and ``traceback.format_exception`` output)
and the reprs of the client's parts for the secret in raw, JSON-escaped, XML-escaped
and percent-encoded form.
"""

from __future__ import annotations

import asyncio
import json
import logging
import traceback
import urllib.parse
from xml.sax.saxutils import escape

import attrs
import pytest

from mailkit_async import (
    DEFAULT_LIMITS,
    DEFAULT_RETRY,
    DEFAULT_TIMEOUT,
    APIError,
    AuthenticationError,
    CallHooks,
    ConnectionLostError,
    Credentials,
    HTTPStatusError,
    MailkitClient,
    MailkitError,
    MailkitTimeout,
    MalformedResponseError,
    RedirectError,
    RetryPolicy,
    Secret,
    Timeout,
)
from mailkit_async._redact import Redactor
from mailkit_async.testing import Fault, MailkitEmulator
from tests._hardening_support import TRANSPORTS, chain

REALISTIC = "ca7a4e5d1f0b9c8e7d6a5b4c3d2e1f0a"
AWKWARD = "Ca&<>\"'ř€🦆-sécret-ß%2F+ x"
CANARIES = [REALISTIC, AWKWARD]


def spellings(secret: str) -> set[str]:
    """The forms a leak could take, built independently of the library's Redactor."""
    return {
        secret,
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        escape(secret),
        escape(secret, {'"': "&quot;", "'": "&apos;"}),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret, safe=""),
    }


def assert_clean(text: str, secret: str, where: str) -> None:
    for form in spellings(secret):
        assert form not in text, f"secret ({form!r}) leaked in {where}: {text[:300]!r}"


def assert_error_clean(error: BaseException, secret: str) -> None:
    assert_clean("".join(traceback.format_exception(error)), secret, "format_exception")
    for link in chain(error):
        assert_clean(str(link), secret, f"str({type(link).__name__})")
        assert_clean(repr(link), secret, f"repr({type(link).__name__})")
        assert_clean(repr(link.args), secret, f"args of {type(link).__name__}")
        for value in vars(link).values() if hasattr(link, "__dict__") else ():
            assert_clean(repr(value), secret, f"attribute of {type(link).__name__}")


# -- the Redactor ---------------------------------------------------------------------------


@pytest.mark.parametrize("secret", CANARIES)
def test_redactor_scrubs_every_spelling(secret: str) -> None:
    redactor = Redactor(secret)
    for form in spellings(secret):
        text = f"before {form} after"
        assert redactor.contains(text)
        assert redactor.text(text) == "before *** after"


def test_redactor_cuts_a_secret_cut_off_by_an_excerpt() -> None:
    redactor = Redactor(REALISTIC)
    cut = f"'body body {REALISTIC[:14]}…'"
    assert REALISTIC[:14] not in redactor.text(cut)
    assert redactor.text("short abc…") == "short abc…"  # too short to be the secret's start
    assert repr(redactor) == "Redactor(***)"


def test_redactor_follows_the_quoting_of_a_repr() -> None:
    secret = "it's-a-secret-0123"
    excerpt = repr(f'body "quoted" {secret} end')
    assert secret.replace("'", "\\'") in excerpt
    assert secret not in excerpt
    assert "a-secret" not in Redactor(secret).text(excerpt)


def test_redactor_scrubs_errors_and_cuts_parser_links() -> None:
    redactor = Redactor(REALISTIC)
    try:
        try:
            json.loads("{" + REALISTIC)
        except ValueError:
            raise MalformedResponseError(f"bad body: {REALISTIC}") from None
    except MalformedResponseError as exc:
        error = exc
    assert error.__context__ is not None
    redactor.scrub(error)
    assert error.__context__ is None
    assert error.__cause__ is None
    assert REALISTIC not in str(error)
    assert REALISTIC not in repr(error.args)
    assert error.message == "bad body: ***"


def test_redactor_keeps_transport_causes_without_the_secret() -> None:
    redactor = Redactor(REALISTIC)
    cause = ConnectionResetError(104, "reset by peer")
    error = ConnectionLostError("lost")
    error.__cause__ = cause
    redactor.scrub(error)
    assert error.__cause__ is cause
    leaky = OSError(f"weird {REALISTIC}")
    error.__cause__ = leaky
    redactor.scrub(error)
    assert error.__cause__ is None


# -- structure: reprs and log views (scenario 20) -----------------------------------------


@pytest.mark.parametrize("secret", CANARIES)
async def test_reprs_and_log_views_never_show_the_secret(secret: str) -> None:
    credentials = Credentials(1, Secret(secret))
    client = MailkitClient(1, secret, base_url="http://127.0.0.1:1")
    copy = client.with_options(timeout=Timeout(read=1))
    views = [
        repr(credentials),
        repr(attrs.asdict(credentials)),
        repr(client.converter.unstructure(credentials)),
        repr(client),
        repr(copy),
        repr(client.transport),
        repr(client.transport.sender),  # type: ignore[attr-defined]
        repr(client.__dict__),
        repr(DEFAULT_TIMEOUT),
        repr(DEFAULT_RETRY),
        repr(DEFAULT_LIMITS),
        repr(client.mailinglist),
    ]
    await client.aclose()
    for view in views:
        assert_clean(view, secret, "a repr")


# -- the canary run (scenario 19) -----------------------------------------------------------


async def _scenarios(
    emu: MailkitEmulator, client: MailkitClient, secret: str
) -> list[BaseException]:
    """Representative calls and failures; returns every error raised."""
    errors: list[BaseException] = []

    async def expect(kind: type[MailkitError], function: str, params: dict[str, object]) -> None:
        with pytest.raises(kind) as caught:
            await client.call(function, params)
        errors.append(caught.value)

    json_escaped = json.dumps(secret)[1:-1].encode()
    xml_escaped = escape(secret).encode()
    await client.call("mailkit.campaigns.list")
    await client.call("mailkit.mailinglist.create", {"name": "canary list"})
    # Retries: a 503 then success; a 503 whose body echoes the secret, exhausted.
    emu.faults.add(Fault.status(503, b"echo " + secret.encode(), {"Retry-After": "0"}))
    await client.call("mailkit.campaigns.list")
    emu.faults.add(Fault.status(502, b"echo " + json_escaped, times=None))
    await expect(HTTPStatusError, "mailkit.campaigns.list", {})
    emu.faults.clear()
    # Transport errors: connection dropped after the body, and a read timeout.
    emu.faults.add(Fault.close_after_body(function="mailkit.mailinglist.create"))
    await expect(ConnectionLostError, "mailkit.mailinglist.create", {"name": "lost"})
    emu.faults.add(Fault.stall(2.0, function="mailkit.mailinglist.create"))
    await expect(MailkitTimeout, "mailkit.mailinglist.create", {"name": "slow"})
    # Decode errors whose bodies echo the secret (whole, escaped, cut by the excerpt).
    for body in (
        b"<html>" + secret.encode() + b"</html>",
        b"<html>" + json_escaped + xml_escaped + b"</html>",
        b"x" * 100 + secret.encode() + b"x" * 100,
        b"<methodResponse><params>" + xml_escaped + b"</oops>",
    ):
        emu.faults.add(Fault.raw(body))
        await expect(MalformedResponseError, "mailkit.mailinglist.create", {"name": "garbled"})
    # Mailkit's own error answer quoting the secret.
    emu.faults.add(Fault.error(f"Invalid ID_message {secret}"))
    await expect(APIError, "mailkit.campaigns.list", {})
    # A redirect.
    emu.faults.add(Fault.status(307, b"", {"Location": "https://elsewhere.example/x"}))
    await expect(RedirectError, "mailkit.campaigns.list", {})
    # Wrong credentials: the emulator expects another secret for a moment.
    emu.client_md5 = "another-secret-entirely"
    await expect(AuthenticationError, "mailkit.campaigns.list", {})
    emu.client_md5 = secret
    return errors


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("secret", CANARIES, ids=["realistic", "awkward"])
@pytest.mark.parametrize("debug_bodies", [False, True], ids=["plain", "bodies"])
async def test_canary_secret_appears_nowhere(
    transport: str, secret: str, debug_bodies: bool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("mailkit_async", "aiohttp", "backoff", "asyncio"):
        caplog.set_level(logging.DEBUG, logger=name)
    asyncio.get_running_loop().set_debug(True)
    events: list[object] = []
    async with (
        MailkitEmulator(client_md5=secret) as emu,
        MailkitClient(
            emu.client_id,
            secret,
            transport=transport,  # type: ignore[arg-type]
            base_url=emu.url,
            timeout=Timeout(read=0.3),
            retry=RetryPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.01),
            debug_bodies=debug_bodies,
            hooks=CallHooks(on_attempt=events.append, on_call=events.append),
        ) as client,
    ):
        errors = await _scenarios(emu, client, secret)
        parts = [client, client.transport, client.transport.sender]  # type: ignore[attr-defined]
        for part in parts:
            assert_clean(repr(part), secret, f"repr({type(part).__name__})")
    asyncio.get_running_loop().set_debug(False)

    assert len(errors) == 10
    for error in errors:
        assert_error_clean(error, secret)
    formatter = logging.Formatter()
    assert caplog.records
    for record in caplog.records:
        assert_clean(record.getMessage(), secret, f"log message from {record.name}")
        assert_clean(repr(record.args), secret, f"log args from {record.name}")
        if record.exc_info:
            assert_clean(formatter.formatException(record.exc_info), secret, "exc_info")
        if record.stack_info:
            assert_clean(record.stack_info, secret, "stack_info")
    for event in events:
        assert_clean(repr(event), secret, "a hook event")
    if debug_bodies:
        bodies = [r for r in caplog.records if "request body" in r.getMessage()]
        assert bodies
        assert all("***" in r.getMessage() for r in bodies)
