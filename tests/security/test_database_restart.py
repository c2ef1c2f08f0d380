"""Surviving a PostgreSQL restart: a throwaway server of its own, gunicorn in front,
load while the database goes away and comes back.

During the outage requests fail fast with a 503 JSON error and /readyz says 503;
afterwards every request succeeds again without restarting gunicorn, and nothing
written before the restart is lost.
"""

import contextlib
import glob
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


def as_postgres(*command: str, **kwargs) -> subprocess.CompletedProcess:
    """Run a server binary as the postgres user (initdb refuses to run as root)."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *command], check=True, capture_output=True,
                          text=True, timeout=60, **kwargs)  # fmt: skip


class ThrowawayPostgres:
    def __init__(self, folder: Path) -> None:
        self.bin = Path(PG_BIN[-1])
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        folder.mkdir(exist_ok=True)
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
        as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                    "-U", "postgres", "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        )
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                    "-l", str(self.data / "server.log"), "-w", "start")  # fmt: skip

    def stop(self) -> None:
        as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast",
                    "-w", "stop")  # fmt: skip


def get(url: str, timeout: float = 10) -> tuple[int, dict, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    return status, json.loads(body or b"{}"), time.monotonic() - started


@pytest.fixture
def stack():
    if not PG_BIN or not shutil.which("runuser"):
        pytest.fail("PostgreSQL server binaries are needed for this test")
    # Not under pytest's tmp_path: the postgres user must be able to reach it.
    folder = Path(tempfile.mkdtemp(prefix="writing-api-pg-"))
    database = ThrowawayPostgres(folder)
    database.start()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DATABASE_URL": database.url,
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "CRITICAL",
        "API_RESPONSE_CACHE": "false",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True,
                   timeout=120)  # fmt: skip
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "config.wsgi:application",
         "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "30"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            get(f"{base}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    yield database, base
    server.terminate()
    server.wait(timeout=20)
    with contextlib.suppress(subprocess.CalledProcessError):
        database.stop()
    shutil.rmtree(folder, ignore_errors=True)


def test_the_api_survives_a_database_restart_under_load(stack):
    database, base = stack
    before = get(f"{base}/api/v1/index/")
    assert before[0] == 200
    results: list[tuple[float, int, float]] = []
    stop = threading.Event()

    def load() -> None:
        while not stop.is_set():
            status, _, seconds = get(f"{base}/api/v1/posts/?tag=engineering")
            results.append((time.monotonic(), status, seconds))

    workers = [threading.Thread(target=load) for _ in range(4)]
    for worker in workers:
        worker.start()
    time.sleep(1.5)

    database.stop()
    outage_started = time.monotonic()
    time.sleep(3)
    ready = get(f"{base}/readyz")
    during = get(f"{base}/api/v1/posts/")
    database.start()
    outage_ended = time.monotonic()
    time.sleep(3)
    stop.set()
    for worker in workers:
        worker.join(timeout=30)

    assert ready[0] == 503
    assert ready[1]["database"] == "unavailable"
    assert during[0] == 503
    assert during[1]["code"] == "service_unavailable"
    in_outage = [r for r in results if outage_started + 0.5 < r[0] < outage_ended]
    assert in_outage, "the load ran during the outage"
    assert {status for _, status, _ in in_outage} <= {503, 200}
    assert max(seconds for _, _, seconds in in_outage) < 5, "requests must fail fast"
    recovered = [r for r in results if r[0] > outage_ended + 1.5]
    assert recovered, "the load ran after the restart"
    assert {status for _, status, _ in recovered} == {200}
    assert all(status in (200, 503) for _, status, _ in results)

    after = get(f"{base}/api/v1/index/")
    assert after[0] == 200
    assert after[1] == before[1], "nothing written before the restart is lost"
    assert get(f"{base}/readyz")[0] == 200
