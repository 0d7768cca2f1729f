"""The demo and reference commands, run in-process and as ``python -m``."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mailkit_async._cli import main


def test_demo_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "[  json]" in out
    assert "[xmlrpc]" in out
    assert "tomas.cerny@example.cz         rejected  code 6 (UNSUBSCRIBED" in out
    assert "not-an-address                 rejected  code 2 (INVALID_EMAIL" in out
    assert "jana.novakova@example.cz       sent" in out
    assert "same typed results: yes" in out


def test_functions_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["functions"]) == 0
    out = capsys.readouterr().out
    assert "| `mailkit.sendmail_mass` | `client.sendmail_mass()` | no |" in out


def test_python_dash_m_demo_exits_zero() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mailkit_async", "demo"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "same typed results: yes" in done.stdout
    assert done.stderr == ""


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["frobnicate"])
    assert info.value.code == 2
