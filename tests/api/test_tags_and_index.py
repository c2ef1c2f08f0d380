from types import SimpleNamespace

import pytest

from blog.related import TAGS, Directory
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_tags_are_listed_by_name_with_visible_post_counts(api, blog):
    body = api.get("/api/v1/tags/").json()
    assert [t["slug"] for t in body["results"]] == ["career", "elixir", "engineering"]
    counts = {t["slug"]: t["post_count"] for t in body["results"]}
    assert counts == {"career": 1, "elixir": 1, "engineering": 3}
    assert body["count"] == 3
    assert body["next"] is None


def test_one_tag_has_the_contract_shape(api, blog):
    body = api.get("/api/v1/tags/engineering/").json()
    seo = body.pop("seo")  # its own tests: tests/api/test_seo.py
    assert seo["canonical_url"] == "http://testserver/api/v1/tags/engineering/"
    assert body == {
        "id": str(blog["tags"]["engineering"].uuid),
        "slug": "engineering",
        "name": "Engineering",
        "description": blog["tags"]["engineering"].description,
        "post_count": 3,
        "url": "http://testserver/api/v1/tags/engineering/",
        "public_url": None,  # FRONTEND_TAG_URL is unset
    }


def test_an_unknown_tag_is_a_json_404(api, blog):
    response = api.get("/api/v1/tags/nope/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get("/api/v1/tags/nope/posts/").status_code == 404


def test_a_tag_without_visible_posts_counts_zero(api, db):
    tag = TagFactory(slug="lonely")
    PostFactory(tags=[tag], draft=True)
    assert api.get("/api/v1/tags/lonely/").json()["post_count"] == 0


def test_the_tag_page_lists_that_tags_visible_posts(api, blog):
    body = api.get("/api/v1/tags/engineering/posts/").json()
    assert [p["slug"] for p in body["results"]] == ["newest", "both", "oldest"]
    assert body["count"] == 3


def test_the_tag_page_takes_the_list_filters(api, blog):
    response = api.get("/api/v1/tags/engineering/posts/", {"tag": "elixir"})
    assert [p["slug"] for p in response.json()["results"]] == ["both"]
    response = api.get("/api/v1/tags/engineering/posts/", {"ordering": "title"})
    assert [p["slug"] for p in response.json()["results"]] == [
        "both",
        "newest",
        "oldest",
    ]


def test_tags_cost_two_queries_whatever_their_number_then_none(
    api, db, content_version, django_assert_num_queries
):
    tags = [TagFactory() for _ in range(30)]
    for tag in tags:
        PostFactory(tags=[tag])
    # The tag directory, the visible post counts, the site's settings (`seo`).
    with django_assert_num_queries(3):
        assert api.get("/api/v1/tags/", {"page_size": 100}).status_code == 200
    # All are kept for the content version: one tag or a page is then free.
    with django_assert_num_queries(0):
        assert api.get(f"/api/v1/tags/{tags[3].slug}/").status_code == 200
    with django_assert_num_queries(0):
        assert api.get("/api/v1/tags/", {"page": 2, "page_size": 7}).status_code == 200


def test_one_tag_costs_two_queries_then_none(
    api, blog, content_version, django_assert_num_queries
):
    with django_assert_num_queries(3):  # as the list: directory, counts, site
        assert api.get("/api/v1/tags/engineering/").status_code == 200
    with django_assert_num_queries(0):
        assert api.get("/api/v1/tags/elixir/").status_code == 200
    # An unknown slug may be an old one: the redirects, once per content version.
    with django_assert_num_queries(1):
        assert api.get("/api/v1/tags/nope/").status_code == 404
    with django_assert_num_queries(0):
        assert api.get("/api/v1/tags/nope-either/").status_code == 404


def test_the_tag_page_costs_four_queries_then_one(
    api, blog, content_version, django_assert_num_queries
):
    # The tag and author directories, the count, the page.
    with django_assert_num_queries(4):
        assert api.get("/api/v1/tags/engineering/posts/").status_code == 200
    with django_assert_num_queries(1):
        assert api.get("/api/v1/tags/engineering/posts/?page_size=1").status_code == 200


def test_the_index_lists_every_visible_post_compactly(api, blog):
    body = api.get("/api/v1/index/").json()
    assert body["count"] == 4
    assert [e["slug"] for e in body["results"]] == [
        "newest", "career-post", "both", "oldest",
    ]  # fmt: skip
    both = body["results"][2]
    assert set(both) == {
        "slug", "title", "summary", "published_at", "tags", "authors",
    }  # fmt: skip
    assert both["tags"] == ["elixir", "engineering"]
    assert both["published_at"].endswith("Z")
    assert "." not in both["published_at"]


def test_the_index_is_not_paginated(api, db):
    PostFactory.create_batch(130)
    body = api.get("/api/v1/index/").json()
    assert body["count"] == len(body["results"]) == 130


def test_the_index_costs_five_queries_then_one_and_reads_no_bodies(
    api, db, content_version, django_assert_num_queries
):
    PostFactory.create_batch(50, tags=[TagFactory()])
    # Tags, authors, tag links, byline links, posts.
    with django_assert_num_queries(5) as captured:
        assert api.get("/api/v1/index/").status_code == 200
    for query in captured.captured_queries:
        assert '"body"' not in query["sql"]
        assert "body_html" not in query["sql"]
    with django_assert_num_queries(1):  # the directories and slugs kept per version
        assert api.get("/api/v1/index/").status_code == 200


def test_the_api_root_links_every_collection(api, db):
    body = api.get("/api/v1/").json()
    assert body["posts"] == "http://testserver/api/v1/posts/"
    assert body["index"] == "http://testserver/api/v1/index/"
    assert body["tags"] == "http://testserver/api/v1/tags/"
    assert body["sitemap"] == "http://testserver/api/v1/sitemap.xml"
    assert body["feeds"] == {
        "rss": "http://testserver/api/v1/feeds/rss/",
        "atom": "http://testserver/api/v1/feeds/atom/",
        "json": "http://testserver/api/v1/feeds/json/",
    }


def test_health_checks(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_readyz_is_a_503_when_the_database_is_down(client, db, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_the_index_lists_post_tags_in_name_order_like_every_other_endpoint(api, db):
    names = {"zeta": "Zeta", "alpha": "alpha", "beta": "Beta"}
    tags = [TagFactory(slug=slug, name=name) for slug, name in names.items()]
    PostFactory(slug="tagged", tags=tags)
    in_name_order = ["beta", "zeta", "alpha"]  # code-point order: B < Z < a

    entry = api.get("/api/v1/index/").json()["results"][0]
    assert entry["tags"] == in_name_order
    post = api.get("/api/v1/posts/tagged/").json()
    assert [tag["slug"] for tag in post["tags"]] == in_name_order


def test_the_directory_groups_links_by_post_in_name_order():
    directory = Directory(
        TAGS,
        [
            SimpleNamespace(pk=1, slug="zeta", name="Zeta"),
            SimpleNamespace(pk=2, slug="alpha", name="alpha"),
            SimpleNamespace(pk=3, slug="beta", name="Beta"),
        ],
    )
    links = [(1, 10), (2, 10), (3, 10), (2, 11), (99, 11), (99, 12)]
    slugs = directory.slugs_by_post(links)
    # Code-point order (B < Z < a); a tag the directory does not know is left out.
    assert slugs == {10: ["beta", "zeta", "alpha"], 11: ["alpha"]}
