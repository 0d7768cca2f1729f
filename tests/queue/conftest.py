"""Fixtures for the queue tests: a real redis-server on a free loopback port.

Tests that use it are marked ``redis``; the default run deselects them and CI runs
them with ``python -m pytest -m redis``. Without ``redis-server`` on PATH they fail
with a clear message (never skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator

import attrs
import pytest
from arq.connections import ArqRedis
from redis.asyncio import Redis

from mailkit_async.queue import QueueConfig, connect


@attrs.frozen
class RedisServer:
    """A running redis-server started for the test session."""

    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail(f"redis-server exited at start with code {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"redis-server did not answer on port {port} within {timeout:g} s")


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    executable = shutil.which("redis-server")
    if executable is None:
        pytest.fail(
            "redis-server is not on PATH: the tests marked 'redis' need it"
            " (Debian/Ubuntu: apt-get install redis-server)",
            pytrace=False,
        )
    port = free_port()
    process = subprocess.Popen(
        [
            executable,
            "--save",
            "",
            "--appendonly",
            "no",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(port, process)
        yield RedisServer(port, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def queue_config(redis_server: RedisServer) -> QueueConfig:
    """Settings with a queue name and key prefix of this test alone."""
    tag = uuid.uuid4().hex[:8]
    return QueueConfig(
        redis_url=redis_server.url,
        queue_name=f"test:{tag}:queue",
        key_prefix=f"test:{tag}:",
        limit=2,
        lease_ttl=2.0,
        lease_wait=5.0,
        request_deadline=5.0,
        poll_delay=0.02,
    )


@pytest.fixture
async def redis(redis_server: RedisServer) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_server.url)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
async def pool(queue_config: QueueConfig) -> AsyncIterator[ArqRedis]:
    arq_pool = await connect(queue_config)
    try:
        yield arq_pool
    finally:
        await arq_pool.aclose()


def worker_env(**extra: str) -> dict[str, str]:
    """The environment for a worker subprocess: this one, without MAILKIT_* leftovers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILKIT_")}
    env.update(extra)
    return env
