"""Every cacheable answer names what it shows in `CACHE_TAG_HEADER`, and the keys a
change purges (`blog.event_rules.surrogate_keys`) reach every answer that showed it."""

import pytest

from api import caching
from blog import event_rules
from blog.models import Post
from blog.outbox import Event
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db


def _environ(path: str) -> dict:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": "",
               "SERVER_NAME": "testserver", "HTTP_HOST": "testserver",
               "wsgi.url_scheme": "http"}  # fmt: skip
    caching.prepare(environ)
    return environ


def keys(response, header="Surrogate-Key") -> set[str]:
    return set(response[header].split())


def test_a_post_page_names_the_post_its_tags_neighbours_and_related_posts(api, blog):
    posts, tags = blog["posts"], blog["tags"]
    response = api.get("/api/v1/posts/both/")
    assert keys(response) >= {
        f"post-{posts['both'].uuid}",
        f"tag-{tags['engineering'].uuid}",
        f"tag-{tags['elixir'].uuid}",
        f"post-{posts['oldest'].uuid}",  # previous
        f"post-{posts['career'].uuid}",  # next
        f"post-{posts['newest'].uuid}",  # related
    }
    assert f"post-{posts['draft'].uuid}" not in keys(response)
    assert f"post-{posts['scheduled'].uuid}" not in keys(response)


def test_lists_carry_their_collection_and_every_post_they_show(api, blog):
    response = api.get("/api/v1/posts/", {"page_size": 2})
    shown = [post["id"] for post in response.json()["results"]]
    assert keys(response) >= {"posts", *(f"post-{pk}" for pk in shown)}
    tag_page = api.get("/api/v1/tags/elixir/posts/")
    assert keys(tag_page) >= {"posts", f"tag-{blog['tags']['elixir'].uuid}"}
    assert keys(api.get("/api/v1/index/")) == {"posts", "tags", "authors"}
    tag_list = api.get("/api/v1/tags/")
    assert keys(tag_list) >= {"tags", f"tag-{blog['tags']['elixir'].uuid}"}
    assert keys(api.get("/api/v1/tags/elixir/")) == {
        "tags",
        f"tag-{blog['tags']['elixir'].uuid}",
    }


def test_a_404_carries_the_collection_that_publishing_it_purges(api, blog):
    response = api.get("/api/v1/posts/future-post/")
    assert response.status_code == 404
    assert keys(response) == {"posts"}
    assert keys(api.get("/api/v1/tags/nope/")) == {"tags"}


def test_a_cached_answer_replays_its_keys(production_app, blog, content_version):
    _, first, _ = wsgi_get(production_app, "/api/v1/posts/both/")
    entry = caching.find_entry(
        caching.request_key(_environ("/api/v1/posts/both/")), content_version.token
    )
    assert entry is not None  # the second answer comes from the cache
    _, second, _ = wsgi_get(production_app, "/api/v1/posts/both/")
    assert second["Surrogate-Key"] == first["Surrogate-Key"]
    assert f"post-{blog['posts']['both'].uuid}" in second["Surrogate-Key"]


def test_cache_tag_is_comma_separated_and_an_empty_name_turns_keys_off(
    api, blog, settings
):
    settings.CACHE_TAG_HEADER = "Cache-Tag"
    tagged = api.get("/api/v1/tags/elixir/")
    assert set(tagged["Cache-Tag"].split(",")) == {
        "tags",
        f"tag-{blog['tags']['elixir'].uuid}",
    }
    settings.CACHE_TAG_HEADER = ""
    assert not any(
        name.lower() in {"surrogate-key", "cache-tag"}
        for name in api.get("/api/v1/posts/").headers
    )


def test_a_publish_purges_a_key_of_every_answer_it_changes(
    api, blog, django_capture_on_commit_callbacks
):
    """The post itself, its neighbours' pages, its tags' pages and every list."""
    posts = blog["posts"]
    before = {
        path: keys(api.get(path))
        for path in (
            "/api/v1/posts/newest/",  # its neighbour: `next` changes
            "/api/v1/posts/",
            "/api/v1/tags/elixir/",  # post_count changes
            "/api/v1/posts/future-post/",  # a 404 now
            "/api/v1/index/",
        )
    }
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        scheduled = Post.objects.get(pk=posts["scheduled"].pk)
        scheduled.published_at = posts["newest"].published_at.replace(year=2025)
        scheduled.save()
    # Its byline's "Drafts Only" author had no visible post: now readers see them.
    assert sorted(Event.objects.values_list("type", flat=True)) == [
        "author.created", "post.published",
    ]  # fmt: skip
    event = Event.objects.get(type="post.published")
    purged = set(event.data["surrogate_keys"])
    for path, answer_keys in before.items():
        assert answer_keys & purged, path
    assert event_rules.surrogate_keys("post", event.data["post"]) == [
        key for key in event.data["surrogate_keys"] if key in purged
    ]


def test_every_public_endpoint_declares_its_surrogate_keys():
    """A new cacheable endpoint without keys would never be purged at the CDN."""
    from api import urls

    undeclared = [
        str(pattern.pattern)
        for pattern in urls.urlpatterns
        if (policy := caching.declared_policy(pattern.callback)) is not None
        and policy.public
        and pattern.callback is not urls.views.not_found  # no content to name
        and policy.keys is None
    ]
    assert undeclared == []
