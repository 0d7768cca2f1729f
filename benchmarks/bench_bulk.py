"""Bulk engine benchmark: client CPU per recipient against a floor, and peak memory.

Sends 10 000 and 100 000 recipients through ``client.bulk()`` to a Mailkit emulator
running in a separate process (so ``time.process_time()`` of this process is the
client's CPU alone), over JSON and XML-RPC. Every measurement gets a fresh emulator;
engine and floors alternate in the same process, and the table shows medians.

The floor does the least work that gets the same batches to the same emulator, from
the same input: the same generator of plain dicts, each copied into the same wire
dict (``dict(row, campaign_id=..., mailinglist_id=...)``) the engine builds,
chunked into the same batch size, encoded once (orjson for JSON; the library's
XML-RPC string builder for XML-RPC, since orjson cannot write XML), posted with plain
aiohttp at the same concurrency, and the answer decoded and counted. It checks
nothing, keeps nothing, and its requests have no timeouts, hooks or retries. The
ratio against it is the goal: engine CPU per recipient <= 1.3x the floor. "ratio" is
median engine over median floor; "paired ratio" is the median of each repetition's
engine / floor (the two run back to back, so load drifting between repetitions
cancels out).

The call floor sends the same encoded-once batches one ``client.call()`` at a time at
the same concurrency: the library's own per-call path (layout and encoder with its
NaN check, timeouts, the connection probe, retries, hooks, answer checks) without
the bulk engine. "engine / call floor" is therefore what the engine itself costs:
input checks, queueing, duplicate detection, matching answers by address and the
per-recipient accounting; "call floor / floor" is the library's per-call cost at
this batch size.

Peak memory is measured in a fresh child process per size with ``tracemalloc`` (and
``ru_maxrss``), with ``keep_outcomes=False`` (streaming: only counts kept) and with
the default (every outcome kept). Goal: streaming peak memory at 100 000 within 1.2x
of 10 000.

    python benchmarks/bench_bulk.py            # 5 repetitions, 10k and 100k
    python benchmarks/bench_bulk.py --quick    # 1 repetition, 1k and 10k
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import aiohttp
import orjson

from mailkit_async import MailkitClient
from mailkit_async._wire._xmlrpc import decode_method_response, encode_method_call
from mailkit_async.testing import MailkitEmulator

BATCH = 500
IN_FLIGHT = 4
MD5 = MailkitEmulator.DEFAULT_CLIENT_MD5
CLIENT_ID = MailkitEmulator.DEFAULT_CLIENT_ID

EMULATOR_SCRIPT = """
import asyncio, json, sys
from mailkit_async.testing import Fault, MailkitEmulator

async def main():
    latency = float(sys.argv[1])
    async with MailkitEmulator() as emu:
        if latency > 0:
            emu.faults.add(Fault.delay(latency, function="mailkit.sendmail_mass", times=None))
        campaign = emu.state.add_campaign("Bench", "Hello")
        mailing_list = emu.state.add_mailing_list("Bench")
        print(json.dumps({"url": emu.url, "campaign": campaign, "list": mailing_list}), flush=True)
        await asyncio.Event().wait()

asyncio.run(main())
"""


class Emulator:
    """A Mailkit emulator in its own process (fresh state for every measurement).

    ``latency`` delays every ``sendmail_mass`` answer by that many seconds.
    """

    def __init__(self, latency: float = 0.0) -> None:
        self.latency = latency

    def __enter__(self) -> Emulator:
        self.process = subprocess.Popen(
            [sys.executable, "-c", EMULATOR_SCRIPT, str(self.latency)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        info = json.loads(self.process.stdout.readline())
        self.url: str = info["url"]
        self.campaign: int = info["campaign"]
        self.list: int = info["list"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def recipients(count: int) -> Iterator[dict[str, Any]]:
    """The workload, generated lazily: plain text fields, no base64 payloads."""
    for i in range(count):
        yield {
            "send_to": f"user{i}@example.com",
            "subject": "Hello",
            "create_email": True,
            "customs": {"first_name": "Jana", "custom1": f"c{i}"},
        }


async def run_engine(
    emu: Emulator, transport: str, count: int, *, keep_outcomes: bool = False
) -> tuple[float, float, int]:
    """Send ``count`` recipients with the engine: (cpu seconds, wall seconds, accepted)."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    client = MailkitClient(CLIENT_ID, MD5, transport=transport, base_url=emu.url)  # type: ignore[arg-type]
    async with (
        client,
        client.bulk(
            emu.campaign,
            emu.list,
            max_batch_recipients=BATCH,
            max_in_flight=IN_FLIGHT,
            keep_outcomes=keep_outcomes,
        ) as sender,
    ):
        await sender.send_all(recipients(count))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    report = sender.report
    assert report.accepted == count, report
    return cpu, wall, report.accepted


def _chunks(count: int, campaign: int, mailing_list: int, xml: bool) -> Iterator[list[Any]]:
    """The engine's wire dicts from the same rows, in batches (XML-RPC: the flag as text)."""
    chunk: list[dict[str, Any]] = []
    for item in recipients(count):
        wire = dict(item, campaign_id=campaign, mailinglist_id=mailing_list)
        if xml:
            wire["create_email"] = "TRUE"
        chunk.append(wire)
        if len(chunk) == BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _post_all(
    chunks: Iterator[list[Any]], post: Callable[[list[Any]], Awaitable[int]]
) -> int:
    """``post`` every chunk, at most ``IN_FLIGHT`` at once; the sum of what they return."""
    slots = asyncio.Semaphore(IN_FLIGHT)
    total = 0

    async def one(chunk: list[Any]) -> None:
        nonlocal total
        try:
            accepted = await post(chunk)  # read total only after the await
            total += accepted
        finally:
            slots.release()

    tasks = set()
    for chunk in chunks:
        await slots.acquire()
        task = asyncio.create_task(one(chunk))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    if tasks:
        await asyncio.gather(*tasks)
    return total


async def run_call_floor(emu: Emulator, transport: str, count: int) -> tuple[float, float, int]:
    """The same batches, one ``client.call()`` each: the library's per-call path alone."""
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    client = MailkitClient(CLIENT_ID, MD5, transport=transport, base_url=emu.url)  # type: ignore[arg-type]
    async with client:

        async def post(chunk: list[Any]) -> int:
            answer = await client.call("mailkit.sendmail_mass", {"recipients": chunk})
            return len(answer["list"])  # type: ignore[index,call-overload]

        accepted = await _post_all(_chunks(count, emu.campaign, emu.list, xml=False), post)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert accepted == count, accepted
    return cpu, wall, accepted


async def run_floor(emu: Emulator, transport: str, count: int) -> tuple[float, float, int]:
    """The least work for the same batches: encode once, post, decode the answer."""
    xml = transport == "xmlrpc"
    url = emu.url + ("/rpc.fcgi" if xml else "/json.fcgi")
    headers = {"Content-Type": "text/xml" if xml else "application/json"}
    gc.collect()
    cpu, wall = time.process_time(), time.perf_counter()
    async with aiohttp.ClientSession() as session:

        async def post(chunk: list[Any]) -> int:
            if xml:
                body = encode_method_call("mailkit.sendmail_mass", [CLIENT_ID, MD5, chunk])
            else:
                body = orjson.dumps(
                    {
                        "function": "mailkit.sendmail_mass",
                        "id": str(CLIENT_ID),
                        "md5": MD5,
                        "recipients": chunk,
                    }
                )
            async with session.post(url, data=body, headers=headers) as response:
                raw = await response.read()
            answer = decode_method_response(raw) if xml else orjson.loads(raw)
            return len(answer["list"])  # type: ignore[index,call-overload]

        accepted = await _post_all(_chunks(count, emu.campaign, emu.list, xml), post)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert accepted == count, accepted
    return cpu, wall, accepted


def memory_child(transport: str, count: int, keep_outcomes: bool) -> None:
    """Child process: one engine run under tracemalloc; prints peak and maxrss as JSON."""
    with Emulator() as emu:
        tracemalloc.start()
        asyncio.run(run_engine(emu, transport, count, keep_outcomes=keep_outcomes))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"peak": peak, "rss_kib": rss}))


def measure_memory(transport: str, count: int, keep_outcomes: bool) -> dict[str, int]:
    args = [sys.executable, __file__, "--memory-child", transport, str(count)]
    args.append("keep" if keep_outcomes else "stream")
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    result: dict[str, int] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 repetition, 1k and 10k")
    parser.add_argument("--reps", type=int, default=None, help="repetitions (default 5)")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        transport, count, mode = args.memory_child
        memory_child(transport, int(count), mode == "keep")
        return
    sizes = (1_000, 10_000) if args.quick else (10_000, 100_000)
    reps = args.reps or (1 if args.quick else 5)
    runners = {"engine": run_engine, "floor": run_floor, "call": run_call_floor}
    rows = []
    for transport in ("json", "xmlrpc"):
        for count in sizes:
            cpus: dict[str, list[float]] = {name: [] for name in runners}
            walls: dict[str, list[float]] = {name: [] for name in runners}
            for _ in range(reps):
                # Alternate engine and floors, each against a fresh emulator process.
                for name, runner in runners.items():
                    with Emulator() as emu:
                        cpu, wall, _ = asyncio.run(runner(emu, transport, count))
                    cpus[name].append(cpu)
                    walls[name].append(wall)
            stream = measure_memory(transport, count, keep_outcomes=False)
            keep = measure_memory(transport, count, keep_outcomes=True)
            engine, floor, call = (statistics.median(cpus[n]) / count * 1e6 for n in runners)
            # Engine and floor run back to back in each repetition: the median of those
            # paired ratios is less exposed to the machine's load drifting between runs.
            pairs = zip(cpus["engine"], cpus["floor"], strict=True)
            paired = statistics.median(engine_cpu / floor_cpu for engine_cpu, floor_cpu in pairs)
            rows.append(
                (
                    transport,
                    count,
                    engine,
                    floor,
                    paired,
                    call,
                    statistics.median(walls["engine"]),
                    statistics.median(walls["floor"]),
                    stream,
                    keep,
                )
            )
            print(f"done: {transport} {count}", file=sys.stderr, flush=True)
    print(
        f"\nPython {platform.python_version()}, {os.cpu_count()} CPUs, batch {BATCH},"
        f" max_in_flight {IN_FLIGHT}, median of {reps} run(s)\n"
    )
    print(
        "| transport | recipients | engine CPU µs/rcpt | floor CPU µs/rcpt | ratio |"
        " paired ratio | call floor µs/rcpt | engine / call floor | engine wall s |"
        " floor wall s | peak MiB (streaming) | peak MiB (all kept) | maxrss MiB (streaming) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    mib = 1024 * 1024
    for transport, count, engine, floor, paired, call, ewall, fwall, stream, keep in rows:
        print(
            f"| {transport} | {count:,} | {engine:.2f} | {floor:.2f} | {engine / floor:.2f}x |"
            f" {paired:.2f}x | {call:.2f} | {engine / call:.2f}x | {ewall:.2f} | {fwall:.2f} |"
            f" {stream['peak'] / mib:.2f} | {keep['peak'] / mib:.2f} |"
            f" {stream['rss_kib'] / 1024:.0f} |"
        )
    for transport in ("json", "xmlrpc"):
        small, large = (r for r in rows if r[0] == transport)
        growth = large[8]["peak"] / small[8]["peak"]
        print(
            f"\n{transport}: streaming peak memory {large[1]:,} vs {small[1]:,} recipients:"
            f" {growth:.2f}x"
        )


if __name__ == "__main__":
    main()
