"""Pages (the contract's "Pages"): the post pipeline, the post visibility rule, and
never among posts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from blog import events, preview, versioning
from blog.models import Page
from blog.outbox import Event
from tests.factories import PostFactory, TagFactory, make_image

pytestmark = pytest.mark.django_db

PAGE_FIELDS = {
    "id", "slug", "title", "summary", "body_markdown", "body_html", "toc",
    "feature_image", "published_at", "updated_at", "show_in_navigation", "seo",
    "url", "public_url",
}  # fmt: skip


def make_page(**fields) -> Page:
    values = {
        "title": "About",
        "status": Page.Status.PUBLISHED,
        "body": "## Who we are\n\nEngineers.",
    }
    values.update(fields)
    return Page.objects.create(**values)


@pytest.fixture
def pages(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return {
            "about": make_page(title="About", nav_order=1, show_in_navigation=True),
            "uses": make_page(title="Uses", nav_order=2),
            "now": make_page(title="Now", nav_order=1),
            "draft": make_page(title="Secret plans", status=Page.Status.DRAFT),
            "later": make_page(
                title="Launch", published_at=timezone.now() + timedelta(days=2)
            ),
        }


def test_pages_are_listed_in_navigation_order_then_title(api, pages):
    body = api.get("/api/v1/pages/").json()
    assert [p["slug"] for p in body["results"]] == ["about", "now", "uses"]
    assert body["count"] == 3
    assert set(body["results"][0]) == PAGE_FIELDS
    assert body["results"][0]["show_in_navigation"] is True


def test_a_page_has_the_contract_shape_and_the_post_pipeline(api, pages, settings):
    settings.FRONTEND_PAGE_URL = "https://www.example.com/{slug}/"
    cover = make_image(alt="The team")
    page = pages["about"]
    page.feature_image = cover
    page.body = (
        f"## Who we are\n\n![](image:{cover.uuid})\n\n<script>alert(1)</script>\n"
    )
    page.save()
    body = api.get("/api/v1/pages/about/").json()
    assert set(body) == PAGE_FIELDS
    assert body["toc"] == [{"level": 2, "id": "who-we-are", "text": "Who we are"}]
    assert "<script" not in body["body_html"]
    assert "<picture>" in body["body_html"]
    assert body["feature_image"]["id"] == str(cover.uuid)
    assert body["public_url"] == "https://www.example.com/about/"
    assert body["url"] == "http://testserver/api/v1/pages/about/"


@pytest.mark.parametrize("slug", ["secret-plans", "launch", "nope"])
def test_drafts_scheduled_and_unknown_pages_are_404(api, pages, slug):
    response = api.get(f"/api/v1/pages/{slug}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_pages_never_appear_among_posts(api, pages, settings):
    settings.FRONTEND_POST_URL = "https://www.example.com/blog/{slug}/"
    tag = TagFactory(slug="engineering")
    PostFactory(slug="a-post", tags=[tag])
    PostFactory(slug="b-post", tags=[tag])
    titles = {"About", "Uses", "Now"}
    for path in (
        "/api/v1/posts/", "/api/v1/index/", "/api/v1/tags/engineering/posts/",
        "/api/v1/feeds/json/",
    ):  # fmt: skip
        text = api.get(path).content.decode()
        assert not any(f'"{title}"' in text for title in titles), path
    post = api.get("/api/v1/posts/a-post/").json()
    assert post["next"]["slug"] == "b-post"
    assert [r["slug"] for r in post["related"]] == ["b-post"]
    assert api.get("/api/v1/posts/about/").status_code == 404
    assert api.get("/api/v1/tags/engineering/").json()["post_count"] == 2


def test_the_list_and_a_page_cost_fixed_queries(
    api, pages, content_version, django_assert_num_queries
):
    for page in Page.objects.all():
        page.feature_image = make_image(alt=page.title)
        page.save()
    api.get("/api/v1/pages/")  # the count and the site's settings, kept per version
    # The page of pages with their covers and social images, joined.
    with django_assert_num_queries(1):
        assert len(api.get("/api/v1/pages/", {"page_size": 3}).json()["results"]) == 3
    with django_assert_num_queries(1):  # the page with its images
        assert api.get("/api/v1/pages/about/").status_code == 200


def test_a_renamed_page_keeps_its_old_address(
    api, pages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        page = pages["about"]
        page.slug = "about-us"
        page.save()
    response = api.get("/api/v1/pages/about/")
    assert response.status_code == 301
    assert response["Location"] == "http://testserver/api/v1/pages/about-us/"
    assert api.get("/api/v1/redirects/").json()["results"][0]["type"] == "page"


def test_the_pages_sitemap_lists_visible_pages(api, pages, settings):
    settings.FRONTEND_PAGE_URL = "https://www.example.com/{slug}/"
    text = api.get("/api/v1/sitemaps/pages.xml").content.decode()
    assert text.count("<url>") == 3
    assert "https://www.example.com/about/" in text
    assert "secret-plans" not in text
    assert "launch" not in text


def test_a_scheduled_page_rolls_the_version_over_at_its_time(pages):
    later = pages["later"]
    version = versioning.current()
    assert version.rollover_at == pytest.approx(later.published_at.timestamp())


def test_page_events_follow_what_readers_see(pages, django_capture_on_commit_callbacks):
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        draft = pages["draft"]
        draft.title = "Still secret"
        draft.save()
    assert not Event.objects.exists()  # a draft's edit
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Page.Status.PUBLISHED
        draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        draft.title = "Plans"
        draft.save()
    with django_capture_on_commit_callbacks(execute=True):
        draft.status = Page.Status.DRAFT
        draft.save()
    kinds = list(Event.objects.order_by("id").values_list("type", flat=True))
    assert kinds == ["page.published", "page.updated", "page.unpublished"]
    updated = Event.objects.get(type="page.updated")
    assert updated.data["previous"]["title"] == "Still secret"
    assert set(updated.data["previous"]) == {"title", "seo"}  # its seo.title too
    assert f"page-{draft.uuid}" in updated.data["surrogate_keys"]
    assert "pages" in updated.data["surrogate_keys"]


def test_a_scheduled_page_is_published_by_the_worker_at_its_time(
    pages, django_capture_on_commit_callbacks
):
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        page = make_page(title="Soon", published_at=timezone.now() + timedelta(hours=1))
    assert list(Event.objects.values_list("type", flat=True)) == ["page.scheduled"]
    assert events.publish_due(now=timezone.now()) == 0
    Page.objects.filter(pk=page.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert events.publish_due(now=timezone.now() + timedelta(hours=2)) == 1
    published = Event.objects.get(type="page.published")
    assert published.data["page"]["slug"] == "soon"


def test_a_page_preview_shows_a_draft_and_a_post_token_does_not(api, pages):
    draft = pages["draft"]
    response = api.get(f"/api/v1/preview/pages/{preview.make_token(draft.pk, 'page')}/")
    assert response.status_code == 200
    assert response.json()["title"] == "Secret plans"
    assert response["Cache-Control"] == "private, no-store"
    post_token = preview.make_token(draft.pk)  # a post's token, the same number
    assert api.get(f"/api/v1/preview/pages/{post_token}/").status_code == 404


def test_every_save_keeps_a_revision(pages):
    page = pages["about"]
    page.body = "## Changed\n\nNew words."
    page.save()
    assert page.history.count() == 2
    assert page.history.earliest().body == "## Who we are\n\nEngineers."


def test_a_noindex_page_is_left_out_of_the_sitemap(api, pages, settings):
    settings.FRONTEND_PAGE_URL = "https://www.example.com/{slug}/"
    Page.objects.filter(slug="uses").update(noindex=True)
    text = api.get("/api/v1/sitemaps/pages.xml").content.decode()
    assert text.count("<url>") == 2
    assert "/uses/" not in text
