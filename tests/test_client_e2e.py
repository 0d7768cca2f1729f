"""The first functions end to end against the emulator, over both transports."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from mailkit_async import (
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DisallowedIPError,
    InvalidParametersError,
    MailkitClient,
    NotFoundError,
)
from mailkit_async.models import (
    AddUserStatus,
    MassErrorCode,
    MassRecipient,
    RecipientData,
)
from mailkit_async.testing import MailkitEmulator

from .conftest import TRANSPORTS, make_client


async def _scenario(emu: MailkitEmulator, transport: str) -> dict[str, Any]:
    """Run the seven typed methods once; return their typed results."""
    async with make_client(emu, transport, strict=True) as client:
        created = await client.mailinglist.create("Newsletter", "Monthly")
        list_id = created.id_user_list
        added = await client.mailinglist.adduser(
            list_id, "jana@example.cz", RecipientData(first_name="Jana", custom={1: "VIP"})
        )
        updated = await client.mailinglist.adduser(
            list_id, "jana@example.cz", RecipientData(city="Brno")
        )
        doi = await client.mailinglist.adduser(list_id, "petr@example.cz", confirm=True)
        lists = await client.mailinglist.list()
        campaign_id = emu.state.add_campaign("Autumn", "Podzim")
        campaigns = await client.campaigns.list(campaign_id)
        sent = await client.sendmail_mass(
            campaign_id,
            list_id,
            [
                MassRecipient("jana@example.cz", subject="Ahoj", content={"x": "1"}),
                {"send_to": "bad address", "customs": {"first_name": "X"}},
            ],
        )
        assert sent.request_id is not None
        results = await client.sendmail_mass_results(sent.request_id)
        report = await client.report.message_recipients(results.results[0].id_send)
    return {
        "created": created,
        "added": added,
        "updated": updated,
        "doi": doi,
        "lists": lists,
        "campaigns": campaigns,
        "sent": sent,
        "results": results,
        "report": report,
    }


async def test_typed_results_equal_on_both_transports() -> None:
    runs = {}
    for transport in TRANSPORTS:
        async with MailkitEmulator() as emu:  # fresh state: IDs line up
            runs[transport] = await _scenario(emu, transport)
    json_run, xml_run = runs["json"], runs["xmlrpc"]
    for key in json_run:
        if key in ("results", "report"):
            continue  # dates come from the clock; compared below without them
        assert json_run[key] == xml_run[key], key
    strip = lambda rows: [(r.email, r.error_code, r.info, r.id_email) for r in rows]  # noqa: E731
    assert strip(json_run["results"].results) == strip(xml_run["results"].results)
    assert [(m.email, m.status) for m in json_run["report"]] == [
        (m.email, m.status) for m in xml_run["report"]
    ]


async def test_scenario_values(emulator: MailkitEmulator) -> None:
    run = await _scenario(emulator, "json")
    assert run["added"].status_code is AddUserStatus.INSERTED
    assert run["updated"].status_code is AddUserStatus.UPDATED
    assert run["doi"].confirmation_sent is True
    assert run["doi"].id_email is None
    assert [m.name for m in run["lists"]] == ["Newsletter"]
    assert run["campaigns"][0].name == "Autumn"
    assert run["sent"].recipients == ("jana@example.cz", "bad address")
    assert run["results"].status == "ERROR"
    [rejected] = run["results"].results
    assert rejected.email == "bad address"
    assert rejected.reason is MassErrorCode.INVALID_EMAIL
    assert [(m.email, m.status) for m in run["report"]] == [("jana@example.cz", "sent")]
    # the emulator decoded what the client base64-encoded
    record = emulator.state.find_recipient(run["created"].id_user_list, "jana@example.cz")
    assert record is not None
    assert record.personal["first_name"] == "Jana"
    assert record.address["city"] == "Brno"
    assert record.custom["custom1"] == "VIP"


async def test_raw_call_returns_plain_values(
    client: MailkitClient, emulator: MailkitEmulator
) -> None:
    emulator.state.add_mailing_list("Raw")
    value = await client.call("mailkit.mailinglist.list")
    assert isinstance(value, list)
    assert value[0]["NAME"] == "Raw"


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_api_errors_on_both_wires(emulator: MailkitEmulator, transport: str) -> None:
    async with make_client(emulator, transport) as client:
        with pytest.raises(NotFoundError, match="Invalid ID_send") as info:
            await client.report.message_recipients(999)
        assert info.value.function == "mailkit.report.message.recipients"
        await client.mailinglist.create("Dup")
        with pytest.raises(ConflictError):
            await client.mailinglist.create("Dup")
        with pytest.raises(InvalidParametersError):
            await client.mailinglist.adduser(1001, "not an address")
    assert len(emulator.calls("mailkit.mailinglist.create")) == 2  # API errors are not retried


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_authentication_and_ip_errors(emulator: MailkitEmulator, transport: str) -> None:
    async with MailkitClient(
        emulator.client_id, "0" * 32, transport=transport, base_url=emulator.url
    ) as client:  # type: ignore[arg-type]
        with pytest.raises(AuthenticationError):
            await client.mailinglist.list()
    emulator.disallowed_ip = True
    async with make_client(emulator, transport) as client:
        with pytest.raises(DisallowedIPError, match=r"Disallowed IP 127\.0\.0\.1"):
            await client.campaigns.list()


async def test_closed_client_refuses_calls(emulator: MailkitEmulator) -> None:
    client = make_client(emulator, "json")
    await client.aclose()
    with pytest.raises(ClientClosedError):
        await client.mailinglist.list()
    with pytest.raises(ClientClosedError):
        async with client:
            pass


async def test_borrowed_session_is_not_closed(emulator: MailkitEmulator) -> None:
    async with aiohttp.ClientSession() as session:
        async with make_client(emulator, "xmlrpc", session=session) as client:
            await client.mailinglist.list()
        assert not session.closed
        async with make_client(emulator, "json", session=session) as client:
            assert await client.mailinglist.list() == []


async def test_one_session_per_client(emulator: MailkitEmulator) -> None:
    async with make_client(emulator, "json") as client:
        await client.mailinglist.list()
        sender = client.transport.sender  # type: ignore[attr-defined]
        first = sender.session
        await client.campaigns.list()
        assert sender.session is first
    assert first.closed


async def test_mass_recipient_validation(emulator: MailkitEmulator) -> None:
    async with make_client(emulator, "json") as client:
        with pytest.raises(ConfigurationError, match="one sendmail_mass call"):
            await client.sendmail_mass(1, 2, [{"send_to": "a@b.cz", "campaign_id": 3}])
        with pytest.raises(ConfigurationError, match="no recipients"):
            await client.sendmail_mass(1, 2, [])
        with pytest.raises(ConfigurationError, match="not a sendmail_mass recipient"):
            await client.sendmail_mass(1, 2, [{"send_to": "a@b.cz", "colour": "red"}])
    assert emulator.requests == []


async def test_closed_borrowed_session_is_a_library_error(emulator: MailkitEmulator) -> None:
    session = aiohttp.ClientSession()
    await session.close()
    async with make_client(emulator, "json", session=session) as client:
        with pytest.raises(ClientClosedError, match="session given to the client is closed"):
            await client.mailinglist.list()
    assert emulator.requests == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_sends_are_never_repeated_even_with_retry_unsafe(
    emulator: MailkitEmulator, transport: str
) -> None:
    from mailkit_async import ConnectionLostError, RetryPolicy
    from mailkit_async.testing import Fault

    campaign = emulator.state.add_campaign("C")
    mailing_list = emulator.state.add_mailing_list("L")
    emulator.faults.add(Fault.close_after_body(function="mailkit.sendmail_mass"))
    eager = RetryPolicy(retry_unsafe=True, initial_delay=0.0, max_delay=0.0)
    async with make_client(emulator, transport, retry=eager) as client:
        with pytest.raises(ConnectionLostError):
            await client.sendmail_mass(campaign, mailing_list, [MassRecipient("a@example.cz")])
    assert len(emulator.calls("mailkit.sendmail_mass")) == 1


async def test_aclose_after_a_cancelled_close_still_closes_the_session(
    emulator: MailkitEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    client = make_client(emulator, "json")
    await client.mailinglist.list()
    session = client.transport.sender.session  # type: ignore[attr-defined]
    real_close = session.close
    closes = 0

    async def slow_first_close() -> None:
        nonlocal closes
        closes += 1
        if closes == 1:
            await asyncio.sleep(10)  # the first aclose() is cancelled here
        await real_close()

    monkeypatch.setattr(session, "close", slow_first_close)
    closing = asyncio.ensure_future(client.aclose())
    await asyncio.sleep(0.01)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert not session.closed
    await client.aclose()
    assert session.closed
    assert closes == 2
