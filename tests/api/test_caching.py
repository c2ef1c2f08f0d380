"""Conditional GET and the response cache: never stale, validated first, cheap hits."""

import contextlib
import dataclasses
import gzip
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api import caching
from blog import versioning
from blog.models import Post, Tag
from tests.factories import PostFactory
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


@pytest.fixture
def app(production_app):
    return production_app


def titles(body: bytes) -> list[str]:
    import json

    return [post["title"] for post in json.loads(body)["results"]]


# --- Validators and 304s ----------------------------------------------------------


def test_responses_carry_validators_and_cache_headers(api, blog):
    response = api.get(POSTS)
    assert response["ETag"].startswith('W/"')
    assert response["Last-Modified"].endswith("GMT")
    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    vary = {part.strip().lower() for part in response["Vary"].split(",")}
    assert {"accept", "accept-encoding", "origin"} <= vary


def test_if_none_match_with_the_etag_is_a_bodyless_304(api, blog):
    etag = api.get(POSTS)["ETag"]
    response = api.get(POSTS, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert "max-age=" in response["Cache-Control"]


def _until_last_modified_has_passed() -> None:
    """Changes in the same second move `last_modified` a second ahead of the clock,
    and `Last-Modified` is never later than now: wait until it has caught up."""
    time.sleep(max(0.0, versioning.current().last_modified + 1 - time.time()))


def test_if_modified_since_is_honoured(api, blog):
    _until_last_modified_has_passed()
    last_modified = api.get(POSTS)["Last-Modified"]
    assert api.get(POSTS, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    earlier = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert api.get(POSTS, HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_a_different_request_does_not_match_another_ones_etag(api, blog):
    etag = api.get(POSTS)["ETag"]
    assert api.get(POSTS, {"tag": "elixir"}, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_a_bad_request_is_a_400_even_with_a_matching_validator(api, blog, app):
    status, headers, _ = wsgi_get(app, POSTS)
    for query in ("tag=nope", "page=0", "ordering=x"):
        for validator in ({"if_none_match": "*"}, {"if_none_match": headers["ETag"]}):
            status, _, _ = wsgi_get(app, POSTS, query, **validator)
            assert status == 400, (query, validator)


def test_a_conditional_request_for_a_missing_post_is_a_404(api, blog, app):
    status, _, _ = wsgi_get(app, "/api/v1/posts/nope/", if_none_match="*")
    assert status == 404
    status, _, _ = wsgi_get(app, "/api/v1/posts/secret-draft/", if_none_match="*")
    assert status == 404


@pytest.mark.parametrize(
    "validator",
    ["garbage", '"', "W/", "*" * 5000, 'W/"x", "y"', "\x00", ""],
)
def test_absurd_if_none_match_values_are_harmless(api, blog, validator):
    assert api.get(POSTS, HTTP_IF_NONE_MATCH=validator).status_code == 200


@pytest.mark.parametrize(
    "value", ["yesterday", "Mon, 99 Foo 2001 99:99:99 GMT", "9" * 300, "\x00"]
)
def test_absurd_if_modified_since_values_are_ignored(api, blog, value):
    assert api.get(POSTS, HTTP_IF_MODIFIED_SINCE=value).status_code == 200


def test_errors_carry_no_validators(api, blog):
    response = api.get(POSTS, {"tag": "nope"})
    assert "ETag" not in response


# --- The WSGI layer: cheap hits ---------------------------------------------------


def test_a_repeated_request_is_answered_without_touching_the_database(
    blog, app, django_assert_num_queries
):
    first = wsgi_get(app, POSTS, "tag=engineering")
    with django_assert_num_queries(0):
        second = wsgi_get(app, POSTS, "tag=engineering")
    assert second[0] == 200
    assert second[2] == first[2]
    assert second[1]["ETag"] == first[1]["ETag"]
    assert second[1]["Content-Type"] == "application/json; charset=utf-8"


def test_a_304_from_the_wsgi_layer_touches_no_database(
    blog, app, django_assert_num_queries
):
    _, headers, _ = wsgi_get(app, "/api/v1/tags/")
    with django_assert_num_queries(0):
        status, headers_304, body = wsgi_get(
            app, "/api/v1/tags/", if_none_match=headers["ETag"]
        )
    assert (status, body) == (304, b"")
    assert headers_304["ETag"] == headers["ETag"]


@pytest.mark.parametrize("path", [POSTS, "/api/v1/posts/nope/", "/healthz"])
def test_head_through_django_sends_no_body(blog, app, path):
    status, headers, body = wsgi_get(app, path, method="HEAD")
    assert status in (200, 404)
    assert body == b""
    assert int(headers["Content-Length"]) > 0


def test_head_is_answered_without_a_body(blog, app):
    wsgi_get(app, POSTS)
    status, headers, body = wsgi_get(app, POSTS, method="HEAD")
    assert (status, body) == (200, b"")
    assert int(headers["Content-Length"]) > 0


def test_gzip_and_plain_answers_are_cached_apart(blog, app):
    plain = wsgi_get(app, "/api/v1/index/")
    zipped = wsgi_get(app, "/api/v1/index/", accept_encoding="gzip, br")
    again = wsgi_get(app, "/api/v1/index/", accept_encoding="gzip")
    assert zipped[1]["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped[2]) == plain[2]
    assert "Content-Encoding" not in plain[1]
    assert gzip.decompress(again[2]) == plain[2]


def test_with_the_response_cache_off_bodies_come_from_django_but_304s_stay_cheap(
    blog, app, settings, django_assert_num_queries, django_assert_max_num_queries
):
    settings.API_RESPONSE_CACHE = False
    _, headers, body = wsgi_get(app, POSTS)
    with django_assert_max_num_queries(3) as captured:
        status, _, second = wsgi_get(app, POSTS)
    assert status == 200
    assert second == body
    assert len(captured) >= 1
    with django_assert_num_queries(0):
        assert wsgi_get(app, POSTS, if_none_match=headers["ETag"])[0] == 304


def test_the_shared_cache_serves_another_worker(blog, app, django_assert_num_queries):
    wsgi_get(app, POSTS)
    caching.LOCAL.clear()  # as if the next request reached another process
    with django_assert_num_queries(0):
        assert wsgi_get(app, POSTS)[0] == 200


def test_an_answer_overtaken_by_a_change_while_rendering_is_kept_by_no_cache(
    blog, app, monkeypatch
):
    """Its change's purge may already have gone out: a CDN must not keep it."""
    real = versioning.current
    calls = []

    def overtaken():
        version = real()
        calls.append(version)
        if len(calls) == 1:
            return version  # read before the view ran
        return dataclasses.replace(version, token="next", number=version.number + 1)

    monkeypatch.setattr(versioning, "current", overtaken)
    status, headers, body = wsgi_get(app, POSTS)
    assert status == 200
    assert titles(body)
    assert headers["Cache-Control"] == "no-store"
    assert "ETag" not in headers
    monkeypatch.setattr(versioning, "current", real)
    with CaptureQueriesContext(connection) as rendered_again:  # nothing was stored
        assert wsgi_get(app, POSTS)[0] == 200
    assert len(rendered_again) > 0
    status, headers, _ = wsgi_get(app, POSTS)
    assert headers["Cache-Control"].startswith("public, max-age=")


def test_a_render_that_failed_on_a_read_replica_is_rendered_again_on_the_primary(
    blog, app, monkeypatch
):
    from blog import replicas

    attempts = []
    real = replicas.public_render

    @contextlib.contextmanager
    def recorded(version, *, primary=False):
        with real(version, primary=primary) as render:
            attempts.append(primary)
            yield render

    failures = iter([True])
    monkeypatch.setattr(replicas, "public_render", recorded)
    monkeypatch.setattr(
        replicas.Render, "replica_failed", lambda self: next(failures, False)
    )
    status, headers, body = wsgi_get(app, POSTS)
    assert status == 200
    assert titles(body)
    assert attempts == [False, True]  # the second on the primary
    assert "ETag" in headers


def test_a_large_body_is_kept_apart_so_a_304_never_reads_it(
    blog, app, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(caching, "SPLIT_BODY_BYTES", 100)
    _, headers, body = wsgi_get(app, POSTS)
    key = next(iter(caching.LOCAL.entries))
    caching.LOCAL.clear()  # as another worker would find it
    read = []
    real_get = caching.cache.get
    monkeypatch.setattr(
        caching.cache,
        "get",
        lambda k, *a, **kw: read.append(k) or real_get(k, *a, **kw),
    )
    with django_assert_num_queries(0):
        assert wsgi_get(app, POSTS, if_none_match=headers["ETag"])[0] == 304
    assert f"{key}:body" not in read  # the headers alone answered it
    with django_assert_num_queries(0):
        status, _, again = wsgi_get(app, POSTS)
    assert (status, again) == (200, body)
    assert f"{key}:body" in read
    caching.LOCAL.clear()
    caching.cache.delete(f"{key}:body")  # the body evicted: Django answers again
    status, _, rendered = wsgi_get(app, POSTS)
    assert (status, rendered) == (200, body)


# --- Invalidation: every change renews the version after commit ---------------------


def _change_title(post):
    post.title = "Changed"
    post.save()


INVALIDATIONS = {
    "a new post": lambda blog: PostFactory(title="Brand new"),
    "an edited post": lambda blog: _change_title(blog["posts"]["newest"]),
    "a deleted post": lambda blog: blog["posts"]["newest"].delete(),
    "an unpublished post": lambda blog: _unpublish(blog["posts"]["newest"]).save(),
    "a renamed tag": lambda blog: _rename(Tag.objects.get(slug="elixir")).save(),
    "a deleted tag": lambda blog: Tag.objects.get(slug="elixir").delete(),
    "a tag added to a post": lambda blog: blog["posts"]["oldest"].tags.add(
        blog["tags"]["elixir"]
    ),
    "a tag removed from a post": lambda blog: blog["posts"]["both"].tags.remove(
        blog["tags"]["elixir"]
    ),
    "a post's tags cleared": lambda blog: blog["posts"]["both"].tags.clear(),
    "tags set from the tag side": lambda blog: blog["tags"]["elixir"].posts.set(
        [blog["posts"]["oldest"]]
    ),
}


def _unpublish(post):
    post.status = Post.Status.DRAFT
    return post


def _rename(tag):
    tag.name = "Elixir & Erlang"
    return tag


@pytest.mark.parametrize("change", INVALIDATIONS, ids=list(INVALIDATIONS))
def test_every_change_renews_the_version_and_the_cache_follows(
    blog, app, change, django_capture_on_commit_callbacks
):
    before = versioning.current()
    _, headers, _ = wsgi_get(app, "/api/v1/index/")
    with django_capture_on_commit_callbacks(execute=True):
        INVALIDATIONS[change](blog)
    after = versioning.current()
    assert after.token != before.token
    assert after.last_modified > before.last_modified
    status, new_headers, new_body = wsgi_get(
        app, "/api/v1/index/", if_none_match=headers["ETag"]
    )
    assert status == 200
    assert new_headers["ETag"] != headers["ETag"]
    assert new_body.startswith(b'{"count":')


def test_the_version_is_renewed_only_after_the_commit(
    blog, django_capture_on_commit_callbacks
):
    before = versioning.current()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        PostFactory()
        assert versioning.current().token == before.token  # not yet committed
    assert callbacks
    for callback in callbacks:
        callback()
    assert versioning.current().token != before.token


def test_a_reader_that_rendered_before_a_commit_cannot_poison_the_cache(
    blog, app, django_capture_on_commit_callbacks
):
    # A reader reads the version, then renders old data...
    stale_version = versioning.current()
    _, _, old_body = wsgi_get(app, POSTS)
    # ...meanwhile a writer commits and renews the version...
    with django_capture_on_commit_callbacks(execute=True):
        _change_title(blog["posts"]["newest"])
    # ...and only then does the slow reader store what it rendered.
    key = caching.request_key(
        {"wsgi.url_scheme": "http", "HTTP_HOST": "testserver", "PATH_INFO": POSTS}
    )
    caching.store_entry(
        key, caching.CachedEntry(stale_version.token, 'W/"stale"', (), old_body)
    )
    status, _, body = wsgi_get(app, POSTS)
    assert status == 200
    assert "Changed" in titles(body)


def test_bulk_loads_renew_the_version(db, django_capture_on_commit_callbacks):
    from django.core.management import call_command

    before = versioning.current()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", posts=3, tags=2)
    assert versioning.current().token != before.token


# --- Scheduled posts --------------------------------------------------------------


def test_a_scheduled_post_appears_at_its_time_without_any_flush(
    blog, app, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(
            title="Arrives soon",
            published_at=timezone.now() + timedelta(seconds=1.5),
            tags=[blog["tags"]["engineering"]],
        )
    _, headers, body = wsgi_get(app, POSTS)
    assert "Arrives soon" not in titles(body)
    assert wsgi_get(app, POSTS)[2] == body  # served from the cache meanwhile
    max_age = int(headers["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 2  # downstream caches must not outlive the publish time
    time.sleep(1.6)
    status, new_headers, new_body = wsgi_get(app, POSTS, if_none_match=headers["ETag"])
    assert status == 200
    assert titles(new_body)[0] == "Arrives soon"
    assert new_headers["ETag"] != headers["ETag"]


def test_cache_control_is_the_configured_max_age_with_nothing_scheduled(
    api, db, settings
):
    settings.API_CACHE_MAX_AGE = 120
    PostFactory()
    assert api.get(POSTS)["Cache-Control"] == (
        "public, max-age=120, stale-while-revalidate=30"
    )
