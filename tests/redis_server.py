"""A Redis server of the test's own: started on a free port, killed, restarted from
its snapshot, paused. Debian's `redis-server` (the one the machine runs) does it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
import redis

from tests.ports import free_port


class RedisServer:
    def __init__(self, directory: Path, *options: str) -> None:
        self.directory = directory
        self.options = options  # more redis-server arguments
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=5)

    def start(self) -> None:
        """Start, loading `dump.rdb` from the directory when there is one."""
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server",
             "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.directory), "--dbfilename", "dump.rdb",
             "--save", "", "--appendonly", "no", *self.options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def snapshot(self) -> None:
        self.client().save()

    def kill(self) -> None:
        """SIGKILL: no snapshot on the way out."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def used_memory(self) -> int:
        return self.client().info("memory")["used_memory"]


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        if os.environ.get("CI"):
            raise RuntimeError("redis-server is missing")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.resume()
    server.kill()
