"""Counts and the tag directory kept per content version (`blog.derived`): computed
once per version, never served after a change, never kept outside a request."""

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from blog import derived, versioning
from blog.models import Post
from tests.factories import PostFactory, TagFactory, make_image
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(production_app, settings):
    """The production stack with the response cache off: every answer is rendered,
    so only the per-version values can carry anything from one request to the next."""
    settings.API_RESPONSE_CACHE = False
    derived.forget_everything()
    yield production_app
    derived.forget_everything()


def get_json(app, path: str, query: str = "") -> dict:
    status, _, body = wsgi_get(app, path, query)
    assert status == 200, body
    return json.loads(body)


def counts(app) -> dict:
    """Every count a reader sees: lists, the tag page, the tag list, one tag."""
    tags = get_json(app, "/api/v1/tags/")["results"]
    return {
        "posts": get_json(app, "/api/v1/posts/")["count"],
        "by tag": get_json(app, "/api/v1/posts/", "tag=engineering")["count"],
        "tag page": get_json(app, "/api/v1/tags/engineering/posts/")["count"],
        "tag list": {tag["slug"]: tag["post_count"] for tag in tags},
        "one tag": get_json(app, "/api/v1/tags/engineering/")["post_count"],
        "index": get_json(app, "/api/v1/index/")["count"],
    }


def test_a_committed_change_shows_in_every_count_at_once(
    blog, app, django_capture_on_commit_callbacks
):
    before = counts(app)
    assert before["by tag"] == before["one tag"] == 3
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(tags=[blog["tags"]["engineering"]])
    after = counts(app)
    assert after["posts"] == before["posts"] + 1
    assert after["by tag"] == after["tag page"] == after["one tag"] == 4
    assert after["tag list"]["engineering"] == 4
    assert after["index"] == before["index"] + 1


def test_an_unpublished_post_leaves_every_count_at_once(
    blog, app, django_capture_on_commit_callbacks
):
    counts(app)
    with django_capture_on_commit_callbacks(execute=True):
        post = blog["posts"]["newest"]
        post.status = Post.Status.DRAFT
        post.save()
    after = counts(app)
    assert after["by tag"] == after["one tag"] == after["tag page"] == 2
    assert after["tag list"]["engineering"] == 2


def test_a_new_tag_and_a_renamed_tag_reach_filters_and_lists(
    blog, app, django_capture_on_commit_callbacks
):
    assert wsgi_get(app, "/api/v1/posts/", "tag=rust")[0] == 400  # unknown tag
    with django_capture_on_commit_callbacks(execute=True):
        rust = TagFactory(slug="rust", name="Rust")
        PostFactory(tags=[rust])
        elixir = blog["tags"]["elixir"]
        elixir.name = "Elixir & Erlang"
        elixir.save()
    assert get_json(app, "/api/v1/posts/", "tag=rust")["count"] == 1
    names = {
        tag["slug"]: tag["name"] for tag in get_json(app, "/api/v1/tags/")["results"]
    }
    assert names["rust"] == "Rust"
    assert names["elixir"] == "Elixir & Erlang"


def index_links(app) -> dict:
    return {
        entry["slug"]: (entry["tags"], entry["authors"])
        for entry in get_json(app, "/api/v1/index/")["results"]
    }


def test_new_tags_bylines_and_slugs_reach_the_index_at_once(
    blog, app, django_capture_on_commit_callbacks
):
    before = index_links(app)
    assert before["newest"] == (["engineering"], ["grace"])
    assert index_links(app) == before  # the second read, from the kept slugs
    with django_capture_on_commit_callbacks(execute=True):
        post = blog["posts"]["newest"]
        post.tags.add(blog["tags"]["elixir"])
        post.authors.add(blog["authors"]["ada"], through_defaults={"sort_order": 1})
    assert index_links(app)["newest"] == (["elixir", "engineering"], ["grace", "ada"])
    with django_capture_on_commit_callbacks(execute=True):
        elixir = blog["tags"]["elixir"]
        elixir.slug = "elixir-lang"
        elixir.save()
    assert index_links(app)["newest"][0] == ["elixir-lang", "engineering"]


def test_a_scheduled_post_enters_the_counts_at_its_time(
    blog, app, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(
            published_at=timezone.now() + timedelta(seconds=1.5),
            tags=[blog["tags"]["engineering"]],
        )
    before = counts(app)
    assert before["by tag"] == before["one tag"] == 3
    time.sleep(1.6)
    after = counts(app)
    assert after["by tag"] == after["tag page"] == after["one tag"] == 4
    assert after["tag list"]["engineering"] == 4


def test_a_changed_cover_shows_at_once_in_lists_and_on_the_post(
    blog, app, django_capture_on_commit_callbacks
):
    post = blog["posts"]["newest"]
    post.feature_image = make_image(alt="Before")
    post.save()
    path = f"/api/v1/posts/{post.slug}/"
    assert get_json(app, "/api/v1/posts/")["results"][0]["feature_image"]["alt"] == (
        "Before"
    )
    assert get_json(app, path)["feature_image"]["alt"] == "Before"  # both kept
    with django_capture_on_commit_callbacks(execute=True):
        image = post.feature_image
        image.alt = "After"
        image.save()
    listed = get_json(app, "/api/v1/posts/")["results"][0]
    assert listed["slug"] == post.slug
    assert listed["feature_image"]["alt"] == "After"
    assert get_json(app, path)["feature_image"]["alt"] == "After"


def test_a_count_is_computed_once_per_version_and_filters(
    blog, app, django_assert_num_queries
):
    versioning.current()
    wsgi_get(app, "/api/v1/posts/", "tag=engineering")  # directory, count, page
    with django_assert_num_queries(1):  # the page's rows only
        wsgi_get(app, "/api/v1/posts/", "tag=engineering&page_size=2&page=2")
    with django_assert_num_queries(2):  # other filters: their count, the page
        wsgi_get(app, "/api/v1/posts/", "tag=elixir")


# --- The memo itself --------------------------------------------------------------


def version(token: str) -> versioning.ContentVersion:
    return versioning.ContentVersion(token, 0, None)


def test_without_a_pinned_version_every_value_is_computed_afresh():
    memo = derived.PerVersion(max_entries=8)
    calls = []
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 1
    assert memo.get("k", lambda: calls.append(1) or len(calls)) == 2
    assert memo.entries == {}


def test_a_value_is_kept_for_its_version_only():
    memo = derived.PerVersion(max_entries=8)
    with versioning.pinning(version("a")):
        assert memo.get("k", lambda: "first") == "first"
        assert memo.get("k", lambda: "not computed") == "first"
    with versioning.pinning(version("b")):
        assert memo.get("k", lambda: "second") == "second"
    assert versioning.pinned() is None


def test_the_memo_is_bounded():
    memo = derived.PerVersion(max_entries=3)
    with versioning.pinning(version("a")):
        for key in range(10):
            memo.get(key, lambda key=key: key)
    assert [key for _, key in memo.entries] == [7, 8, 9]


def test_values_remembered_for_a_version_are_known_for_it_only():
    memo = derived.PerVersion(max_entries=3)
    memo.remember({1: "outside a request"})
    assert memo.entries == {}
    with versioning.pinning(version("a")):
        memo.remember({1: "one", 2: "two"})
        assert memo.known([1, 2, 3]) == {1: "one", 2: "two"}
        memo.remember({3: "three", 4: "four"})
        assert memo.known([1, 2, 3, 4]) == {2: "two", 3: "three", 4: "four"}
    with versioning.pinning(version("b")):
        assert memo.known([2, 3, 4]) == {}
    assert memo.known([2]) == {}
