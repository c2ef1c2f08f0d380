"""Never stale, never a 500, with a real Redis that fails: flooded, refusing writes,
paused, killed, restarted from a snapshot taken before an edit.

Each test runs the production WSGI stack in-process against a Redis server of its
own (`tests/redis_server.py`) and commits for real, so after-commit work runs as in
production.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import transaction

from api import caching
from blog import versioning
from blog.models import Post
from tests.factories import PostFactory, TagFactory
from tests.redis_server import redis_server  # noqa: F401  (a fixture)
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db(transaction=True)

POSTS = "/api/v1/posts/"
VERSION_KEY = "writing-api:1:" + versioning.VERSION_KEY  # as Django's backend keys it


@pytest.fixture
def redis_cache(redis_server, settings):  # noqa: F811
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.PooledClientRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "writing-api",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
    caching.LOCAL.clear()
    return redis_server


@pytest.fixture
def committed_blog():
    tag = TagFactory(slug="engineering", name="Engineering")
    return {
        "old": PostFactory(slug="old", title="Old post", tags=[tag]),
        "news": PostFactory(slug="news", title="News", tags=[tag]),
    }


@contextmanager
def in_another_process():
    """What happens inside is done by another process: this one's view of the
    version (what it knows, when it last checked the database) is as before, and
    so is its cache backend's (a failure inside is the other process's)."""
    keeper = versioning.KEEPER
    state = (keeper.known_number, keeper.checked_at, keeper.generation, keeper.held)
    yield
    keeper.known_number, keeper.checked_at, keeper.generation, keeper.held = state
    cache._down_until = 0.0


def titles(app) -> list[str]:
    status, _, body = wsgi_get(app, POSTS)
    assert status == 200
    return [post["title"] for post in json.loads(body)["results"]]


def response_keys(server) -> list[bytes]:
    return server.client().keys("writing-api:*response:*")


def test_a_cache_busting_flood_stores_one_entry_and_leaves_the_version_alone(
    redis_cache, committed_blog, production_app
):
    first = wsgi_get(production_app, "/api/v1/index/")
    version = redis_cache.client().get(VERSION_KEY)
    before = redis_cache.used_memory()
    for number in range(300):
        query = f"cb={number}&page_size=&format=json&x{number}=1"
        status, headers, body = wsgi_get(production_app, "/api/v1/index/", query)
        assert status == 200
        assert headers["ETag"] == first[1]["ETag"]
        assert body == first[2]
    assert len(response_keys(redis_cache)) == 1
    assert redis_cache.used_memory() - before < 256 * 1024
    assert (
        redis_cache.client().get("writing-api:1:" + versioning.VERSION_KEY) == version
    )


def test_under_maxmemory_distinct_searches_evict_old_answers_never_correctness(
    redis_cache, committed_blog, production_app
):
    client = redis_cache.client()
    client.config_set("maxmemory", 3 * 1024 * 1024)
    client.config_set("maxmemory-policy", "allkeys-lru")
    for number in range(600):
        status, _, _ = wsgi_get(production_app, POSTS, f"search=word{number}")
        assert status == 200
    assert redis_cache.used_memory() <= 3 * 1024 * 1024 + 256 * 1024
    with transaction.atomic():
        committed_blog["news"].title = "After the flood"
        committed_blog["news"].save()
    assert "After the flood" in titles(production_app)


def test_a_renewal_the_cache_refuses_is_healed_within_the_recheck_interval(
    redis_cache, committed_blog, production_app, settings
):
    settings.API_VERSION_RECHECK_SECONDS = 1
    assert "News" in titles(production_app)
    client = redis_cache.client()
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", 1)  # every write is now refused: OOM
    post = committed_blog["news"]
    post.status = Post.Status.DRAFT
    with in_another_process(), transaction.atomic():
        post.save()  # the editor's save: no error although the cache refused
    client.config_set("maxmemory", 0)
    unpublished_at = time.monotonic()
    while "News" in titles(production_app):
        assert time.monotonic() - unpublished_at < 1.5, "stale past the bound"
        time.sleep(0.05)


def test_a_paused_cache_costs_the_editor_no_error_and_readers_no_stale_answer(
    redis_cache, committed_blog, production_app, settings
):
    settings.API_VERSION_RECHECK_SECONDS = 1
    assert "News" in titles(production_app)
    redis_cache.pause()
    try:
        started = time.monotonic()
        post = committed_blog["news"]
        post.status = Post.Status.DRAFT
        with transaction.atomic():
            post.save()
        assert time.monotonic() - started < 3  # one socket timeout, not a hang
        assert "News" not in titles(production_app)  # the database answers
    finally:
        redis_cache.resume()
    assert "News" not in titles(production_app)


def test_redis_restarted_from_a_snapshot_before_an_edit_serves_the_edit(
    redis_cache, committed_blog, production_app
):
    assert "News" in titles(production_app)  # cached under the old version
    redis_cache.snapshot()
    post = committed_blog["news"]
    post.title = "Edited"
    with in_another_process(), transaction.atomic():
        post.save()  # this process checked the database just before
    redis_cache.kill()
    redis_cache.start()  # back with the snapshot: old version, old answers
    assert redis_cache.client().get("writing-api:1:" + versioning.VERSION_KEY), (
        "the snapshot holds the old version"
    )
    assert "Edited" in titles(production_app)


def test_a_process_that_saw_a_newer_version_never_takes_an_older_copy(
    redis_cache, committed_blog, production_app
):
    assert "News" in titles(production_app)
    redis_cache.snapshot()
    post = committed_blog["news"]
    post.title = "Edited"
    with in_another_process(), transaction.atomic():
        post.save()
    assert "Edited" in titles(production_app)  # read the new copy from the cache
    redis_cache.kill()
    redis_cache.start()
    versioning.KEEPER.generation = versioning._connection_generation()  # no hint
    assert "Edited" in titles(production_app)


def test_with_redis_down_the_api_answers_and_readiness_reports_the_cache(
    redis_cache, committed_blog, production_app
):
    assert "News" in titles(production_app)
    redis_cache.kill()
    started = time.monotonic()
    for _ in range(20):
        assert "News" in titles(production_app)
    assert time.monotonic() - started < 3  # no timeout per request
    status, _, body = wsgi_get(production_app, "/readyz")
    assert status == 200
    assert json.loads(body) == {
        "status": "ok",
        "database": "ok",
        "cache": "unavailable",
    }
    post = committed_blog["news"]
    post.title = "Edited while the cache was down"
    with transaction.atomic():
        post.save()
    assert "Edited while the cache was down" in titles(production_app)
    redis_cache.start()
    time.sleep(1.1)  # the backend tries the cache again after CACHE_RETRY_SECONDS
    assert "Edited while the cache was down" in titles(production_app)
    assert json.loads(wsgi_get(production_app, "/readyz")[2])["cache"] == "ok"


# --- Redis tracking (config/tracking.py): the version with no round trip ------------


def version_reads(server, read) -> int:
    """How many times `read()` made Redis look up the version's copy."""
    client = server.client()
    client.config_resetstat()
    read()
    stats = client.info("commandstats")
    # Warm answers come from the process's own memo (api.caching.LOCAL): a GET is
    # the version's copy.
    return stats.get("cmdstat_get", {}).get("calls", 0)


def test_warm_reads_do_not_ask_redis_for_the_version(
    redis_cache, committed_blog, production_app, settings
):
    def twenty_reads():
        for _ in range(20):
            assert wsgi_get(production_app, POSTS)[0] == 200
            time.sleep(0.005)  # the tracker's PINGs are answered meanwhile

    titles(production_app)
    tracked = version_reads(redis_cache, twenty_reads)
    settings.API_VERSION_TRACKING = False
    per_request = version_reads(redis_cache, twenty_reads)
    assert per_request == 20  # the version, every request
    assert tracked <= 2, tracked  # until the tracker's first PING was answered


def test_a_killed_notification_connection_alone_leaves_no_stale_answer(
    redis_cache, committed_blog, production_app
):
    client = redis_cache.client()
    for round_number in range(5):
        for _ in range(3):
            titles(production_app)  # held with no round trip, as in steady state
        (tracking,) = [
            c for c in client.client_list() if c["name"] == "writing-api-tracking"
        ]
        client.client_kill_filter(_id=tracking["id"])
        post = committed_blog["news"]
        post.title = f"Edited {round_number}"
        with in_another_process(), transaction.atomic():
            post.save()
        assert f"Edited {round_number}" in titles(production_app)
        time.sleep(1.05)  # the tracker connects again after RETRY_SECONDS


def test_an_edit_by_another_process_is_never_answered_old(
    redis_cache, committed_blog, production_app
):
    post = committed_blog["news"]
    for number in range(200):
        titles(production_app)
        titles(production_app)  # the second is held with no round trip
        post.title = f"Edit {number}"
        with in_another_process(), transaction.atomic():
            post.save()
        assert f"Edit {number}" in titles(production_app)


@pytest.mark.postgres
def test_an_edit_saved_through_one_process_is_never_answered_old_by_another(
    redis_cache, committed_blog, tmp_path
):
    """The editor's process is this one; the reader is a gunicorn of its own on the
    same database and Redis, tracking the version (config/tracking.py)."""
    import urllib.request

    from tests.gunicorn_server import serving

    def served_titles(url: str) -> list[str]:
        with urllib.request.urlopen(f"{url}{POSTS}", timeout=10) as response:
            return [post["title"] for post in json.load(response)["results"]]

    post = committed_blog["news"]
    with serving(tmp_path, REDIS_URL=redis_cache.url, WEB_CONCURRENCY="1") as url:
        client = redis_cache.client()
        for number in range(300):
            served_titles(url)
            served_titles(url)
            post.title = f"Edit {number}"
            with transaction.atomic():
                post.save()  # returns once the new version is published
            assert f"Edit {number}" in served_titles(url), number
        names = [c["name"] for c in client.client_list()]
        assert "writing-api-tracking" in names  # the reader was tracking
