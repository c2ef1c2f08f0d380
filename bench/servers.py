"""HTTP plumbing of the benchmark: exact responses, and gunicorn servers."""

from __future__ import annotations

import base64
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

WORK = Path(__file__).resolve().parent / "work"
ROOT = WORK.parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


@dataclass
class Recording:
    """One response exactly as the app sent it."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def as_json(self, path: str) -> dict:
        return {
            "path": path,
            "status": f"{self.status} {self.reason}",
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode("ascii"),
        }


def fetch(port: int, path: str, headers: dict[str, str] | None = None) -> Recording:
    """GET `path` the way wrk does: a Host header, no Accept-Encoding, no Accept."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return Recording(
            response.status, response.reason, response.getheaders(), response.read()
        )
    finally:
        connection.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _supports_no_control_socket() -> bool:
    help_text = subprocess.run(
        [str(GUNICORN), "--help"], capture_output=True, text=True
    ).stdout
    return "--no-control-socket" in help_text


@dataclass
class Gunicorn:
    """A gunicorn master and its 2 sync workers, in their own process group."""

    name: str
    application: str
    environment: dict[str, str]
    chdir: Path | None = None
    ready_path: str = "/healthz"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def log(self) -> Path:
        return WORK / "logs" / f"{self.name}.log"

    def __enter__(self) -> Gunicorn:
        arguments = [str(GUNICORN), self.application, "--workers", "2"]
        arguments += ["--bind", f"127.0.0.1:{self.port}"]
        arguments += ["--pid", str(WORK / f"{self.name}.pid")]
        if self.chdir:
            arguments += ["--chdir", str(self.chdir)]
        if _supports_no_control_socket():
            arguments.append("--no-control-socket")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                arguments,
                cwd=ROOT,  # gunicorn.conf.py applies to the app and the ceiling alike
                # No access log: the measure is the server, not its log file.
                env={**self.environment, "GUNICORN_ACCESS_LOG": ""},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_until_ready()
        print(f"  {self.name}: gunicorn {self.process.pid} on port {self.port}")
        return self

    def _wait_until_ready(self, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited:\n{self.log.read_text()[-3000:]}"
                )
            try:
                fetch(self.port, self.ready_path)
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer within {seconds:.0f}s")

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def worker_rss(self) -> dict[int, float]:
        """VmRSS in MB of each worker (the master's children)."""
        workers = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                if parent != self.process.pid:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if found:
                workers[int(stat.parent.name)] = int(found.group(1)) / 1024
        return workers

    def log_problems(self) -> list[str]:
        markers = ("Traceback", " ERROR ", "WORKER TIMEOUT", "SIGKILL", "[CRITICAL]")
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if any(marker in line for marker in markers)
        ]
