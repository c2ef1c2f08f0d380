"""Sitemaps of the front-end's pages (the contract's "Sitemaps")."""

from datetime import UTC
from xml.etree import ElementTree

import pytest

from api import sitemaps
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def front_end(settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/writing/{slug}"
    settings.FRONTEND_TAG_URL = "https://www.example.com/topics/{slug}/"


def locations(response) -> list[str]:
    root = ElementTree.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{NS}loc")]


def test_the_index_lists_each_configured_section_with_its_lastmod(api, blog, front_end):
    response = api.get("/api/v1/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    entries = {
        entry.find(f"{NS}loc").text: entry.find(f"{NS}lastmod").text
        for entry in root.iter(f"{NS}sitemap")
    }
    assert set(entries) == {
        "http://testserver/api/v1/sitemaps/posts.xml",
        "http://testserver/api/v1/sitemaps/tags.xml",
    }
    newest = blog["posts"]["newest"]
    assert entries["http://testserver/api/v1/sitemaps/posts.xml"].startswith(
        f"{max(newest.updated_at, newest.published_at):%Y-%m-%d}"
    )
    assert "sitemap" in response["Surrogate-Key"].split()


def test_sections_list_front_end_urls_of_visible_content_only(api, blog, front_end):
    posts = locations(api.get("/api/v1/sitemaps/posts.xml"))
    assert "https://www.example.com/writing/both" in posts
    assert len(posts) == 4  # no draft, no scheduled post
    assert not any("secret-draft" in url or "future-post" in url for url in posts)
    tags = locations(api.get("/api/v1/sitemaps/tags.xml"))
    assert set(tags) == {
        "https://www.example.com/topics/engineering/",
        "https://www.example.com/topics/elixir/",
        "https://www.example.com/topics/career/",
    }


def test_each_url_carries_its_resources_last_change(api, blog, front_end):
    root = ElementTree.fromstring(api.get("/api/v1/sitemaps/posts.xml").content)
    lastmods = {
        url.find(f"{NS}loc").text: url.find(f"{NS}lastmod").text
        for url in root.iter(f"{NS}url")
    }
    post = blog["posts"]["both"]
    changed = max(post.updated_at, post.published_at).astimezone(UTC)
    assert lastmods["https://www.example.com/writing/both"] == (
        f"{changed:%Y-%m-%dT%H:%M:%SZ}"
    )
    tags = ElementTree.fromstring(api.get("/api/v1/sitemaps/tags.xml").content)
    assert all(url.find(f"{NS}lastmod").text for url in tags.iter(f"{NS}url"))


def test_a_section_whose_template_is_unset_is_left_out(api, blog, settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/writing/{slug}"
    settings.FRONTEND_TAG_URL = ""
    assert locations(api.get("/api/v1/sitemap.xml")) == [
        "http://testserver/api/v1/sitemaps/posts.xml"
    ]
    assert api.get("/api/v1/sitemaps/tags.xml").status_code == 404


def test_a_tag_whose_posts_are_all_hidden_is_not_listed(
    api, front_end, django_capture_on_commit_callbacks
):
    from tests.factories import TagFactory

    with django_capture_on_commit_callbacks(execute=True):
        hidden = TagFactory(slug="hidden")
        PostFactory(draft=True, tags=[hidden])
        PostFactory(scheduled=True, tags=[hidden])
    assert locations(api.get("/api/v1/sitemaps/tags.xml")) == []


@pytest.mark.parametrize(
    ("page", "status"), [("2", 404), ("0", 400), ("x", 400), ("-1", 400), ("²", 400)]
)
def test_bad_pages_are_json_errors(api, blog, front_end, page, status):
    response = api.get("/api/v1/sitemaps/posts.xml", {"p": page})
    assert response.status_code == status
    assert response.json()["status"] == status


def test_a_section_splits_at_its_limit(
    api, front_end, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(sitemaps.PostSitemap, "limit", 2)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            PostFactory()
    index = locations(api.get("/api/v1/sitemap.xml"))
    assert "http://testserver/api/v1/sitemaps/posts.xml?p=3" in index
    pages = [locations(api.get("/api/v1/sitemaps/posts.xml", {"p": n})) for n in "123"]
    assert [len(page) for page in pages] == [2, 2, 1]
    # As on every endpoint: an empty parameter is ignored, the last value counts.
    assert locations(api.get("/api/v1/sitemaps/posts.xml?p=")) == pages[0]
    assert locations(api.get("/api/v1/sitemaps/posts.xml?p=1&p=3")) == pages[2]


def test_sitemaps_answer_304(api, blog, front_end):
    etag = api.get("/api/v1/sitemap.xml")["ETag"]
    assert api.get("/api/v1/sitemap.xml", HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert api.post("/api/v1/sitemap.xml").status_code == 405


def test_the_index_reads_each_sections_lastmod_in_one_query(
    api, blog, front_end, content_version, django_assert_num_queries
):
    with django_assert_num_queries(4):  # per section: its count, its lastmod
        assert api.get("/api/v1/sitemap.xml").status_code == 200


@pytest.mark.parametrize("name", ["posts", "tags"])
def test_a_section_costs_two_queries_whatever_its_size(
    api, blog, front_end, content_version, django_assert_num_queries, name
):
    for _ in range(10):
        PostFactory(tags=[blog["tags"]["engineering"]])
    with django_assert_num_queries(2):  # its count, its page of URLs
        assert api.get(f"/api/v1/sitemaps/{name}.xml").status_code == 200
