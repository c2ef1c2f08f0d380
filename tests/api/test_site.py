"""The site's settings (the contract's "Site"): one row, made on first use from the
environment, edited in the admin, shown at `/api/v1/site/` and in the feeds."""

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from blog.event_rules import SITE_KEYS
from blog.link_lists import validate_links, validate_navigation
from blog.models import Site
from blog.outbox import Event
from tests.factories import make_image

pytestmark = pytest.mark.django_db

SITE = "/api/v1/site/"
IMAGE_REF_KEYS = {
    "id", "url", "width", "height", "mime_type", "alt", "caption", "credit",
    "focal_point", "placeholder", "renditions", "srcset",
}  # fmt: skip


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Each `with commit():` block acts as one committed transaction."""

    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    return committed


def site_events() -> list[Event]:
    return list(Event.objects.filter(type__startswith="site.").order_by("id"))


# --- The shape ------------------------------------------------------------------


def test_the_site_shows_the_defaults_before_anyone_edits_it(api, settings):
    settings.SITE_URL = ""
    body = api.get(SITE).json()
    assert body == {
        "title": settings.SITE_TITLE,
        "description": settings.SITE_DESCRIPTION,
        "url": None,  # SITE_URL unset: null, never ""
        "locale": "en",
        "logo": None,
        "icon": None,
        "navigation": [],
        "links": [],
        "seo": body["seo"],  # below
    }
    assert body["seo"]["title"] == settings.SITE_TITLE
    assert body["seo"]["json_ld"]["@type"] == "WebSite"


def test_the_site_shows_its_images_menu_and_links(api, settings):
    settings.SITE_URL = "https://www.example.com"
    logo = make_image(alt="The logo")
    icon = make_image(alt="The icon", width=64, height=64)
    site = Site.current()
    site.logo, site.icon = logo, icon
    site.navigation = [
        {"label": "About", "url": "/about/"},
        {"label": "Elsewhere", "url": "https://elsewhere.example/"},
    ]
    site.links = [{"network": "mastodon", "url": "https://hachyderm.io/@blog"}]
    site.full_clean()
    site.save()
    body = api.get(SITE).json()
    assert body["url"] == "https://www.example.com"
    assert set(body["logo"]) == IMAGE_REF_KEYS
    assert body["logo"]["id"] == str(logo.uuid)
    assert body["logo"]["alt"] == "The logo"
    assert body["logo"]["url"].startswith("http://testserver/media/")
    assert body["icon"]["id"] == str(icon.uuid)
    assert (body["icon"]["width"], body["icon"]["height"]) == (64, 64)
    assert body["navigation"] == site.navigation
    assert body["links"] == site.links
    # The SEO fallback image is for `seo` later: not shown here.
    assert "default_social_image" not in body


def test_the_site_costs_one_query_for_the_row_and_its_images(
    api, content_version, django_assert_num_queries
):
    site = Site.current()
    site.logo = make_image(alt="Logo")
    site.icon = make_image(alt="Icon", width=64, height=64)
    site.save()
    with django_assert_num_queries(1):
        response = api.get(SITE)
    assert response.status_code == 200
    assert response.json()["icon"]["alt"] == "Icon"
    assert response["Surrogate-Key"] == "site"


def test_the_api_root_links_the_site(api):
    assert api.get("/api/v1/").json()["site"] == "http://testserver/api/v1/site/"


def test_other_methods_are_the_json_405(api):
    response = api.post(SITE, {"title": "Mine now"}, format="json")
    assert response.status_code == 405
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert (body["status"], body["code"]) == (405, "method_not_allowed")
    assert "POST" not in response["Allow"]
    assert api.get(SITE).json()["title"] != "Mine now"


# --- One row, made on first use ------------------------------------------------------


def test_the_row_is_made_on_first_use_from_the_environment(settings):
    settings.SITE_TITLE = "Field notes"
    settings.SITE_DESCRIPTION = "Notes from the field."
    settings.SITE_LOCALE = "en-GB"
    assert not Site.objects.exists()
    site = Site.current()
    assert (site.pk, site.title, site.description, site.locale) == (
        1, "Field notes", "Notes from the field.", "en-GB"
    )  # fmt: skip
    # Afterwards the admin is the truth: the environment is not read again.
    settings.SITE_TITLE = "Something else"
    assert Site.current().title == "Field notes"
    assert Site.objects.count() == 1


def test_the_site_is_a_single_row():
    Site.current()
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(pk=2, title="A second site")
    with pytest.raises(IntegrityError), transaction.atomic():
        Site.objects.create(pk=1, title="The first one again")
    assert Site.objects.count() == 1


# --- Validation ------------------------------------------------------------------


@pytest.mark.parametrize(
    "navigation",
    [
        [],
        [{"label": "About", "url": "/about/"}],
        [
            {"label": "Home", "url": "/"},
            {"label": "Shop", "url": "https://shop.example/"},
        ],
    ],
)
def test_navigation_takes_paths_and_absolute_urls(navigation):
    validate_navigation(navigation)


@pytest.mark.parametrize(
    ("navigation", "message"),
    [
        ({"label": "About", "url": "/about/"}, "A list of"),
        (["/about/"], "Item 1: each item is"),
        ([{"label": "About"}], "Item 1: each item is"),
        ([{"label": "About", "url": "/about/", "icon": "x"}], "Item 1: each item is"),
        ([{"label": "  ", "url": "/about/"}], "Item 1: each item is"),
        ([{"label": "x" * 101, "url": "/"}], "Item 1: each item is"),
        ([{"label": "Ok", "url": "/"}, {"label": "About", "url": "about"}], "Item 2:"),
        ([{"label": "Evil", "url": "javascript:alert(1)"}], "Item 1:"),
        ([{"label": "Other host", "url": "//evil.example/"}], "Item 1:"),
        ([{"label": "Other host", "url": "/\\evil.example/"}], "Item 1:"),
        ([{"label": "Space", "url": "/a b/"}], "Item 1:"),
        ([{"label": "FTP", "url": "ftp://files.example/"}], "Item 1:"),
    ],
)
def test_navigation_refuses_anything_else_naming_the_item(navigation, message):
    with pytest.raises(ValidationError) as refused:
        validate_navigation(navigation)
    assert message in refused.value.messages[0]


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ("https://hachyderm.io/@blog", "A list of"),
        ([{"network": "mastodon"}], "Link 1: each link is"),
        ([{"network": "", "url": "https://a.example/"}], "Link 1: each link is"),
        ([{"network": "x" * 51, "url": "https://a.example/"}], "Link 1: each link is"),
        (
            [
                {"network": "github", "url": "https://github.com/blog"},
                {"network": "web", "url": "/about/"},
            ],
            "Link 2: '/about/' is not an absolute http(s) URL.",
        ),
        ([{"network": "evil", "url": "javascript:alert(1)"}], "Link 1:"),
    ],
)
def test_links_refuse_anything_but_absolute_http_urls(links, message):
    validate_links([{"network": "github", "url": "https://github.com/blog"}])
    with pytest.raises(ValidationError) as refused:
        validate_links(links)
    assert message in refused.value.messages[0]


def test_the_model_checks_its_lists_and_its_locale():
    site = Site.current()
    site.navigation = [{"label": "About", "url": "about"}]
    site.links = [{"network": "web", "url": "/about/"}]
    site.locale = "English"
    with pytest.raises(ValidationError) as refused:
        site.full_clean()
    assert set(refused.value.message_dict) == {"navigation", "links", "locale"}


# --- Changes reach readers --------------------------------------------------------


def test_an_admin_edit_renews_the_version_so_the_next_get_shows_it(
    api, admin_client, commit
):
    with commit():
        site = Site.current()
    first = api.get(SITE)
    assert api.get(SITE, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with commit():
        response = admin_client.post(
            f"/admin/blog/site/{site.pk}/change/",
            {"title": "Renamed", "description": "New words.", "locale": "en",
             "navigation": '[{"label": "About", "url": "/about/"}]', "links": "[]"},
        )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    again = api.get(SITE, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again.json()["title"] == "Renamed"
    assert again.json()["navigation"] == [{"label": "About", "url": "/about/"}]


def test_a_site_change_is_one_site_updated_event_with_the_changed_fields(commit):
    with commit():
        site = Site.current()
    assert site_events() == []  # made with what readers already saw
    with commit():
        old_title = site.title
        site.title = "Renamed"
        site.navigation = [{"label": "About", "url": "/about/"}]
        site.save()
        site.save()  # saved twice in one transaction: still one event
    (event,) = site_events()
    assert event.type == "site.updated"
    assert set(event.data["previous"]) == {"title", "navigation", "seo"}
    assert event.data["previous"]["title"] == old_title
    assert event.data["previous"]["navigation"] == []
    assert event.data["site"]["title"] == "Renamed"
    assert event.data["site"]["navigation"] == [{"label": "About", "url": "/about/"}]
    assert event.data["surrogate_keys"] == SITE_KEYS
    assert set(SITE_KEYS) >= {"site", "posts", "tags", "authors", "sitemap"}
    with commit():
        site.save()  # nothing readers see changed
    assert len(site_events()) == 1


def test_editing_the_logo_image_is_a_change_of_the_site(commit):
    with commit():
        logo = make_image(alt="Old alt")
        site = Site.current()
        site.logo = logo
        site.save()
    Event.objects.all().delete()
    with commit():
        logo.alt = "The blog's logo"
        logo.save()
    (event,) = site_events()
    assert event.data["previous"]["logo"]["alt"] == "Old alt"
    assert event.data["site"]["logo"]["alt"] == "The blog's logo"


def test_deleting_the_row_brings_back_the_defaults(commit, settings):
    with commit():
        site = Site.current()
        site.title = "Renamed"
        site.save()
    Event.objects.all().delete()
    with commit():
        Site.objects.all().delete()
    (event,) = site_events()
    assert set(event.data["previous"]) == {"title", "seo"}
    assert event.data["previous"]["title"] == "Renamed"
    assert event.data["site"]["title"] == settings.SITE_TITLE
    assert Site.current().title == settings.SITE_TITLE


# --- Feeds ------------------------------------------------------------------------


def test_feed_titles_and_descriptions_follow_the_site_row(api, blog, commit, settings):
    settings.SITE_TITLE = "From the environment"
    with commit():
        site = Site.current()
        site.title = "Field notes"
        site.description = "Notes from the field."
        site.save()
    rss = feedparser.parse(api.get("/api/v1/feeds/rss/").content)
    assert rss.feed.title == "Field notes"
    assert rss.feed.description == "Notes from the field."
    atom = feedparser.parse(api.get("/api/v1/feeds/atom/").content)
    assert atom.feed.author == "Field notes"
    json_feed = api.get("/api/v1/feeds/json/").json()
    assert (json_feed["title"], json_feed["description"]) == (
        "Field notes", "Notes from the field."
    )  # fmt: skip
    tag_feed = feedparser.parse(api.get("/api/v1/tags/elixir/feeds/rss/").content)
    assert tag_feed.feed.title == "Field notes: Elixir"
    with commit():
        site.title = "Renamed"
        site.save()
    assert feedparser.parse(api.get("/api/v1/feeds/rss/").content).feed.title == (
        "Renamed"
    )
