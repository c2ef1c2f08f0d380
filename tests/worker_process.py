"""`manage.py run_worker` as a separate process on the test database, as production
runs it beside gunicorn (PostgreSQL: it must see the test's committed rows)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.gunicorn_server import ROOT, _database_url


class WorkerProcess:
    def __init__(self, log_dir: Path, **settings: str) -> None:
        self.log_dir = log_dir
        self.environment = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
            "DJANGO_DEBUG": "true",
            "DJANGO_LOG_LEVEL": "WARNING",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": "",
            "DJANGO_CACHE_DIR": str(log_dir / "cache"),
            "WEBHOOK_ALLOW_PRIVATE": "true",
            "WORKER_POLL_MS": "50",
            **settings,
        }
        self.processes: list[subprocess.Popen] = []

    def start(self, *, wait: bool = True) -> subprocess.Popen:
        """A new worker; by default once it is past Django's start-up (about half
        a second), so that timings measure its work, not its boot."""
        path = self.log_dir / f"worker-{len(self.processes)}.log"
        log = path.open("w")
        process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker"],
            cwd=ROOT, env=self.environment, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while wait and "Worker started" not in path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker did not start:\n{path.read_text()}")
            time.sleep(0.02)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL: no chance to finish anything."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in self.log_dir.glob("worker-*.log"))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
