"""Queue benchmark: recipients per second through arq workers, with 1, 2 and 4 processes.

Everything is real and local: a redis-server started by this script (persistence
off), a Mailkit emulator in its own process, and N worker processes running
``arq mailkit_async.queue.WorkerSettings``. This process produces the recipients
(``enqueue_bulk``, results polling off) and the clock runs from the first enqueue
until every batch has an outcome in the ledger. Worker start-up is not timed.

Two scenarios by default, both with a global limit of 4 calls in flight:

* CPU-bound: the emulator answers at once; each worker runs up to 6 jobs.
* latency-bound: every ``sendmail_mass`` answer takes 200 ms (Mailkit's own
  processing time) and each worker runs 2 jobs at a time, so one worker keeps 2
  calls in flight, two keep 4, and four are capped at 4 by the global limit.

    python benchmarks/bench_queue.py                  # 100 000 recipients, 3 repetitions
    python benchmarks/bench_queue.py --quick          # 20 000 recipients, 1 repetition
    python benchmarks/bench_queue.py --latency 0.05 --max-jobs 3
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench_bulk import Emulator, recipients

from mailkit_async.queue import JobLedger, QueueConfig, connect, enqueue_bulk
from mailkit_async.testing import MailkitEmulator

BATCH = 500
WORKERS = (1, 2, 4)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A throw-away redis-server on a free loopback port."""

    def __enter__(self) -> RedisServer:
        executable = shutil.which("redis-server")
        if executable is None:
            sys.exit("redis-server is not on PATH (apt-get install redis-server)")
        self.port = free_port()
        options = ["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
        self.process = subprocess.Popen(
            [executable, *options, "--port", str(self.port)], stdout=subprocess.DEVNULL
        )
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def start_workers(
    count: int, config: QueueConfig, emu: Emulator, logs: Path
) -> list[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILKIT_")}
    env.update(
        MAILKIT_CLIENT_ID=str(MailkitEmulator.DEFAULT_CLIENT_ID),
        MAILKIT_CLIENT_MD5=MailkitEmulator.DEFAULT_CLIENT_MD5,  # the emulator's test secret
        MAILKIT_BASE_URL=emu.url,
        MAILKIT_TRANSPORT=config_transport(),
        MAILKIT_QUEUE_REDIS_URL=config.redis_url,
        MAILKIT_QUEUE_NAME=config.queue_name,
        MAILKIT_QUEUE_PREFIX=config.key_prefix,
        MAILKIT_QUEUE_LIMIT=str(config.limit),
        MAILKIT_QUEUE_MAX_JOBS=str(config.max_jobs),
        MAILKIT_QUEUE_POLL_DELAY=str(config.poll_delay),
    )
    workers = []
    for n in range(count):
        log = logs / f"worker{n}.log"
        with log.open("wb") as out:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "arq", "mailkit_async.queue.WorkerSettings"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
    for n in range(count):
        log = logs / f"worker{n}.log"
        for _ in range(400):
            if "Starting worker" in log.read_text(errors="replace"):
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"worker {n} did not start: {log.read_text(errors='replace')}")
    time.sleep(0.5)  # on_startup: the client is made after that line
    return workers


def stop_workers(workers: list[subprocess.Popen[bytes]]) -> None:
    for process in workers:
        process.send_signal(signal.SIGTERM)
    for process in workers:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_TRANSPORT = ["json"]


def config_transport() -> str:
    return _TRANSPORT[0]


async def produce_and_wait(config: QueueConfig, emu: Emulator, count: int) -> float:
    """Wall seconds from the first enqueue until every batch has an outcome."""
    pool = await connect(config)
    try:
        ledger = JobLedger(pool, config)
        started = time.perf_counter()
        job = await enqueue_bulk(
            pool,
            recipients(count),
            emu.campaign,
            emu.list,
            config=config,
            batch_size=BATCH,
            max_queued_batches=64,
            poll=False,
        )
        while True:
            phases = await ledger.phases(job.job_id)
            if len(phases) == job.batches and not any(p.pending for p in phases.values()):
                break
            await asyncio.sleep(0.01)
        elapsed = time.perf_counter() - started
        report = await ledger.report(job.job_id)
        assert report.accepted == count, report
        return elapsed
    finally:
        await pool.aclose()


def measure(
    redis: RedisServer, workers: int, count: int, latency: float, limit: int, max_jobs: int
) -> float:
    tag = uuid.uuid4().hex[:8]
    config = QueueConfig(
        redis_url=redis.url,
        queue_name=f"bench:{tag}:queue",
        key_prefix=f"bench:{tag}:",
        limit=limit,
        max_jobs=max_jobs,
        poll_delay=0.01,
    )
    with Emulator(latency) as emu, tempfile.TemporaryDirectory() as logs:
        processes = start_workers(workers, config, emu, Path(logs))
        try:
            return asyncio.run(produce_and_wait(config, emu, count))
        finally:
            stop_workers(processes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 000 recipients, 1 repetition")
    parser.add_argument("--count", type=int, default=None, help="recipients (default 100 000)")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 3)")
    parser.add_argument("--limit", type=int, default=4, help="global calls in flight")
    parser.add_argument("--latency", type=float, default=None, help="emulator seconds per call")
    parser.add_argument("--max-jobs", type=int, default=None, help="jobs per worker process")
    parser.add_argument("--transport", choices=("json", "xmlrpc"), default="json")
    args = parser.parse_args()
    count = args.count or (20_000 if args.quick else 100_000)
    reps = args.reps or (1 if args.quick else 3)
    if args.latency is None and args.max_jobs is None:
        scenarios = [(0.0, 6), (0.2, 2)]
    else:
        scenarios = [(args.latency or 0.0, args.max_jobs or 6)]
    _TRANSPORT[0] = args.transport
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs;"
        f" {count} recipients, batches of {BATCH}, limit {args.limit} calls in flight,"
        f" {args.transport}, median of {reps}"
    )
    with RedisServer() as redis:
        for latency, max_jobs in scenarios:
            base: float | None = None
            for workers in WORKERS:
                times = [
                    measure(redis, workers, count, latency, args.limit, max_jobs)
                    for _ in range(reps)
                ]
                rate = count / statistics.median(times)
                base = base or rate
                print(
                    f"latency {latency * 1000:3.0f} ms, {max_jobs} jobs/worker, workers {workers}:"
                    f" {rate:9,.0f} recipients/s  (x{rate / base:.2f})",
                    flush=True,
                )


if __name__ == "__main__":
    main()
