"""The ``mailkit-async`` command line, run as a subprocess against an in-test emulator.

Each test starts ``python -m mailkit_async ...`` with the credentials in its
environment, exactly as an operator would, while the emulator serves from this test's
event loop. Pure helpers (input parsing, the progress line) are tested in-process.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from mailkit_async import (
    AuthenticationError,
    BulkJobState,
    ClientClosedError,
    ConfigurationError,
    ConnectError,
    ConnectionLostError,
    DisallowedIPError,
    HTTPStatusError,
    MailkitClient,
    MailkitTimeout,
    MalformedResponseError,
    NotFoundError,
    SettlePolicy,
    TLSError,
)
from mailkit_async._cli import main
from mailkit_async._cli._emulator import cli_hint
from mailkit_async._cli._exit import ExitCode, UsageError, explain
from mailkit_async._cli._progress import ProgressLine
from mailkit_async._cli._recipients import RecipientFile
from mailkit_async.models import MassRecipient, RawBounce, RawMessage, RawResponse
from mailkit_async.testing import Fault, MailkitEmulator

from .conftest import make_client

CANARY = "cli-canary-5f4dcc3b5aa765d61d8327deb882cf99"


@attrs.frozen
class Done:
    code: int
    out: str
    err: str


def _coverage_env() -> dict[str, str]:
    """Measure the CLI subprocesses too when this run measures coverage."""
    try:
        import coverage
    except ImportError:  # pragma: no cover - coverage is a test dependency
        return {}
    current = coverage.Coverage.current()
    if current is None:
        return {}
    config = copy.copy(current.config)
    config.parallel = True  # each process its own data file; pytest-cov combines them
    return {"COVERAGE_PROCESS_CONFIG": config.serialize()}


def cli_env(emu: MailkitEmulator | None, transport: str = "json", **changes: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILKIT_")}
    env.update(_coverage_env())
    if emu is not None:
        env.update(
            MAILKIT_CLIENT_ID=str(emu.client_id),
            MAILKIT_CLIENT_MD5=emu.client_md5,
            MAILKIT_BASE_URL=emu.url,
            MAILKIT_TRANSPORT=transport,
        )
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


async def start_cli(*args: str, env: dict, cwd: Path | None = None) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mailkit_async",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=cwd,
    )


async def finish(process: asyncio.subprocess.Process, timeout: float = 30.0) -> Done:
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Done(process.returncode, out.decode(), err.decode())


async def cli(*args: str, env: dict, timeout: float = 30.0) -> Done:
    return await finish(await start_cli(*args, env=env), timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def read_ndjson(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def sent_addresses(emu: MailkitEmulator) -> list[str]:
    """Every address of every sendmail_mass call the emulator received, in order."""
    return [
        str(r["send_to"])
        for call in emu.calls("mailkit.sendmail_mass")
        for r in call.params["recipients"]  # type: ignore[union-attr]
    ]


def seed(emu: MailkitEmulator) -> tuple[int, int]:
    return emu.state.add_campaign("Autumn", "Podzim"), emu.state.add_mailing_list("Newsletter")


# ---------------------------------------------------------------------------
# ping: credentials, allow-list, reachability
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["json", "xmlrpc"])
async def test_ping_ok(emulator: MailkitEmulator, transport: str) -> None:
    emulator.state.add_mailing_list("One")
    done = await cli("ping", env=cli_env(emulator, transport))
    assert done.code == ExitCode.OK, done.err
    assert f"OK: client {emulator.client_id} is authenticated" in done.out
    assert f"over {transport}; 1 mailing lists" in done.out
    assert done.err == ""
    assert [r.wire for r in emulator.calls("mailkit.mailinglist.list")] == [transport]


async def test_ping_bad_credentials_exit_3_without_leaking_the_secret(
    emulator: MailkitEmulator,
) -> None:
    done = await cli("ping", env=cli_env(emulator, MAILKIT_CLIENT_MD5=CANARY))
    assert done.code == ExitCode.AUTHENTICATION
    assert done.err.startswith("mailkit-async: authentication failed")
    assert done.err.count("\n") == 1
    assert "Traceback" not in done.err
    assert CANARY not in done.out + done.err
    assert len(emulator.calls("mailkit.mailinglist.list")) == 1  # never retried


async def test_ping_disallowed_ip_exit_4(emulator: MailkitEmulator) -> None:
    emulator.disallowed_ip = True
    done = await cli("ping", env=cli_env(emulator))
    assert done.code == ExitCode.DISALLOWED_IP
    assert "IP address may not use" in done.err
    assert "Disallowed IP 127.0.0.1" in done.err
    assert done.err.count("\n") == 1


async def test_ping_unreachable_exit_5_and_debug_traceback() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    env = cli_env(None, MAILKIT_CLIENT_ID="12345", MAILKIT_CLIENT_MD5=CANARY, MAILKIT_BASE_URL=url)
    done = await cli("ping", "--timeout", "5", env=env)
    assert done.code == ExitCode.UNREACHABLE
    assert done.err.startswith(f"mailkit-async: cannot connect to {url}")
    assert "Traceback" not in done.err
    debug = await cli("--debug", "ping", "--timeout", "5", env=env)
    assert debug.code == ExitCode.UNREACHABLE
    assert "Traceback" in debug.err
    assert CANARY not in done.err + debug.err + debug.out


async def test_flags_override_the_environment(emulator: MailkitEmulator) -> None:
    env = cli_env(None)
    done = await cli(
        "--transport",
        "xmlrpc",
        "ping",
        "--client-id",
        str(emulator.client_id),
        "--client-md5",
        emulator.client_md5,
        "--base-url",
        emulator.url,
        env=env,
    )
    assert done.code == ExitCode.OK, done.err
    assert emulator.requests[-1].wire == "xmlrpc"


async def test_missing_secret_is_a_usage_error(emulator: MailkitEmulator) -> None:
    done = await cli("ping", env=cli_env(emulator, MAILKIT_CLIENT_MD5=None))
    assert done.code == ExitCode.USAGE
    assert "MAILKIT_CLIENT_MD5 is not set" in done.err
    assert emulator.requests == []


def test_client_md5_help_discourages_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["ping", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--client-md5 SECRET" in text
    assert "Discouraged" in text
    assert "prefer the environment variable" in text


# ---------------------------------------------------------------------------
# call
# ---------------------------------------------------------------------------


async def test_call_with_key_value_and_json(emulator: MailkitEmulator, tmp_path: Path) -> None:
    env = cli_env(emulator)
    made = await cli(
        "call", "mailinglist.create", "name=Newsletter", "description=Monthly", env=env
    )
    assert made.code == ExitCode.OK, made.err
    list_id = int(json.loads(made.out)["data"])
    assert emulator.state.mailing_lists[list_id].name == "Newsletter"

    params = tmp_path / "params.json"
    params.write_text(json.dumps({"name": "From a file", "description": "d"}))
    from_file = await cli("call", "mailkit.mailinglist.create", "--json", f"@{params}", env=env)
    from_text = await cli(
        "call",
        "mailinglist.create",
        "--json",
        '{"name": "Inline", "description": "d"}',
        "name=Overridden",
        "--compact",
        env=env,
    )
    assert from_file.code == from_text.code == ExitCode.OK
    names = {m.name for m in emulator.state.mailing_lists.values()}
    assert {"From a file", "Overridden"} <= names
    assert "Inline" not in names
    assert from_text.out.count("\n") == 1  # --compact: one line

    campaign_id = emulator.state.add_campaign("Spring", "Jaro")
    listed = await cli("call", "campaigns.list", f"ID_message={campaign_id}", env=env)
    assert listed.code == ExitCode.OK, listed.err
    assert "Spring" in listed.out
    assert emulator.calls("mailkit.campaigns.list")[-1].params["ID_message"] in (
        campaign_id,
        str(campaign_id),
    )


async def test_call_mailkit_error_exit_1(emulator: MailkitEmulator) -> None:
    emulator.faults.add(Fault.error("Invalid ID_message", function="mailkit.campaigns.list"))
    done = await cli("call", "campaigns.list", "ID_message=999", env=cli_env(emulator))
    assert done.code == ExitCode.FAILED
    assert done.err.startswith("mailkit-async: Mailkit refused the call")
    assert "Invalid ID_message" in done.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["call", "mailinglist.lis"], "did you mean mailkit.mailinglist.list"),
        (["call", "mailinglist.create", "novalue"], "is not KEY=VALUE"),
        (["call", "mailinglist.create", "--json", "{nope"], "--json: not valid JSON"),
        (["call", "mailinglist.create", "--json", "[1]"], "must be a JSON object"),
        (["call", "mailinglist.create", "--json", "@/nonexistent.json"], "cannot read"),
    ],
)
def test_call_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == ExitCode.USAGE
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------


async def _seed_reports(emu: MailkitEmulator) -> None:
    campaign_id, list_id = seed(emu)
    async with make_client(emu, "json") as client:
        people = [
            MassRecipient(f"r{i}@example.cz", create_email=True, customs={"first_name": f"R{i}"})
            for i in range(5)
        ]
        await client.sendmail_mass(campaign_id, list_id, people)
    messages = sorted(emu.state.messages)
    emu.state.bounce(messages[0], remote_mta="mx.example.cz")
    emu.state.bounce(messages[1], "4.2.2", "soft-bounce")
    emu.state.record_reaction(messages[2], "open", ip="10.0.0.1")
    emu.state.record_reaction(messages[2], "click", url="https://example.cz/a", title="A")


def _as_json(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _as_cell(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, datetime) else str(value)


async def _expected_rows(emu: MailkitEmulator, model: type) -> list[dict[str, object]]:
    async with make_client(emu, "xmlrpc") as client:
        fetch = {
            RawMessage: client.report.raw_messages,
            RawBounce: client.report.raw_bounces,
            RawResponse: client.report.raw_responses,
        }[model]
        return [attrs.asdict(row) for row in await fetch()]


async def test_report_ndjson_round_trip(emulator: MailkitEmulator, tmp_path: Path) -> None:
    await _seed_reports(emulator)
    output = tmp_path / "messages.ndjson"
    done = await cli(
        "report", "raw-messages", "--page-size", "2", "--output", str(output), env=cli_env(emulator)
    )
    assert done.code == ExitCode.OK, done.err
    assert "raw-messages: 5 rows written" in done.err
    rows = read_ndjson(output)
    expected = await _expected_rows(emulator, RawMessage)
    assert rows == [{k: _as_json(v) for k, v in row.items()} for row in expected]
    assert next(iter(rows[0])) == "id_send_message"  # the model's own fields come first
    assert len(emulator.calls("mailkit.report.raw.messages")) >= 3  # paged by 2


async def test_report_csv_round_trip(emulator: MailkitEmulator, tmp_path: Path) -> None:
    await _seed_reports(emulator)
    output = tmp_path / "bounces.csv"
    done = await cli("report", "raw-bounces", "--output", str(output), env=cli_env(emulator))
    assert done.code == ExitCode.OK, done.err
    with output.open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    expected = await _expected_rows(emulator, RawBounce)
    assert len(rows) == 2
    assert rows == [{k: _as_cell(v) for k, v in row.items()} for row in expected]
    assert rows[1]["status"] == "4.2.2"


async def test_report_responses_to_stdout_filtered(emulator: MailkitEmulator) -> None:
    await _seed_reports(emulator)
    send_id = next(iter(emulator.state.deliveries))
    done = await cli(
        "report", "raw-responses", "--id-send", str(send_id), "--format", "csv",
        env=cli_env(emulator, "xmlrpc"),
    )  # fmt: skip
    assert done.code == ExitCode.OK, done.err
    rows = list(csv.DictReader(io.StringIO(done.out)))
    assert [row["type"] for row in rows] == ["open", "click"]
    assert rows[1]["link_url"] == "https://example.cz/a"
    assert emulator.calls("mailkit.report.raw.responses")[0].params["ID_send"] in (
        send_id,
        str(send_id),
    )


# ---------------------------------------------------------------------------
# send-mass and results
# ---------------------------------------------------------------------------


SETTLE_FAST = ["--first-poll-delay", "0", "--poll-interval", "0.05", "--stable-window", "0"]


async def test_send_mass_csv_with_settle(emulator: MailkitEmulator, tmp_path: Path) -> None:
    campaign_id, list_id = seed(emulator)
    source = tmp_path / "people.csv"
    source.write_text(
        "send_to;first_name;custom3;content.coupon;subject;create_email\n"
        "jana@example.cz;Jana;VIP;PODZIM-1;Ahoj Jano;\n"
        "petr@example.cz;Petr;;PODZIM-2;;true\n"
        "not an address;X;;;;\n"
        "eva@example.cz;Eva;;;;yes\n",
        encoding="utf-8",
    )
    done = await cli(
        "send-mass", "--campaign", str(campaign_id), "--list", str(list_id), str(source),
        "--create-email", "true", "--batch-size", "2", "--settle", "--progress-interval", "0",
        *SETTLE_FAST, env=cli_env(emulator, "xmlrpc"),
    )  # fmt: skip
    assert done.code == ExitCode.INCOMPLETE, done.err
    outcomes = read_ndjson(tmp_path / "people.outcomes.ndjson")
    by_address = {o["send_to"]: o for o in outcomes}
    assert len(outcomes) == 4
    assert by_address["not an address"]["state"] == "rejected"
    assert by_address["not an address"]["error_code"] == 2
    assert by_address["not an address"]["reason"] == "INVALID_EMAIL"
    assert {o["state"] for a, o in by_address.items() if a != "not an address"} == {"accepted"}
    assert "rejected by reason: 1 INVALID_EMAIL" in done.out
    assert "accepted            3" in done.out
    assert "batches 2 sent" in done.err  # a progress line

    calls = emulator.calls("mailkit.sendmail_mass")
    assert [len(c.params["recipients"]) for c in calls] == [2, 2]  # type: ignore[arg-type]
    jana = calls[0].params["recipients"][0]  # type: ignore[index]
    assert jana["customs"] == {"first_name": "Jana", "custom3": "VIP"}
    assert base64.b64decode(jana["content"]["coupon"]).decode() == "PODZIM-1"
    assert jana["subject"] == "Ahoj Jano"
    assert Counter(sent_addresses(emulator)) == Counter(o["send_to"] for o in outcomes)

    state = BulkJobState.from_dict(json.loads((tmp_path / "people.state.json").read_text()))
    assert state.settled
    assert emulator.calls("mailkit.sendmail_mass.results")


async def test_send_mass_ndjson_all_accepted_then_refuses_to_overwrite(
    emulator: MailkitEmulator, tmp_path: Path
) -> None:
    campaign_id, list_id = seed(emulator)
    source = tmp_path / "people.jsonl"
    lines = [
        {"email": f"p{i}@example.cz", "customs": {"last_name": f"L{i}"}, "content": {"n": i}}
        for i in range(7)
    ]
    source.write_text("\n".join(json.dumps(line) for line in lines) + "\n\n")
    outcomes = tmp_path / "out.ndjson"
    state = tmp_path / "job.json"
    args = ["send-mass", "--campaign", str(campaign_id), "--list", str(list_id), str(source)]
    files = ["--outcomes", str(outcomes), "--state", str(state), "--create-email", "true"]
    env = cli_env(emulator)

    dry = await cli(*args, *files, "--dry-run", env=env)
    assert dry.code == ExitCode.OK
    assert "7 recipients, ready to send (ndjson)" in dry.out
    assert not outcomes.exists()
    assert emulator.calls("mailkit.sendmail_mass") == []

    done = await cli(*args, *files, "--id-send-today", "--batch-size", "3", env=env)
    assert done.code == ExitCode.OK, done.err
    assert [o["state"] for o in read_ndjson(outcomes)] == ["accepted"] * 7
    assert "results:" in done.out  # not settled: says how to poll later
    call = emulator.calls("mailkit.sendmail_mass")[0]
    assert call.params["options"] == {"id_send": "today"}
    assert call.params["recipients"][0]["customs"] == {"last_name": "L0"}  # type: ignore[index]

    again = await cli(*args, *files, env=env)
    assert again.code == ExitCode.USAGE
    assert "exists (from an earlier job?)" in again.err
    assert len(emulator.calls("mailkit.sendmail_mass")) == 3


async def test_send_mass_bad_row_sends_nothing(emulator: MailkitEmulator, tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_text("send_to,create_email\na@example.cz,true\nb@example.cz,maybe\n")
    done = await cli(
        "send-mass", "--campaign", "1", "--list", "1", str(source), env=cli_env(emulator)
    )
    assert done.code == ExitCode.USAGE
    assert f"{source}:3: create_email must be true or false" in done.err
    assert emulator.requests == []
    assert not (tmp_path / "bad.outcomes.ndjson").exists()


def _has_accepted(path: Path) -> bool:
    return path.exists() and '"accepted"' in path.read_text()


async def _wait_for_accepted(path: Path, process: asyncio.subprocess.Process) -> None:
    for _ in range(400):
        if _has_accepted(path):
            return
        assert process.returncode is None, "send-mass ended before any batch was accepted"
        await asyncio.sleep(0.05)
    raise AssertionError("no batch was accepted in time")


async def _interrupted_run(
    emu: MailkitEmulator, tmp_path: Path, delay: float, presses: int
) -> tuple[Done, list[dict[str, Any]]]:
    campaign_id, list_id = seed(emu)
    emu.faults.add(Fault.delay(delay, function="mailkit.sendmail_mass", times=None))
    source = tmp_path / "many.csv"
    rows = "".join(f"user{i}@example.cz,U{i}\n" for i in range(3000))
    source.write_text("send_to,first_name\n" + rows)
    process = await start_cli(
        "send-mass", "--campaign", str(campaign_id), "--list", str(list_id), str(source),
        "--create-email", "true", "--batch-size", "50", "--concurrency", "2",
        "--progress-interval", "0", env=cli_env(emu),
    )  # fmt: skip
    await _wait_for_accepted(tmp_path / "many.outcomes.ndjson", process)
    for _ in range(presses):
        process.send_signal(signal.SIGINT)
        await asyncio.sleep(0.1)
    done = await finish(process)
    return done, read_ndjson(tmp_path / "many.outcomes.ndjson")


async def test_send_mass_ctrl_c_stops_cleanly(emulator: MailkitEmulator, tmp_path: Path) -> None:
    done, outcomes = await _interrupted_run(emulator, tmp_path, delay=0.3, presses=1)
    assert done.code == ExitCode.INTERRUPTED, done.err
    assert "stopping: no new batches" in done.err
    assert "Traceback" not in done.err
    assert "interrupted:" in done.out

    requested = sent_addresses(emulator)
    assert len(requested) == len(set(requested))  # no recipient sent twice
    assert 0 < len(requested) < 3000  # it stopped early
    sent = {o["send_to"] for o in outcomes if o["sent"]}
    assert sent == set(requested)  # every recipient that went out is in the outcomes
    assert {o["state"] for o in outcomes if o["sent"]} == {"accepted"}  # in flight finished
    not_sent = [o for o in outcomes if not o["sent"]]
    assert not {o["send_to"] for o in not_sent} & set(requested)
    assert len({o["send_to"] for o in outcomes}) == len(outcomes)
    state = BulkJobState.from_dict(json.loads((tmp_path / "many.state.json").read_text()))
    assert sum(r.count for r in state.batches if r.status == "answered") == len(requested)


async def test_send_mass_second_ctrl_c_leaves_calls_in_flight_unknown(
    emulator: MailkitEmulator, tmp_path: Path
) -> None:
    done, outcomes = await _interrupted_run(emulator, tmp_path, delay=1.5, presses=2)
    assert done.code == ExitCode.INTERRUPTED, done.err
    assert "not waiting any longer" in done.err
    unknown = {o["send_to"] for o in outcomes if o["state"] == "unknown"}
    requested = sent_addresses(emulator)
    assert unknown  # the calls in flight when Ctrl-C came twice
    assert unknown <= set(requested)
    assert len(requested) == len(set(requested))
    recorded = {o["send_to"] for o in outcomes if o["state"] in ("accepted", "unknown")}
    assert set(requested) <= recorded
    assert "unknown" in done.out


async def test_results_resumes_from_the_state_file(
    emulator: MailkitEmulator, tmp_path: Path
) -> None:
    campaign_id, list_id = seed(emulator)
    emulator.state.unsubscribe("gone@example.cz")
    source = tmp_path / "job.csv"
    source.write_text("send_to\nstay@example.cz\ngone@example.cz\nalso@example.cz\n")
    env = cli_env(emulator)
    sent = await cli(
        "send-mass", "--campaign", str(campaign_id), "--list", str(list_id), str(source),
        "--create-email", "true", "--batch-size", "2", env=env,
    )  # fmt: skip
    assert sent.code == ExitCode.OK, sent.err  # listed by Mailkit: accepted for now
    state_path = tmp_path / "job.state.json"
    outcomes_path = tmp_path / "job.outcomes.ndjson"
    assert {o["state"] for o in read_ndjson(outcomes_path)} == {"accepted"}
    emulator.clear_requests()

    once = await cli("results", "--state", str(state_path), "--once", *SETTLE_FAST, env=env)
    assert once.code == ExitCode.INCOMPLETE, once.err
    assert "not final yet" in once.out
    assert not BulkJobState.from_dict(json.loads(state_path.read_text())).settled

    done = await cli("results", "--state", str(state_path), *SETTLE_FAST, env=env)
    assert done.code == ExitCode.INCOMPLETE, done.err
    gone = {o["send_to"]: o for o in read_ndjson(outcomes_path)}["gone@example.cz"]
    assert (gone["state"], gone["error_code"], gone["reason"]) == ("rejected", 6, "UNSUBSCRIBED")
    assert BulkJobState.from_dict(json.loads(state_path.read_text())).settled
    assert {r.function for r in emulator.requests} == {"mailkit.sendmail_mass.results"}
    assert "rejected by reason: 1 UNSUBSCRIBED" in done.out


async def test_results_with_a_broken_state_file(tmp_path: Path) -> None:
    path = tmp_path / "x.state.json"
    path.write_text('{"format": 99}')
    done = await cli("results", "--state", str(path), env=cli_env(None))
    assert done.code == ExitCode.USAGE
    assert "not a bulk job state" in done.err


# ---------------------------------------------------------------------------
# emulator and demo
# ---------------------------------------------------------------------------


async def test_emulator_command_prints_how_to_point_the_cli_at_it() -> None:
    secret = "emulator-secret-from-the-environment"
    process = await start_cli("emulator", "--seed", env=cli_env(None, MAILKIT_EMULATOR_MD5=secret))
    assert process.stdout is not None
    lines: list[str] = []
    try:
        while not lines or not lines[-1].startswith("Stop it with Ctrl-C"):
            raw = await asyncio.wait_for(process.stdout.readline(), 15)
            assert raw, "the emulator ended early"
            lines.append(raw.decode().rstrip())
        text = "\n".join(lines)
        assert "client_id:  12345" in text
        assert "client_md5: not shown; it is $MAILKIT_EMULATOR_MD5" in text
        assert secret not in text
        exports = dict(
            line.strip().removeprefix("export ").split("=", 1)
            for line in lines
            if line.strip().startswith("export ")
        )
        url = exports["MAILKIT_BASE_URL"]
        env = cli_env(
            None,
            MAILKIT_BASE_URL=url,
            MAILKIT_CLIENT_ID=exports["MAILKIT_CLIENT_ID"],
            MAILKIT_CLIENT_MD5=secret,
        )
        assert exports["MAILKIT_CLIENT_MD5"] == '"$MAILKIT_EMULATOR_MD5"'
        ping = await cli("ping", env=env)
        assert ping.code == ExitCode.OK, ping.err
        assert "1 mailing lists" in ping.out  # the seeded one
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
    done = await finish(process, 15)
    assert done.code == ExitCode.INTERRUPTED


def test_the_default_secret_hint_is_a_working_shell_line() -> None:
    lines = cli_hint("http://127.0.0.1:8765", 12345, md5_from_env=False)
    assert "export MAILKIT_BASE_URL=http://127.0.0.1:8765" in lines[0]
    assert MailkitEmulator.DEFAULT_CLIENT_MD5 not in "\n".join(lines)
    export = lines[2].strip()
    shell = subprocess.run(
        ["sh", "-c", f'{export}; printf %s "$MAILKIT_CLIENT_MD5"'],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert shell.stdout == MailkitEmulator.DEFAULT_CLIENT_MD5


def test_demo_prints_the_client_id_and_the_cli_hint(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == ExitCode.OK
    out = capsys.readouterr().out
    assert "Emulator client_id 12345" in out
    assert "mailkit-async emulator --seed" in out


# ---------------------------------------------------------------------------
# in-process helpers: error explanations, arguments, input parsing, progress line
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (AuthenticationError("Unauthorized"), ExitCode.AUTHENTICATION, "authentication failed"),
        (DisallowedIPError("Disallowed IP 192.0.2.7"), ExitCode.DISALLOWED_IP, "192.0.2.7"),
        (ConnectError("refused"), ExitCode.UNREACHABLE, "cannot connect to https://mk.test"),
        (TLSError("self-signed"), ExitCode.UNREACHABLE, "TLS handshake with https://mk.test"),
        (MailkitTimeout("read timeout"), ExitCode.UNREACHABLE, "did not answer in time"),
        (ConnectionLostError("reset"), ExitCode.UNREACHABLE, "the connection to"),
        (HTTPStatusError("Bad Gateway", status=502), ExitCode.UNREACHABLE, "answered HTTP 502"),
        (MalformedResponseError("<html>"), ExitCode.FAILED, "is not usable"),
        (NotFoundError("Invalid ID_send"), ExitCode.FAILED, "refused the call: Invalid ID_send"),
        (ConfigurationError("page_size too big"), ExitCode.USAGE, "page_size too big"),
        (ClientClosedError("the client is closed"), ExitCode.FAILED, "the client is closed"),
        (UsageError("bad.csv:3: oops"), ExitCode.USAGE, "bad.csv:3: oops"),
        (FileNotFoundError(2, "No such file", "out/x.ndjson"), ExitCode.FAILED, "out/x.ndjson"),
        (RuntimeError("boom"), ExitCode.FAILED, "unexpected RuntimeError: boom"),
    ],
)
def test_every_error_has_its_exit_code_and_one_line(
    error: BaseException, code: ExitCode, words: str
) -> None:
    got, line = explain(error, "https://mk.test")
    assert got == code
    assert words in line
    assert "\n" not in line


@pytest.mark.parametrize(
    "argv",
    [
        ["send-mass", "--campaign", "0", "--list", "1", "x.csv"],
        ["send-mass", "--campaign", "1", "--list", "1", "--delimiter", ";;", "x.csv"],
        ["send-mass", "--campaign", "1", "--list", "1", "--poll-interval", "0", "x.csv"],
        ["results", "--state", "s.json", "--first-poll-delay", "-1"],
        ["ping", "--timeout", "soon"],
        ["report", "raw-clicks"],
        ["ping", "extra=1"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == ExitCode.USAGE
    assert "error:" in capsys.readouterr().err


def test_recipient_file_columns_and_errors(tmp_path: Path) -> None:
    good = tmp_path / "r.txt"
    good.write_text(
        "\ufeffEmail\tCustom7\tcustoms.company\tcontent.X\tcampaign_id\tcreate_email\n"
        "a@example.cz\t7\tACME\tx\t\tNo\n"
        "\n"
        "b@example.cz\t\t\t\t42\t\n"
    )
    source = RecipientFile(good, create_email=True)
    assert source.format == "csv"
    assert source.check() == 2
    assert list(source) == [
        (
            2,
            {
                "send_to": "a@example.cz",
                "create_email": False,
                "customs": {"custom7": "7", "company": "ACME"},
                "content": {"X": "x"},
            },
        ),
        (4, {"send_to": "b@example.cz", "campaign_id": 42, "create_email": True}),
    ]

    cases = {
        "send_to,shoe_size\na@example.cz,42\n": "unknown column 'shoe_size'",
        "first_name\nJana\n": "no send_to (or email) column",
        "send_to\n\n": "no recipients",
        "send_to,first_name\na@example.cz\n": ":2: 1 cells, the header has 2",
        "send_to,campaign_id\na@example.cz,-3\n": "campaign_id must be a positive number",
        '{"send_to": "a@example.cz", "customs": [1]}\n': "customs must be an object",
        '{"send_to": "a@example.cz"}\n[1]\n': ":2: each line must be a JSON object",
        '{"first_name": "x"}\n': ":1: no send_to address",
        "{oops\n": ":1: not JSON",
    }
    for number, (text, message) in enumerate(cases.items()):
        path = tmp_path / f"case{number}"
        path.write_text(text)
        with pytest.raises(UsageError, match=message.replace("(", r"\(").replace(")", r"\)")):
            RecipientFile(path).check()

    skipping = tmp_path / "skip.csv"
    skipping.write_text("send_to,shoe_size\na@example.cz,42\n")
    assert list(RecipientFile(skipping, skip_unknown=True)) == [(2, {"send_to": "a@example.cz"})]
    with pytest.raises(UsageError, match="cannot read"):
        RecipientFile(tmp_path / "missing.csv").check()


def test_progress_line_redraws_on_a_terminal_and_throttles_elsewhere() -> None:
    now = [0.0]
    tty = io.StringIO()
    line = ProgressLine(tty, tty=True, clock=lambda: now[0])
    line.show("one")
    line.show("two")  # within 0.1 s: kept for later
    now[0] = 1.0
    line.show("three")
    line.note("a message")
    line.finish()
    assert tty.getvalue() == "\rone\x1b[K\rthree\x1b[K\r\x1b[Ka message\n"

    log = io.StringIO()
    line = ProgressLine(log, interval=10, tty=False, clock=lambda: now[0])
    line.show("a")
    line.show("a")
    now[0] = 5.0
    line.show("b")  # too soon: pending
    now[0] = 20.0
    line.show("c")
    line.show("d")
    line.finish()
    assert log.getvalue() == "a\nc\nd\n"


async def test_python_client_can_settle_a_state_saved_by_the_cli(
    emulator: MailkitEmulator, tmp_path: Path
) -> None:
    campaign_id, list_id = seed(emulator)
    source = tmp_path / "one.csv"
    source.write_text("send_to,create_email\nx@example.cz,true\n")
    done = await cli(
        "send-mass", "--campaign", str(campaign_id), "--list", str(list_id), str(source),
        "--transport", "xmlrpc", env=cli_env(emulator),
    )  # fmt: skip
    assert done.code == ExitCode.OK, done.err
    state = BulkJobState.from_dict(json.loads((tmp_path / "one.state.json").read_text()))
    async with MailkitClient(
        emulator.client_id, emulator.client_md5, base_url=emulator.url
    ) as client:
        report = await client.settle_bulk(
            state, policy=SettlePolicy(first_delay=0, interval=0.05, stable_window=0)
        )
    assert report.settled
    assert report.accepted == 1
