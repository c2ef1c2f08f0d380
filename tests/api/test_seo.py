"""`seo` in the API (posts, tags, authors), its cost, the sitemaps' `noindex`, and
the admin's preview answering the same values."""

import json
import re
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
import yaml
from django.urls import reverse

from blog.json_ld import REQUIRED_KEYS
from blog.models import Author, Post, Tag
from tests.api.test_schema import COMMITTED
from tests.blog.test_admin import current_form_data
from tests.factories import AuthorFactory, PostFactory, TagFactory, make_image

pytestmark = pytest.mark.django_db
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
FAR_FUTURE = datetime(2030, 1, 1, tzinfo=UTC)


def absolute_urls_only(value, key: str = "") -> None:
    if isinstance(value, dict):
        for name, item in value.items():
            absolute_urls_only(item, name)
    elif isinstance(value, list):
        for item in value:
            absolute_urls_only(item, key)
    elif key in {"url", "@id", "canonical_url", "sameAs"}:
        assert re.match(r"^https?://[^/\s]+/", value), (key, value)


@pytest.fixture
def dressed(db):
    """A post with everything `seo` reads: a byline, tags, a feature image, its
    own social images and texts."""
    grace = AuthorFactory(slug="grace", name="Grace Hopper", bio="Admiral.")
    ada = AuthorFactory(slug="ada", name="Ada Lovelace", avatar=make_image(alt="Ada"))
    tag = TagFactory(slug="compilers", name="Compilers", og_image=make_image())
    cover, card, bird = (make_image(alt=alt) for alt in ("Cover", "Card", "Bird"))
    post = PostFactory(
        slug="first-compiler",
        title="The first compiler",
        summary="How A-0 came to be.",
        tags=[tag],
        authors=[grace, ada],
        feature_image=cover,
        og_image=card,
        twitter_image=bird,
        meta_title="A-0, the first compiler",
        og_description="From the Harvard Mark I to A-0.",
    )
    return {"post": post, "tag": tag, "authors": [grace, ada], "images": (cover, card)}


def test_a_posts_seo_applies_every_fallback(api, dressed):
    seo = api.get("/api/v1/posts/first-compiler/").json()["seo"]
    card = dressed["images"][1]
    assert seo["title"] == "A-0, the first compiler"
    assert seo["description"] == "How A-0 came to be."
    assert seo["canonical_url"] == "http://testserver/api/v1/posts/first-compiler/"
    assert seo["robots"] == {"index": True, "follow": True}
    assert seo["open_graph"] == {
        "type": "article",
        "title": "A-0, the first compiler",
        "description": "From the Harvard Mark I to A-0.",
        "url": seo["canonical_url"],
        "site_name": "writing-api",
        "image": {
            "url": f"http://testserver/media/{card.social['name']}",
            "width": 1200,
            "height": 630,
            "alt": "Card",
        },
    }
    assert seo["twitter"]["card"] == "summary_large_image"
    assert seo["twitter"]["image"]["alt"] == "Bird"
    assert seo["twitter"]["description"] == "How A-0 came to be."
    data = seo["json_ld"]
    assert REQUIRED_KEYS["BlogPosting"] <= set(data)
    assert [person["name"] for person in data["author"]] == [
        "Grace Hopper",
        "Ada Lovelace",
    ]
    assert data["author"][1]["url"] == "http://testserver/api/v1/authors/ada/"
    absolute_urls_only(seo)
    assert json.loads(json.dumps(seo)) == seo


def test_public_urls_make_the_canonical_and_the_bylines_urls(api, dressed, settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/posts/{slug}/"
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/people/{slug}/"
    seo = api.get("/api/v1/posts/first-compiler/").json()["seo"]
    assert seo["canonical_url"] == "https://www.example.com/posts/first-compiler/"
    assert seo["json_ld"]["mainEntityOfPage"]["@id"] == seo["canonical_url"]
    assert seo["json_ld"]["author"][0]["url"] == "https://www.example.com/people/grace/"


def test_post_summaries_carry_no_seo(api, dressed):
    PostFactory(tags=[dressed["tag"]])
    listed = api.get("/api/v1/posts/").json()["results"]
    assert not any("seo" in post for post in listed)
    related = api.get("/api/v1/posts/first-compiler/").json()["related"]
    assert related
    assert not any("seo" in post for post in related)


def test_a_tags_and_an_authors_seo(api, dressed):
    tag = api.get("/api/v1/tags/compilers/").json()["seo"]
    assert (tag["title"], tag["open_graph"]["type"]) == ("Compilers", "website")
    assert tag["json_ld"]["@type"] == "CollectionPage"
    assert tag["open_graph"]["image"]["width"] == 1200
    absolute_urls_only(tag)
    author = api.get("/api/v1/authors/grace/").json()["seo"]
    assert (author["title"], author["description"]) == ("Grace Hopper", "Admiral.")
    assert author["open_graph"]["type"] == "profile"
    assert author["open_graph"]["image"] is None  # no cover, no avatar, no default
    assert author["twitter"]["card"] == "summary"
    assert author["json_ld"]["mainEntity"]["name"] == "Grace Hopper"
    ada = api.get("/api/v1/authors/ada/").json()["seo"]
    assert ada["open_graph"]["image"]["alt"] == "Ada"  # the avatar, cropped
    absolute_urls_only(author)


def test_noindex_reaches_the_api(api, db):
    PostFactory(slug="hidden", noindex=True)
    assert api.get("/api/v1/posts/hidden/").json()["seo"]["robots"] == {
        "index": False,
        "follow": True,
    }


def test_a_preview_carries_seo_without_dates_for_an_undated_draft(api, db):
    from blog import preview

    draft = PostFactory(draft=True, title="Not yet")
    body = api.get(f"/api/v1/preview/{preview.make_token(draft.pk)}/").json()
    assert body["seo"]["title"] == "Not yet"
    assert "datePublished" not in body["seo"]["json_ld"]


def test_webhook_bodies_carry_seo_with_api_public_url(dressed):
    from api.snapshots import post_shape

    shape = post_shape(Post.objects.for_detail().get(pk=dressed["post"].pk))
    assert shape["seo"]["canonical_url"] == (
        "http://127.0.0.1:8000/api/v1/posts/first-compiler/"
    )
    assert shape["seo"]["open_graph"]["image"]["url"].startswith("http://127.0.0.1")


def test_the_schema_documents_seo_on_posts_tags_and_authors_only():
    schemas = yaml.safe_load(COMMITTED.read_text())["components"]["schemas"]
    assert schemas["Post"]["properties"]["seo"]["allOf"][0]["$ref"].endswith("PostSeo")
    assert "seo" not in schemas["PostSummary"]["properties"]
    for shape, json_ld in (("Tag", "CollectionPage"), ("Author", "ProfilePage")):
        assert "seo" in schemas[shape]["required"]
        seo = schemas[f"{shape}Seo"]
        assert seo["properties"]["json_ld"]["$ref"].endswith(json_ld)
    assert set(schemas["BlogPosting"]["required"]) == REQUIRED_KEYS["BlogPosting"]
    assert set(schemas["ProfilePage"]["required"]) == REQUIRED_KEYS["ProfilePage"]
    assert set(schemas["CollectionPage"]["required"]) == REQUIRED_KEYS["CollectionPage"]


# --- What it costs ---------------------------------------------------------------


def test_a_posts_own_social_images_cost_the_detail_no_more_than_its_cover(
    api, content_version, django_assert_num_queries
):
    card, bird = make_image(alt="Card"), make_image(alt="Bird")
    PostFactory(slug="social", og_image=card, twitter_image=bird)
    # The post, the tag and author directories, the neighbours, the related
    # posts, the site's settings, and one query for the images.
    with django_assert_num_queries(8):
        seo = api.get("/api/v1/posts/social/").json()["seo"]
    assert seo["open_graph"]["image"]["alt"] == "Card"
    assert seo["twitter"]["image"]["alt"] == "Bird"


def test_a_post_without_images_costs_the_same_seven_queries(
    api, db, content_version, django_assert_num_queries
):
    PostFactory(slug="plain", authors=[AuthorFactory()], tags=[TagFactory()])
    with django_assert_num_queries(7):
        seo = api.get("/api/v1/posts/plain/").json()["seo"]
    assert len(seo["json_ld"]["author"]) == 1  # from the directory: no query


def test_social_images_of_tags_and_authors_cost_no_query(
    api, db, content_version, django_assert_num_queries
):
    for _ in range(5):
        tag = TagFactory(og_image=make_image(), twitter_image=make_image())
        author = AuthorFactory(og_image=make_image(), cover_image=make_image())
        PostFactory(tags=[tag], authors=[author])
    # The directory, the visible counts, the site's settings.
    with django_assert_num_queries(3):
        tags = api.get("/api/v1/tags/").json()["results"]
    assert all(t["seo"]["twitter"]["image"] for t in tags)
    with django_assert_num_queries(0):
        assert api.get(f"/api/v1/tags/{tag.slug}/").status_code == 200
    with django_assert_num_queries(2):  # the directory, the counts (site: kept)
        authors = api.get("/api/v1/authors/").json()["results"]
    assert all(a["seo"]["open_graph"]["image"] for a in authors)
    with django_assert_num_queries(0):
        assert api.get(f"/api/v1/authors/{author.slug}/").status_code == 200


# --- Sitemaps ----------------------------------------------------------------------


@pytest.fixture
def front_end(settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/writing/{slug}"
    settings.FRONTEND_TAG_URL = "https://www.example.com/topics/{slug}/"
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/people/{slug}/"


def locations(response) -> list[str]:
    root = ElementTree.fromstring(response.content)
    return [loc.text for loc in root.iter(f"{NS}loc")]


def lastmods(api) -> dict[str, str]:
    """Each section's `lastmod` in the index ("" for a section with none)."""
    root = ElementTree.fromstring(api.get("/api/v1/sitemap.xml").content)
    found = {}
    for entry in root.iter(f"{NS}sitemap"):
        lastmod = entry.find(f"{NS}lastmod")
        name = entry.find(f"{NS}loc").text.rsplit("/", 1)[1]
        found[name] = "" if lastmod is None else lastmod.text
    return found


def test_sitemaps_leave_noindex_content_out(api, db, front_end):
    shown_tag = TagFactory(slug="shown")
    hidden_tag = TagFactory(slug="hidden-tag", noindex=True)
    shown_author = AuthorFactory(slug="shown-author")
    hidden_author = AuthorFactory(slug="hidden-author", noindex=True)
    PostFactory(slug="indexed", tags=[shown_tag, hidden_tag], authors=[shown_author])
    PostFactory(slug="unlisted", noindex=True, tags=[shown_tag])
    PostFactory(slug="by-hidden", authors=[hidden_author], tags=[hidden_tag])
    posts = locations(api.get("/api/v1/sitemaps/posts.xml"))
    assert posts == [
        "https://www.example.com/writing/by-hidden",
        "https://www.example.com/writing/indexed",
    ]
    tags = locations(api.get("/api/v1/sitemaps/tags.xml"))
    assert tags == ["https://www.example.com/topics/shown/"]
    authors = locations(api.get("/api/v1/sitemaps/authors.xml"))
    assert authors == ["https://www.example.com/people/shown-author/"]


def test_the_posts_sections_lastmod_skips_noindex_posts(api, db, front_end):
    shown = PostFactory()
    hidden = PostFactory(noindex=True)
    Post.objects.filter(pk=hidden.pk).update(updated_at=FAR_FUTURE)
    found = lastmods(api)
    assert not found["posts.xml"].startswith("2030")
    assert found["posts.xml"].startswith(f"{shown.updated_at:%Y-%m-%d}")


@pytest.mark.parametrize("model", [Tag, Author])
def test_the_linked_sections_lastmod_skips_noindex_tags_and_authors(
    api, db, front_end, model
):
    if model is Tag:
        shown, hidden = TagFactory(), TagFactory(noindex=True)
        PostFactory(tags=[shown])
        late = PostFactory(tags=[hidden])
        section = "tags.xml"
    else:
        shown, hidden = AuthorFactory(), AuthorFactory(noindex=True)
        PostFactory(authors=[shown])
        late = PostFactory(authors=[hidden])
        section = "authors.xml"
    Post.objects.filter(pk=late.pk).update(updated_at=FAR_FUTURE)
    found = lastmods(api)
    assert found["posts.xml"].startswith("2030")  # the post itself is indexed
    assert not found[section].startswith("2030")


# --- The admin's preview -----------------------------------------------------------


def test_the_admin_preview_answers_what_the_api_answers_for_a_post(
    api, admin_client, dressed
):
    post = dressed["post"]
    from_api = api.get("/api/v1/posts/first-compiler/").json()["seo"]
    url = reverse("admin:blog_post_change", args=[post.pk])
    data = {**current_form_data(admin_client, url), "_seo_object_id": post.pk}
    response = admin_client.post(reverse("admin:blog_post_seo_preview"), data)
    assert response.status_code == 200
    assert response.json()["errors"] == {}
    assert response.json()["seo"] == from_api


def test_the_admin_preview_answers_what_the_api_answers_for_a_tag(
    api, admin_client, dressed
):
    tag = dressed["tag"]
    Tag.objects.filter(pk=tag.pk).update(meta_description="Programs that write code.")
    from_api = api.get("/api/v1/tags/compilers/").json()["seo"]
    url = reverse("admin:blog_tag_change", args=[tag.pk])
    data = {**current_form_data(admin_client, url), "_seo_object_id": tag.pk}
    body = admin_client.post(reverse("admin:blog_tag_seo_preview"), data).json()
    assert body["seo"] == from_api
    assert body["seo"]["description"] == "Programs that write code."
