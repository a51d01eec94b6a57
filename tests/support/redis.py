"""A real redis-server on a free loopback port, started by the tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest


class RedisMissing(RuntimeError):
    """redis-server is not installed; `make test` installs it."""


def free_port() -> int:
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(proc: subprocess.Popen, port: int, seconds: float, what: str) -> None:
    """Return once ``proc`` listens on the loopback ``port``, or raise naming ``what`` that did not start."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
    raise RuntimeError(f"{what} startade inte på port {port}")


class RedisServer:
    """One redis-server process that keeps nothing on disk."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if not exe:
            raise RedisMissing("redis-server saknas — kör `make test`, som installerar paketet redis-server")
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="minnes-redis-"))
        self.proc = subprocess.Popen(
            [
                exe,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
        )
        wait_for_port(self.proc, self.port, 10, "redis-server")

    @property
    def url(self) -> str:
        """Return the server's URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):  # noqa: ANN201 - redis.Redis
        """Return a client of this server."""
        from redis import Redis

        return Redis.from_url(self.url)

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """Yield a fresh redis-server for one test."""
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()
