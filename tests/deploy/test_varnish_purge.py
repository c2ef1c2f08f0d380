"""The whole path on real parts: gunicorn serving the API, a fresh `varnishd` with
`deploy/varnish.vcl` in front, and `manage.py run_worker` purging it by surrogate
key after each commit (PostgreSQL: the processes share the test's rows)."""

import time

import pytest

from tests.factories import PostFactory
from tests.gunicorn_server import gunicorn_url  # noqa: F401  (a fixture)
from tests.varnish_server import run_varnish
from tests.worker_process import WorkerProcess

pytestmark = pytest.mark.postgres


def _slugs(varnish, path: str) -> list[str]:
    return [post["slug"] for post in varnish.get(path).json()["results"]]


def test_a_publish_reaches_a_fresh_varnish_cache_within_a_second(
    gunicorn_url,  # noqa: F811
    tmp_path,
):
    PostFactory(slug="first")
    port = int(gunicorn_url.rsplit(":", 1)[1])
    with run_varnish(port) as varnish:
        workers = WorkerProcess(
            tmp_path, CDN_PURGE="varnish", VARNISH_PURGE_URLS=varnish.url("/")
        )
        workers.start()
        try:
            assert _slugs(varnish, "/api/v1/posts/") == ["first"]
            cached = varnish.get("/api/v1/posts/")
            assert cached.header("X-Cache") == "HIT"  # kept for its max-age (60 s)
            assert varnish.get("/api/v1/posts/second/").status == 404
            assert varnish.get("/api/v1/posts/second/").header("X-Cache") == "HIT"

            PostFactory(slug="second")
            committed = time.monotonic()
            while "second" not in _slugs(varnish, "/api/v1/posts/"):
                assert time.monotonic() - committed < 1.0, workers.logs()
                time.sleep(0.02)
            took = time.monotonic() - committed
            assert varnish.get("/api/v1/posts/second/").status == 200
            assert took < 1.0
            print(f"publish reached Varnish in {took * 1000:.0f} ms")
        finally:
            workers.stop_all()
