"""The README's Python examples compile, and the self-contained ones run as written."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from mailkit_async import SettlePolicy
from mailkit_async.testing import MailkitEmulator

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def _block(containing: str) -> str:
    [block] = [b for b in BLOCKS if containing in b]
    return block


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_every_python_block_compiles(index: int) -> None:
    # README snippets may use top-level await (they stand for code in an async function)
    compile(BLOCKS[index], "README", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


async def test_bulk_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    async with MailkitEmulator() as emu:
        campaign = emu.state.add_campaign("Autumn")
        mailing_list = emu.state.add_mailing_list("Newsletter")
        monkeypatch.setenv("MAILKIT_CLIENT_ID", str(emu.client_id))
        monkeypatch.setenv("MAILKIT_CLIENT_MD5", emu.client_md5)
        monkeypatch.setenv("MAILKIT_BASE_URL", emu.url)
        source = _block("client.bulk(").replace("campaign_id=2001", f"campaign_id={campaign}")
        source = source.replace("mailinglist_id=1001", f"mailinglist_id={mailing_list}")
        # the README waits Mailkit's advised 30 minutes before polling; the test does not
        source = source.replace("sender.settle()", "sender.settle(QUICK)")
        saved: list[dict[str, Any]] = []
        printed: list[tuple[object, ...]] = []

        def read_recipients() -> list[dict[str, object]]:
            return [
                {"send_to": "jana@example.cz", "create_email": True},
                {"send_to": "not an address", "create_email": True},
            ]

        namespace: dict[str, Any] = {
            "read_recipients": read_recipients,
            "save": saved.append,
            "print": lambda *a: printed.append(a),
            "QUICK": SettlePolicy(first_delay=0, interval=0.01, stable_window=0, jitter=0),
        }
        body = "async def _example():\n" + textwrap.indent(source, "    ")
        exec(compile(body, "README", "exec"), namespace)
        await namespace["_example"]()
    assert saved
    assert saved[0]["campaign_id"] == campaign
    assert printed == [("not an address", "REJECTED", 2, "invalid email syntax")]
    assert len(emu.calls("mailkit.sendmail_mass")) == 1


def test_emulator_fixture_example_passes_as_a_test_file(tmp_path: Path) -> None:
    test_file = tmp_path / "test_readme_fixture.py"
    test_file.write_text(_block("async def test_signup"), encoding="utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            "asyncio_mode=auto",
            "-o",
            "asyncio_default_fixture_loop_scope=function",
            "-W",
            "error",
            str(test_file),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout
