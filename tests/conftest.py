"""Shared fixtures: an emulator per test and clients for each transport."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from mailkit_async import MailkitClient
from mailkit_async.testing import MailkitEmulator

TRANSPORTS = ("json", "xmlrpc")


@pytest.fixture
async def emulator() -> AsyncIterator[MailkitEmulator]:
    async with MailkitEmulator() as emu:
        yield emu


def make_client(emu: MailkitEmulator, transport: str = "json", **options: object) -> MailkitClient:
    """A client for ``emu`` over ``transport`` (use it with ``async with``)."""
    return MailkitClient(
        emu.client_id,
        emu.client_md5,
        transport=transport,  # type: ignore[arg-type]
        base_url=emu.url,
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture
def emu(emulator: MailkitEmulator) -> MailkitEmulator:
    """The test's emulator, under the short name most tests use."""
    return emulator


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    """Each wire format in turn."""
    return str(request.param)


def seed(emu: MailkitEmulator) -> tuple[int, int]:
    """A campaign and a mailing list to send bulk jobs to: (campaign ID, list ID)."""
    return emu.state.add_campaign("Bulk", "Hello"), emu.state.add_mailing_list("Bulk")


@pytest.fixture(params=TRANSPORTS)
async def client(
    request: pytest.FixtureRequest, emulator: MailkitEmulator
) -> AsyncIterator[MailkitClient]:
    async with make_client(emulator, request.param, strict=True) as c:
        yield c
