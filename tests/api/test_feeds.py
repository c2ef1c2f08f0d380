"""Feeds (the contract's "Feeds"): RSS 2.0, Atom 1.0 and JSON Feed 1.1, site-wide
and per tag, with the JSON API's visibility and caching."""

import json
from datetime import timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import jsonschema
import pytest
from django.utils import timezone

from blog.models import Post, Site
from tests.factories import PostFactory, TagFactory
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text()
)
ATOM = "{http://www.w3.org/2005/Atom}"
TYPES = {
    "rss": "application/rss+xml; charset=utf-8",
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}


def parsed(api, path: str):
    response = api.get(path)
    assert response.status_code == 200, response.content[:300]
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.mark.parametrize("name", ["rss", "atom", "json"])
def test_each_feed_has_its_content_type_and_only_visible_posts(api, blog, name):
    response = api.get(f"/api/v1/feeds/{name}/")
    assert response.status_code == 200
    assert response["Content-Type"] == TYPES[name]
    body = response.content.decode()
    assert "Newest" in body
    assert "Oldest" in body
    assert "secret-draft" not in body
    assert "future-post" not in body
    assert response["ETag"]
    assert response["Last-Modified"]
    assert "posts" in response["Surrogate-Key"].split()


def test_rss_items_carry_full_content_stable_guids_and_categories(api, blog, settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/writing/{slug}"
    feed = parsed(api, "/api/v1/feeds/rss/")
    both = next(entry for entry in feed.entries if entry.title == "Both tags")
    post = blog["posts"]["both"]
    assert both.id == f"urn:uuid:{post.uuid}"
    assert both.guidislink is False
    assert both.link == "https://www.example.com/writing/both"
    assert '<h2 id="why-it-matters">' in both.content[0].value
    assert {tag.term for tag in both.tags} == {"Elixir", "Engineering"}
    assert feed.feed.links[0].rel in {"alternate", "self"}


def test_atom_has_the_required_elements_of_rfc_4287(api, blog):
    root = ElementTree.fromstring(api.get("/api/v1/feeds/atom/").content)
    for name in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{name}") is not None, name
    links = root.findall(f"{ATOM}link")
    self_link = [link for link in links if link.get("rel") == "self"]
    assert self_link[0].get("href") == "http://testserver/api/v1/feeds/atom/"
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 4
    for entry in entries:
        for name in ("id", "title", "updated", "published", "content", "summary"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}content").get("type") == "html"
    parsed(api, "/api/v1/feeds/atom/")


def test_json_feed_follows_the_1_1_specification(api, blog):
    document = api.get("/api/v1/feeds/json/").json()
    jsonschema.validate(document, SCHEMA)
    assert document["feed_url"] == "http://testserver/api/v1/feeds/json/"
    first = document["items"][0]
    assert first["title"] == "Newest"
    assert first["id"] == f"urn:uuid:{blog['posts']['newest'].uuid}"
    assert first["date_published"].endswith("Z")


def test_a_tag_feed_lists_that_tags_posts_and_an_unknown_tag_is_the_json_404(api, blog):
    feed = parsed(api, "/api/v1/tags/elixir/feeds/rss/")
    assert [entry.title for entry in feed.entries] == ["Both tags"]
    assert "Elixir" in feed.feed.title
    missing = api.get("/api/v1/tags/nope/feeds/atom/")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404


def test_relative_links_in_content_are_made_absolute_against_site_url(
    api, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://www.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(
            body="[about](/about/) ![chart](img/c.png) [x](#notes) [y](https://a.example/)"
        )
    content = parsed(api, "/api/v1/feeds/rss/").entries[0].content[0].value
    assert 'href="https://www.example.com/about/"' in content
    assert 'src="https://www.example.com/img/c.png"' in content
    assert 'href="#notes"' in content
    assert 'href="https://a.example/"' in content


def test_control_characters_never_break_a_feed(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(title="Bell\x07 and \x1b escape", summary="start\x01 of heading",
                    body="Text with \x0b vertical tab")  # fmt: skip
    for name in ("rss", "atom"):
        feed = parsed(api, f"/api/v1/feeds/{name}/")
        assert feed.entries[0].title == "Bell and  escape"
    assert api.get("/api/v1/feeds/json/").json()["items"][0]["title"] == (
        "Bell and  escape"
    )


def test_a_scheduled_post_appears_at_its_time_with_no_flush(
    api, blog, django_capture_on_commit_callbacks
):
    from blog import versioning
    from blog.models import ContentRevision

    etag = api.get("/api/v1/feeds/rss/")["ETag"]
    assert (
        blog["posts"]["scheduled"].title
        not in api.get("/api/v1/feeds/rss/").content.decode()
    )
    # Its time comes: scheduled ten seconds ago, live since one second ago.
    now = timezone.now()
    ContentRevision.objects.update(changed_at=now - timedelta(seconds=10))
    Post.objects.filter(pk=blog["posts"]["scheduled"].pk).update(
        published_at=now - timedelta(seconds=1)
    )
    versioning.KEEPER.forget()  # as the rollover at its publish time does
    response = api.get("/api/v1/feeds/rss/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert blog["posts"]["scheduled"].title in response.content.decode()


def test_a_guid_survives_a_slug_change(api, blog, django_capture_on_commit_callbacks):
    before = {e.title: e.id for e in parsed(api, "/api/v1/feeds/atom/").entries}
    with django_capture_on_commit_callbacks(execute=True):
        post = Post.objects.get(slug="oldest")
        post.slug = "the-oldest"
        post.save()
    after = {e.title: e.id for e in parsed(api, "/api/v1/feeds/atom/").entries}
    assert after["Oldest"] == before["Oldest"]


def test_feeds_answer_304_and_refuse_other_methods(api, blog):
    first = api.get("/api/v1/feeds/json/")
    again = api.get("/api/v1/feeds/json/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    refused = api.post("/api/v1/feeds/rss/")
    assert refused.status_code == 405
    assert refused.json()["status"] == 405


@pytest.mark.parametrize("name", ["rss", "atom", "json"])
def test_a_feed_costs_one_query_for_its_posts_whatever_their_number(
    api, content_version, django_assert_num_queries, name, settings
):
    tags = [TagFactory() for _ in range(3)]
    for n in range(25):
        PostFactory(tags=tags[: n % 3 + 1])
    Site.current()  # made on first use: once per database, not per feed
    # The tag and author directories, the site's settings (title, description),
    # the posts with their tag and author ids.
    with django_assert_num_queries(4):
        assert api.get(f"/api/v1/feeds/{name}/").status_code == 200
    # The directories and the site's settings are kept for the content version.
    settings.FEED_ITEMS = 5
    with django_assert_num_queries(1):
        response = api.get(f"/api/v1/tags/{tags[0].slug}/feeds/{name}/")
    assert response.status_code == 200
    assert response.content.count(b"urn:uuid:") == 5


@pytest.mark.parametrize("method", ["POST", "DELETE", "QUERY"])
def test_other_methods_are_the_json_405_on_every_feed_and_sitemap(blog, method):
    from django.test import Client

    from api.schema import plain_routes

    client = Client(enforce_csrf_checks=True)  # as a browser or a fuzzer meets it
    paths = [path for path, _view in plain_routes() if "^" not in path]
    assert len(paths) == 11  # site, tag and author feeds; the sitemap and sections
    for path in paths:
        concrete = path.replace("{slug}", "engineering").replace("{section}", "posts")
        response = client.generic(method, concrete)
        assert response.status_code == 405, (concrete, response.content[:200])
        assert response.json()["status"] == 405
        assert response["Allow"] == "GET, HEAD"


def test_a_warm_feed_is_answered_by_the_early_cache_layer(
    production_app, blog, content_version, django_assert_num_queries
):
    accept = {"accept": "application/rss+xml"}  # a feed reader's, not JSON
    status, _headers, body = wsgi_get(production_app, "/api/v1/feeds/rss/", **accept)
    assert status == 200
    with django_assert_num_queries(0):
        again = wsgi_get(production_app, "/api/v1/feeds/rss/", **accept)
    assert again[0] == 200
    assert again[2] == body
    assert again[1]["Content-Type"] == TYPES["rss"]


def test_hostile_markdown_stays_sanitised_and_the_feed_well_formed(
    api, django_capture_on_commit_callbacks
):
    from tests.html_safety import executable_parts

    corpus = [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "<svg><foreignObject><script>alert(1)</script></foreignObject></svg>",
        "]]></content:encoded><evil/>",
    ]
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(20):
            PostFactory(body=corpus[n % len(corpus)] + f"\n\nPost {n}")
    # Read the raw XML: feedparser sanitises content itself, which would hide a leak.
    rss = ElementTree.fromstring(api.get("/api/v1/feeds/rss/").content)
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    atom = ElementTree.fromstring(api.get("/api/v1/feeds/atom/").content)
    contents = [item.find(encoded).text for item in rss.iter("item")]
    contents += [
        entry.find(f"{ATOM}content").text for entry in atom.iter(f"{ATOM}entry")
    ]
    assert len(contents) == 40
    for html in contents:
        assert executable_parts(html) == [], html
    for name in ("rss", "atom"):
        assert len(parsed(api, f"/api/v1/feeds/{name}/").entries) == 20
