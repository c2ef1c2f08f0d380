"""Plain `gunicorn config.wsgi:application`, as the README runs it in production:
its settings come from `gunicorn.conf.py` and the environment, nothing else. It
serves the test database (PostgreSQL: a separate process must see the test's
committed rows), so tests that use it are marked `postgres`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings

from tests.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def _database_url() -> str:
    database = settings.DATABASES["default"]
    return (
        f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}"
    )


@contextmanager
def serving(tmp_path: Path, **overrides: str) -> Iterator[str]:
    """gunicorn on a free port with the test environment and `overrides`; its URL."""
    port = free_port()
    environment = {
        **{
            k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "API_"))
        },
        "DJANGO_SECRET_KEY": "test-only-gunicorn-key-3c9f1e7a2b8d4f60-0123456789abc",
        # localhost: the Host of Varnish's health probe (deploy/varnish.vcl).
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_CACHE_DIR": str(tmp_path / "cache"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": "",
        # The sitemaps list a section only for a front-end template.
        "FRONTEND_POST_URL": "https://www.example.com/writing/{slug}",
        "FRONTEND_TAG_URL": "https://www.example.com/topics/{slug}/",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": "",
        **overrides,
    }
    log_path = tmp_path / f"gunicorn-{port}.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi:application"],
        cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(log_path.read_text()) from None
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


@pytest.fixture
def gunicorn_url(transactional_db, tmp_path):
    with serving(tmp_path) as url:
        yield url
