"""A real redis-server of the test's own, on a free 127.0.0.1 port, that a test can break.

It keeps nothing on disk. ``stop`` shuts it down (a crash or a restart as clients see it);
``make_read_only`` turns it into a replica of a server that isn't there, which is what a
failed-over old primary looks like: reads answer, writes are refused.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
import redis

from tests.support.ralph_lrs import free_port

START_SECONDS = 10


@dataclass
class RedisServer:
    port: int
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def make_read_only(self) -> None:
        self.client().replicaof("127.0.0.1", free_port())  # a primary that never answers

    def make_writable(self) -> None:
        self.client().replicaof("NO", "ONE")

    def start_again(self) -> None:
        """Start it again on the same port, empty (a restart that kept nothing)."""
        self.stop()
        self.process = _start(self.port)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def _start(port: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--protected-mode", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    probe = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            probe.ping()
            return process
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail(f"redis-server did not start on port {port}")
            time.sleep(0.05)  # waiting for it to listen


@contextmanager
def running_redis() -> Iterator[RedisServer]:
    """Start a private redis-server; skip the test if Redis is not installed."""
    port = free_port()
    server = RedisServer(port, _start(port))
    try:
        yield server
    finally:
        server.stop()
