"""A built-in Mailkit emulator for tests, benchmarks and demos.

``MailkitEmulator`` is a real aiohttp server on a loopback port that speaks both of
Mailkit's wire formats (``POST /json.fcgi`` and ``POST /rpc.fcgi``) from an in-memory
account (``EmulatorState``). It records every request it fully received
(``RecordedRequest``) and follows a scripted fault plan (``FaultPlan`` of ``Fault``)
so that slow answers, HTTP errors, dropped connections and truncated bodies can be
rehearsed end to end::

    from mailkit_async.testing import Fault, MailkitEmulator

    async with MailkitEmulator() as emu:
        campaign_id = emu.state.add_campaign(name="Welcome", subject="Hello")
        list_id = emu.state.add_mailing_list("Newsletter")
        emu.faults.add(Fault.close_after_body(function="mailkit.sendmail_mass"))
        ...  # a client pointed at emu.url, emu.client_id and emu.client_md5
        assert len(emu.calls("mailkit.sendmail_mass")) == 1

The emulator parses and renders with its own code, never the client's, so a codec
bug in the library cannot hide itself.
"""

from ._emulator import Fault, FaultPlan, MailkitEmulator, RecordedRequest, serve_forever
from ._state import EmulatorState

__all__ = [
    "EmulatorState",
    "Fault",
    "FaultPlan",
    "MailkitEmulator",
    "RecordedRequest",
    "serve_forever",
]
