"""Queue settings, worker settings and the optional import: no Redis needed."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import mailkit_async.queue as queue
from mailkit_async import BulkJobState, ConfigurationError, MailkitClient, Outcome, Timeout
from mailkit_async._bulk._state import ANSWERED, UNKNOWN, BatchRecord
from mailkit_async.queue import (
    POLL_RESULTS,
    SEND_BATCH,
    BatchPhase,
    QueueConfig,
    QueueJobReport,
    job_deserializer,
    job_serializer,
    worker_settings,
)
from mailkit_async.queue._config import redact_url
from mailkit_async.queue._runtime import runtime_of


def test_import_without_arq_names_the_extra() -> None:
    code = textwrap.dedent(
        """
        import sys
        sys.modules["arq"] = None  # as if it were not installed
        try:
            import mailkit_async.queue
        except ImportError as exc:
            print(exc)
        else:
            print("imported")
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "pip install 'mailkit-async[queue]'" in out


def test_config_from_environment() -> None:
    env = {
        "MAILKIT_QUEUE_REDIS_URL": "redis://:hunter2@queue-host:6380/3",
        "MAILKIT_QUEUE_LIMIT": "3",
        "MAILKIT_QUEUE_LEASE_TTL": "45",
        "MAILKIT_QUEUE_REQUEST_DEADLINE": "60",
        "MAILKIT_QUEUE_NAME": "mk",
        "MAILKIT_QUEUE_MAX_JOBS": "",
    }
    config = QueueConfig.from_env(env, max_tries=7)
    assert (config.limit, config.lease_ttl, config.request_deadline) == (3, 45.0, 60.0)
    assert (config.queue_name, config.max_tries, config.max_jobs) == ("mk", 7, 10)
    assert "hunter2" not in repr(config)
    assert "queue-host:6380" in repr(config)
    assert config.batch_job_id("j", "j-000001") == "mailkit:batch:j:j-000001"
    assert config.poll_job_id("j", 3) == "mailkit:poll:j:3"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MAILKIT_QUEUE_LIMIT": "two"}, "MAILKIT_QUEUE_LIMIT must be a number"),
        ({"MAILKIT_QUEUE_LIMIT": "0"}, "queue settings"),
        ({"MAILKIT_QUEUE_LEASE_TTL": "-1"}, "queue settings"),
    ],
)
def test_bad_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        QueueConfig.from_env(env)


def test_redact_url() -> None:
    assert redact_url("redis://user:pw@h:1/0") == "redis://user:***@h:1/0"
    assert redact_url("redis://h:1/0") == "redis://h:1/0"


def test_worker_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILKIT_QUEUE_NAME", "from-env")
    monkeypatch.setenv("MAILKIT_QUEUE_LEASE_WAIT", "20")
    monkeypatch.setenv("MAILKIT_QUEUE_REQUEST_DEADLINE", "40")
    settings = queue.WorkerSettings
    assert settings["queue_name"] == "from-env"
    functions = {f.name: f for f in settings["functions"]}
    assert set(functions) == {SEND_BATCH, POLL_RESULTS}
    # A lease wait never eats the request's time: the job gets both, plus a margin.
    assert functions[SEND_BATCH].timeout_s == 20 + 40 + 15
    assert settings["job_serializer"] is job_serializer
    with pytest.raises(AttributeError):
        _ = queue.NoSuchThing


def test_bad_redis_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="not a Redis URL"):
        worker_settings(QueueConfig(redis_url="http://:secret@nowhere/"))


async def test_worker_refuses_a_client_with_a_longer_deadline() -> None:
    config = QueueConfig(request_deadline=10.0)

    def factory(_: QueueConfig) -> MailkitClient:
        return MailkitClient(1, "s3cret", timeout=Timeout(deadline=100.0))

    settings = worker_settings(config, client_factory=factory)
    with pytest.raises(ConfigurationError, match="longer than the 10 s"):
        await settings["on_startup"]({})


def test_default_client_uses_the_request_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILKIT_CLIENT_ID", "12345")
    monkeypatch.setenv("MAILKIT_CLIENT_MD5", "s3cret")
    client = queue.default_client(QueueConfig(request_deadline=7.0))
    assert client._timeout.deadline == 7.0
    assert client._timeout.read == 7.0
    assert queue.default_client(QueueConfig())._timeout.deadline == 300.0


def test_job_serializer_is_json_and_survives_exceptions() -> None:
    data = {"f": SEND_BATCH, "a": ["job", {"batch_id": "b"}], "r": ValueError("boom")}
    back = job_deserializer(job_serializer(data))
    assert back["a"] == ["job", {"batch_id": "b"}]
    assert back["r"] == "ValueError('boom')"


def test_runtime_is_required() -> None:
    with pytest.raises(ConfigurationError, match="worker settings"):
        runtime_of({})


def test_phase_text_round_trip() -> None:
    phase = BatchPhase.parse(b"sending abc@host:12")
    assert (phase.name, phase.lease, str(phase)) == (
        "sending",
        "abc@host:12",
        "sending abc@host:12",
    )
    assert phase.pending
    assert not phase.final
    assert BatchPhase.parse("void").final


def test_report_counts_pending_and_settled() -> None:
    answered = BatchRecord("j-1", 1, 2, ANSWERED, 2, ("a@x.cz", "b@x.cz"), settled=True)
    lost = BatchRecord("j-2", 1, 2, UNKNOWN, 1, ("c@x.cz",), settled=True)
    waiting = BatchRecord("j-3", 1, 2, "not_sent", 1, ("d@x.cz",))
    state = BulkJobState("j", 1, 2, batches=[answered, lost])
    report = QueueJobReport(state, (waiting,), closed=True, expected_batches=3)
    assert (report.accepted, report.unknown, report.pending_recipients) == (2, 1, 1)
    assert report.total == 4
    assert not report.settled
    assert {o.send_to: o.state for o in report} == {
        "a@x.cz": Outcome.ACCEPTED,
        "b@x.cz": Outcome.ACCEPTED,
        "c@x.cz": Outcome.UNKNOWN,
    }
    done = QueueJobReport(state, (), closed=True, expected_batches=2)
    assert done.settled
    assert done.report.unknown == 1
    assert "settled=True" in repr(done)
