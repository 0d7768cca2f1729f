"""``mailkit-async demo``: one campaign sent over both wire formats to an emulator."""

from __future__ import annotations

from typing import Literal, TextIO

from .._client import MailkitClient
from ..models import MassRecipient, MassResults, MessageRecipient, RecipientData
from ..testing import MailkitEmulator

__all__ = ["run_demo"]

_PEOPLE = (
    ("jana.novakova@example.cz", "Jana", "Nováková"),
    ("petr.svoboda@example.cz", "Petr", "Svoboda"),
    ("zuzana.dvorakova@example.cz", "Zuzana", "Dvořáková"),
    ("tomas.cerny@example.cz", "Tomáš", "Černý"),
)
_UNSUBSCRIBED = "tomas.cerny@example.cz"
_MALFORMED = "not-an-address"


async def _send_once(
    emu: MailkitEmulator, transport: Literal["json", "xmlrpc"], campaign_id: int, out: TextIO
) -> tuple[MassResults, list[MessageRecipient]]:
    async with MailkitClient(
        emu.client_id,
        emu.client_md5,
        transport=transport,
        base_url=emu.url,
    ) as client:
        created = await client.mailinglist.create(f"Demo list ({transport})", "mailkit_async demo")
        list_id = created.id_user_list
        for email, first, last in _PEOPLE:
            await client.mailinglist.adduser(
                list_id, email, RecipientData(first_name=first, last_name=last)
            )
        lists = await client.mailinglist.list()
        campaign = (await client.campaigns.list(campaign_id))[0]
        recipients = [
            MassRecipient(email, customs={"first_name": first}, content={"coupon": f"PODZIM-{i}"})
            for i, (email, first, _last) in enumerate(_PEOPLE, 1)
        ] + [MassRecipient(_MALFORMED)]
        sent = await client.sendmail_mass(campaign_id, list_id, recipients)
        assert sent.request_id is not None
        results = await client.sendmail_mass_results(sent.request_id)
        id_send = results.results[0].id_send
        report = await client.report.message_recipients(id_send)
        print(
            f"[{transport:>6}] list #{list_id} ({len(lists)} lists in the account), campaign"
            f" {campaign.name!r}: {len(sent.recipients)} recipients taken, request"
            f" #{sent.request_id}, results {results.status},"
            f" {len(report)} rows in the delivery report",
            file=out,
        )
        return results, report


async def run_demo(out: TextIO) -> int:
    """Run the demo and print a short summary; returns the exit code."""
    async with MailkitEmulator() as emu:
        campaign_id = emu.state.add_campaign("Autumn newsletter", "Podzimní novinky")
        emu.state.unsubscribe(_UNSUBSCRIBED)
        print(f"Mailkit emulator on {emu.url}; campaign #{campaign_id}", file=out)
        print(
            f"Emulator client_id {emu.client_id}, client_md5"
            " mailkit_async.testing.MailkitEmulator.DEFAULT_CLIENT_MD5. This one stops with"
            " the demo; for one that stays up run `mailkit-async emulator --seed` and"
            " export the MAILKIT_* variables it prints, then e.g. `mailkit-async ping`.",
            file=out,
        )
        outcomes = {}
        transports: tuple[Literal["json", "xmlrpc"], ...] = ("json", "xmlrpc")
        for transport in transports:
            outcomes[transport] = await _send_once(emu, transport, campaign_id, out)
        results, report = outcomes["json"]
        print("\nPer-recipient outcome (JSON run):", file=out)
        rejected = {r.email: r for r in results.results}
        delivered = {m.email: m for m in report}
        for email in [p[0] for p in _PEOPLE] + [_MALFORMED]:
            if email in rejected:
                row = rejected[email]
                reason = row.reason.name if row.reason else row.error_code
                print(
                    f"  {email:<30} rejected  code {row.error_code} ({reason}: {row.info})",
                    file=out,
                )
            elif email in delivered:
                print(f"  {email:<30} {delivered[email].status}", file=out)
        same = _comparable(outcomes["json"]) == _comparable(outcomes["xmlrpc"])
        print(
            f"\nJSON and XML-RPC gave the same typed results: {'yes' if same else 'NO'}", file=out
        )
        return 0 if same else 1


def _comparable(run: tuple[MassResults, list[MessageRecipient]]) -> object:
    """The parts of a run that must not depend on the transport (IDs differ per run)."""
    results, report = run
    return (
        results.status,
        sorted((r.email, r.error_code, r.info) for r in results.results),
        sorted((m.email, m.status, m.read_count, m.click_count) for m in report),
    )
