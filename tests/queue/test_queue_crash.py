"""Three real worker processes, one global limit, one SIGKILL: nothing sent twice, none lost.

The emulator runs in this process (its request log and in-flight peak are read
directly); the workers are ``arq mailkit_async.queue.WorkerSettings`` subprocesses
configured through the environment; Redis is a real redis-server.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from arq.connections import ArqRedis
from arq.jobs import Job

from mailkit_async import Outcome, SettlePolicy
from mailkit_async.queue import (
    JobLedger,
    QueueConfig,
    QueueJobReport,
    connect,
    enqueue_bulk,
    job_deserializer,
    job_report,
)
from mailkit_async.testing import Fault, MailkitEmulator

from .conftest import worker_env

pytestmark = pytest.mark.redis

MASS = "mailkit.sendmail_mass"
RECIPIENTS = 20_000
BATCH = 500
LIMIT = 2
SETTLE = SettlePolicy(
    first_delay=0.0,
    interval=0.3,
    multiplier=1.0,
    max_interval=1.0,
    stable_polls=2,
    stable_window=0.2,
    deadline=60.0,
    jitter=0.0,
)


def address(n: int) -> str:
    # Every 97th address is malformed: Mailkit takes the call and fails it in results.
    return f"r{n}-at-example.com" if n % 97 == 0 else f"r{n}@example.com"


def start_worker(config: QueueConfig, emu: MailkitEmulator, log: Path) -> subprocess.Popen[bytes]:
    env = worker_env(
        MAILKIT_CLIENT_ID=str(emu.client_id),
        MAILKIT_CLIENT_MD5=emu.client_md5,  # the emulator's public test secret
        MAILKIT_BASE_URL=emu.url,
        MAILKIT_TRANSPORT="xmlrpc",
        MAILKIT_QUEUE_REDIS_URL=config.redis_url,
        MAILKIT_QUEUE_NAME=config.queue_name,
        MAILKIT_QUEUE_PREFIX=config.key_prefix,
        MAILKIT_QUEUE_LIMIT=str(config.limit),
        MAILKIT_QUEUE_LEASE_TTL=str(config.lease_ttl),
        MAILKIT_QUEUE_LEASE_WAIT=str(config.lease_wait),
        MAILKIT_QUEUE_REQUEST_DEADLINE=str(config.request_deadline),
        MAILKIT_QUEUE_MAX_JOBS=str(config.max_jobs),
        MAILKIT_QUEUE_POLL_DELAY=str(config.poll_delay),
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "arq", "mailkit_async.queue.WorkerSettings"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def read_logs(folder: Path) -> str:
    """The end of every worker's log, to show when an assertion fails."""
    return "\n".join(p.read_text(errors="replace")[-2000:] for p in sorted(folder.glob("*.log")))


def stop(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_killed_worker_loses_nothing_and_sends_nothing_twice(
    queue_config: QueueConfig, tmp_path: Path
) -> None:
    config = QueueConfig(
        redis_url=queue_config.redis_url,
        queue_name=queue_config.queue_name,
        key_prefix=queue_config.key_prefix,
        limit=LIMIT,
        lease_ttl=4.0,  # longer than any call here runs at the emulator
        lease_wait=4.0,
        request_deadline=3.0,
        max_jobs=4,
        poll_delay=0.05,
    )
    started = time.monotonic()
    async with MailkitEmulator() as emu:
        campaign = emu.state.add_campaign("Crash", "Hello")
        mailing_list = emu.state.add_mailing_list("Crash")
        # The first call is slow: its worker is the one that gets killed mid-call.
        emu.faults.add(Fault.delay(2.5, function=MASS))
        emu.faults.add(Fault.delay(0.05, function=MASS, times=None))
        workers = [start_worker(config, emu, tmp_path / f"worker{n}.log") for n in range(3)]
        pool = await connect(config)
        try:
            source = ({"send_to": address(n), "create_email": True} for n in range(RECIPIENTS))
            produced = await enqueue_bulk(
                pool, source, campaign, mailing_list, config=config, batch_size=BATCH, settle=SETTLE
            )
            assert (produced.batches, produced.recipients) == (RECIPIENTS // BATCH, RECIPIENTS)
            killed_batch, killed_pid = await kill_the_slow_sender(pool, config, produced.job_id)
            assert killed_pid in {w.pid for w in workers}
            report = await wait_settled(pool, config, produced.job_id, deadline=started + 80)
            killed_job = Job(
                config.batch_job_id(produced.job_id, killed_batch),
                pool,
                _queue_name=config.queue_name,
                _deserializer=job_deserializer,
            )
            retried = await killed_job.result_info()
        finally:
            await pool.aclose()
            stop(workers)
        logs = read_logs(tmp_path)

        sent: Counter[str] = Counter()
        for call in emu.calls(MASS):
            sent.update(str(r["send_to"]) for r in call.params["recipients"])  # type: ignore[union-attr]
        calls = len(emu.calls(MASS))
        # One limit across all the workers, and it was used to the full.
        assert emu.peak_in_flight_for(MASS) == LIMIT
        assert emu.handler_errors == []

    # Every recipient ends in exactly one state.
    assert report.settled, report
    assert report.pending_recipients == 0
    outcomes = {o.send_to: o for o in report}
    assert len(outcomes) == RECIPIENTS == report.total
    # UNKNOWN are exactly the calls the killed worker had in flight (the slow one, and
    # possibly the other slot if it held both), each presumed lost when its lease expired.
    unknown = {r.batch_id: r for r in report.state.batches if r.status == "unknown"}
    assert killed_batch in unknown, logs
    for record in unknown.values():
        assert record.reason.endswith(f":{killed_pid} expired)"), (record.reason, logs)
    in_doubt = {o.send_to for o in outcomes.values() if o.batch_id in unknown}
    assert report.unknown == len(in_doubt) == BATCH * len(unknown)
    assert all(o.state is Outcome.UNKNOWN for a, o in outcomes.items() if a in in_doubt)
    # Nothing sent twice and nothing dropped: the emulator got every other recipient once;
    # the calls in doubt reached it at most once.
    assert max(sent.values()) == 1
    assert {a for a in outcomes if a not in in_doubt} <= set(sent)
    killed_addresses = {a for a, o in outcomes.items() if o.batch_id == killed_batch}
    assert killed_addresses <= set(sent)  # the killed call had reached Mailkit: a resend doubles
    assert produced.batches - len(unknown) + 1 <= calls <= produced.batches
    malformed = {address(n) for n in range(RECIPIENTS) if n % 97 == 0}
    rejected = {a for a, o in outcomes.items() if o.state is Outcome.REJECTED}
    assert rejected == malformed - in_doubt
    assert all(outcomes[a].error_code == 2 for a in rejected)
    assert report.accepted == RECIPIENTS - len(in_doubt) - len(rejected) > 0
    # The killed job ran again on another worker and found the claim: no second call.
    assert retried is not None, logs
    assert retried.success, logs
    assert retried.result["sent_now"] is False
    assert retried.result["status"] == "unknown"
    assert time.monotonic() - started < 90


async def kill_the_slow_sender(pool: ArqRedis, config: QueueConfig, job_id: str) -> tuple[str, int]:
    """SIGKILL the worker whose call has been in flight for a while; its batch and pid."""
    ledger = JobLedger(pool, config)
    first_seen: dict[str, float] = {}
    give_up = time.monotonic() + 30
    while time.monotonic() < give_up:
        for batch_id, phase in (await ledger.phases(job_id)).items():
            if phase.name != "sending":
                continue
            seen = first_seen.setdefault(phase.lease, time.monotonic())
            if time.monotonic() - seen > 0.8:
                pid = int(phase.lease.rsplit(":", 1)[1])
                os.kill(pid, signal.SIGKILL)
                return batch_id, pid
        await asyncio.sleep(0.02)
    raise AssertionError("no call stayed in flight long enough to kill its worker")


async def wait_settled(
    pool: ArqRedis, config: QueueConfig, job_id: str, *, deadline: float
) -> QueueJobReport:
    """The job's report once it is settled and the queue is empty."""
    while True:
        report = await job_report(pool, job_id, config=config)
        queued = await pool.zcard(config.queue_name)
        if report.settled and queued == 0:
            return report
        if time.monotonic() > deadline:
            raise AssertionError(f"not settled in time: {report!r}, {queued} jobs queued")
        await asyncio.sleep(0.2)
