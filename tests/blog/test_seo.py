"""`blog.seo`: every fallback of `resolve`, the editor fields' validation, the
JSON-LD, and the admin's "Search & social" section."""

import json
import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from blog import seo
from blog.images import Image
from blog.json_ld import REQUIRED_KEYS
from blog.models import Author, Post, Tag
from tests.factories import AuthorFactory, PostFactory, TagFactory, make_image

API = "http://127.0.0.1:8000"  # API_PUBLIC_URL: nothing here passes a request
SITE = seo.SiteDefaults(
    title="Field Notes", description="Notes from the field.", url=""
)


def image(name: str = "a", *, crop: bool = True, alt: str = "") -> Image:
    """An unsaved library image, with or without its social crop made."""
    social = {"name": f"images/{name}/social.jpg", "width": 1200, "height": 630}
    return Image(
        file=f"images/{name}/original.jpg",
        width=800,
        height=600,
        alt=alt or f"Image {name}",
        social=social if crop else {},
    )


def crop_of(found: Image) -> dict:
    return {
        "url": f"{API}/media/{found.social['name']}",
        "width": 1200,
        "height": 630,
        "alt": found.alt,
    }


def original_of(found: Image) -> dict:
    return {
        "url": f"{API}/media/{found.file}",
        "width": found.width,
        "height": found.height,
        "alt": found.alt,
    }


# Each kind, unsaved (no query): its own title and description fields.
def content(kind: str, **fields):
    if kind == "post":
        return Post(title="Own title", summary="Own summary.", slug="own", **fields)
    if kind == "page":
        return Post(title="Own title", summary="Own summary.", slug="own", **fields)
    if kind == "tag":
        return Tag(name="Own title", description="Own summary.", slug="own", **fields)
    return Author(name="Own title", bio="Own summary.", slug="own", **fields)


KINDS = ["post", "page", "tag", "author"]


def resolve(kind: str, obj, site=SITE, **kwargs) -> dict:
    return seo.resolve(kind, obj, site=site, **kwargs)


# --- Texts ---------------------------------------------------------------------------

TITLES = [
    # the fields set -> (title, Open Graph title, Twitter title)
    ({}, ("Own title", "Own title", "Own title")),
    ({"meta_title": "Meta"}, ("Meta", "Meta", "Meta")),
    ({"og_title": "Social"}, ("Own title", "Social", "Own title")),
    ({"twitter_title": "Bird"}, ("Own title", "Own title", "Bird")),
    ({"meta_title": "Meta", "og_title": "Social"}, ("Meta", "Social", "Meta")),
    (
        {"meta_title": "Meta", "og_title": "Social", "twitter_title": "Bird"},
        ("Meta", "Social", "Bird"),
    ),
]
DESCRIPTIONS = [
    ({}, ("Own summary.", "Own summary.", "Own summary.")),
    ({"meta_description": "Meta."}, ("Meta.", "Meta.", "Meta.")),
    ({"og_description": "Social."}, ("Own summary.", "Social.", "Own summary.")),
    ({"twitter_description": "Bird."}, ("Own summary.", "Own summary.", "Bird.")),
    (
        {
            "meta_description": "Meta.",
            "og_description": "S.",
            "twitter_description": "B.",
        },
        ("Meta.", "S.", "B."),
    ),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fields", "expected"), TITLES)
def test_titles_fall_back_from_their_own_field_to_the_meta_title_to_the_title(
    kind, fields, expected
):
    found = resolve(kind, content(kind, **fields))
    shown = (found["title"], found["open_graph"]["title"], found["twitter"]["title"])
    assert shown == expected


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("fields", "expected"), DESCRIPTIONS)
def test_descriptions_fall_back_to_the_meta_description_then_the_summary(
    kind, fields, expected
):
    found = resolve(kind, content(kind, **fields))
    shown = (
        found["description"],
        found["open_graph"]["description"],
        found["twitter"]["description"],
    )
    assert shown == expected


def test_the_site_falls_back_to_its_title_and_description():
    found = seo.resolve("site", SITE, site=SITE)
    assert (found["title"], found["description"]) == ("Field Notes", SITE.description)
    assert found["open_graph"]["title"] == found["twitter"]["title"] == "Field Notes"
    assert found["open_graph"]["site_name"] == "Field Notes"
    assert found["json_ld"]["inLanguage"] == "en"


def test_the_stand_in_site_comes_from_the_settings(settings):
    settings.SITE_TITLE = "Notes"
    settings.SITE_DESCRIPTION = "About things."
    settings.SITE_URL = "https://www.example.com"
    site = seo.SiteDefaults.from_settings()
    assert (site.title, site.description, site.url, site.locale) == (
        "Notes", "About things.", "https://www.example.com", "en",
    )  # fmt: skip
    assert site.logo is None
    assert site.default_social_image is None


def test_an_empty_summary_gives_an_empty_description_never_none():
    found = resolve("post", Post(title="T", slug="t", summary=""))
    assert found["description"] == found["open_graph"]["description"] == ""


def test_a_long_fallback_description_is_cut_between_words():
    bio = "word " * 400  # an author's bio may be 2,000 characters
    found = resolve("author", Author(name="A", slug="a", bio=bio))
    assert len(found["description"]) <= seo.DESCRIPTION_MAX_LENGTH
    assert found["description"].endswith("word…")


def test_whitespace_is_collapsed_to_one_line():
    found = resolve("tag", Tag(name="T", slug="t", description="Two\n\nlines  here"))
    assert found["description"] == "Two lines here"


def test_open_graph_types():
    assert resolve("post", content("post"))["open_graph"]["type"] == "article"
    assert resolve("author", content("author"))["open_graph"]["type"] == "profile"
    for kind in ("page", "tag"):
        assert resolve(kind, content(kind))["open_graph"]["type"] == "website"
    assert seo.resolve("site", SITE, site=SITE)["open_graph"]["type"] == "website"


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown kind"):
        seo.resolve("video", content("post"), site=SITE)


# --- Images --------------------------------------------------------------------------


def with_images(kind: str, case: str, site_default: Image | None):
    """(the object, the image its cards should show: (og, twitter))."""
    own, feature, other = image("own"), image("feature"), image("other")
    uncropped = image("uncropped", crop=False)
    if case == "own image":
        fields = {"og_image": own, "twitter_image": other}
        expected = (crop_of(own), crop_of(other))
    elif case == "own image, crop not made yet":
        fields = {"og_image": uncropped}
        fallback = {"post": feature, "page": feature, "author": feature}.get(kind)
        fallback = fallback or site_default
        expected = (
            original_of(uncropped),
            crop_of(fallback) if fallback else None,
        )
    elif case == "feature image":
        fields = {}
        expected = (crop_of(feature),) * 2 if kind != "tag" else None
    elif case == "feature image, crop not made yet":
        fields = {}
        feature = uncropped
        expected = (original_of(feature),) * 2 if kind != "tag" else None
    else:  # nothing of its own
        fields, feature = {}, None
        expected = (crop_of(site_default),) * 2 if site_default else (None, None)
    obj = content(kind, **fields)
    if kind in ("post", "page"):
        obj.feature_image = feature
    elif kind == "author":
        obj.cover_image = feature
    if expected is None:  # a tag has no image of its own: the site's default
        expected = (crop_of(site_default),) * 2 if site_default else (None, None)
    return obj, expected


IMAGE_CASES = [
    "own image",
    "own image, crop not made yet",
    "feature image",
    "feature image, crop not made yet",
    "none",
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("case", IMAGE_CASES)
@pytest.mark.parametrize("site_default", [None, "site default"])
def test_images_fall_back_to_the_feature_image_crop_then_the_site_default(
    kind, case, site_default
):
    default = image("default") if site_default else None
    site = seo.SiteDefaults("S", "D", "", default_social_image=default)
    obj, (og_expected, twitter_expected) = with_images(kind, case, default)
    found = resolve(kind, obj, site=site)
    assert found["open_graph"]["image"] == og_expected
    twitter = twitter_expected and {
        "url": twitter_expected["url"],
        "alt": twitter_expected["alt"],
    }
    assert found["twitter"]["image"] == twitter
    card = "summary_large_image" if twitter else "summary"
    assert found["twitter"]["card"] == card


def test_an_author_falls_back_to_the_cover_then_the_avatar():
    cover, avatar = image("cover"), image("avatar")
    with_both = Author(name="A", slug="a", cover_image=cover, avatar=avatar)
    assert resolve("author", with_both)["open_graph"]["image"] == crop_of(cover)
    only_avatar = Author(name="A", slug="a", avatar=avatar)
    assert resolve("author", only_avatar)["open_graph"]["image"] == crop_of(avatar)


def test_the_image_alt_text_comes_from_the_library():
    post = content("post", og_image=image("x", alt="A chart of latency"))
    assert resolve("post", post)["open_graph"]["image"]["alt"] == "A chart of latency"


# --- Canonical, robots, URLs ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_the_canonical_url_is_the_editors_then_the_public_url_then_the_api_url(
    kind, settings
):
    template = f"FRONTEND_{kind.upper()}_URL"
    setattr(settings, template, "")
    api_path = {"post": "posts", "page": "pages", "tag": "tags", "author": "authors"}
    assert resolve(kind, content(kind))["canonical_url"] == (
        f"{API}/api/v1/{api_path[kind]}/own/"
    )
    setattr(settings, template, "https://www.example.com/x/{slug}/")
    found = resolve(kind, content(kind))
    assert found["canonical_url"] == "https://www.example.com/x/own/"
    assert found["open_graph"]["url"] == found["canonical_url"]
    own = content(kind, canonical_url="https://elsewhere.example.org/first/")
    assert resolve(kind, own)["canonical_url"] == "https://elsewhere.example.org/first/"


def test_a_relative_front_end_template_falls_back_to_the_api_url(settings):
    settings.FRONTEND_POST_URL = "/posts/{slug}/"
    assert (
        resolve("post", content("post"))["canonical_url"] == f"{API}/api/v1/posts/own/"
    )


def test_the_sites_canonical_url_is_site_url_else_the_api_root():
    assert seo.resolve("site", SITE, site=SITE)["canonical_url"] == f"{API}/api/v1/"
    site = seo.SiteDefaults("S", "D", "https://www.example.com")
    assert seo.resolve("site", site, site=site)["canonical_url"] == (
        "https://www.example.com"
    )


def test_a_site_object_without_url_falls_back_to_site_url(settings):
    settings.SITE_URL = "https://www.example.com"
    site = SimpleNamespace(
        title="S", description="D", locale="en-GB", logo=None,
        default_social_image=None,
    )  # fmt: skip
    found = seo.resolve("site", site, site=site)
    assert found["canonical_url"] == "https://www.example.com"
    assert found["json_ld"]["inLanguage"] == "en-GB"
    tag = resolve("tag", content("tag"), site=site)
    assert tag["json_ld"]["isPartOf"]["url"] == "https://www.example.com"


def test_api_urls_take_the_requests_origin(rf, settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]
    request = rf.get("/", HTTP_HOST="api.example.com", secure=True)
    found = resolve("tag", content("tag", og_image=image("i")), request=request)
    assert found["canonical_url"] == "https://api.example.com/api/v1/tags/own/"
    assert found["open_graph"]["image"]["url"].startswith("https://api.example.com/")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("noindex", [False, True])
def test_noindex_asks_not_to_index_but_to_follow(kind, noindex):
    found = resolve(kind, content(kind, noindex=noindex))
    assert found["robots"] == {"index": not noindex, "follow": True}


def every_url(value, key: str = ""):
    """Every URL in a resolved `seo` (or its JSON-LD), with where it was."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from every_url(item, name)
    elif isinstance(value, list):
        for item in value:
            yield from every_url(item, key)
    elif key in {"url", "@id", "canonical_url", "sameAs"}:
        yield key, value


@pytest.mark.parametrize("kind", [*KINDS, "site"])
def test_every_url_is_absolute_http(kind, settings):
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/authors/{slug}/"
    default = image("default")
    logo = image("logo")
    site = seo.SiteDefaults("S", "D", "", logo=logo, default_social_image=default)
    if kind == "site":
        found = seo.resolve("site", site, site=site)
    else:
        obj = content(kind, og_image=image("own"))
        if kind == "author":
            obj.avatar = image("avatar")
            obj.links = [{"network": "github", "url": "https://github.com/own"}]
            obj.website = "https://own.example.com"
        authors = [Author(name="Ada", slug="ada"), Author(name="Grace", slug="grace")]
        found = resolve(kind, obj, site=site, authors=authors)
    urls = list(every_url(found))
    assert len(urls) >= 4
    for key, url in urls:
        assert re.match(r"^https?://[^/\s]+", url), (key, url)


# --- JSON-LD -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "json_ld_type"),
    [("post", "BlogPosting"), ("page", "WebPage"), ("tag", "CollectionPage"),
     ("author", "ProfilePage"), ("site", "WebSite")],
)  # fmt: skip
def test_json_ld_parses_and_has_the_required_keys_of_its_type(kind, json_ld_type):
    obj = SITE if kind == "site" else content(kind)
    if kind in ("post", "page"):
        obj.published_at = datetime(2026, 11, 20, 9, tzinfo=UTC)
        obj.updated_at = datetime(2026, 11, 21, 10, 12, 3, tzinfo=UTC)
    found = seo.resolve(kind, obj, site=SITE, authors=[])
    data = json.loads(json.dumps(found["json_ld"]))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == json_ld_type
    assert REQUIRED_KEYS[json_ld_type] <= set(data)
    assert data["url"] == found["canonical_url"]
    assert json.loads(json.dumps(found)) == found


def test_a_posts_json_ld_names_its_authors_in_byline_order(settings):
    settings.FRONTEND_AUTHOR_URL = "https://www.example.com/authors/{slug}/"
    post = content("post", og_image=image("cover"))
    post.published_at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    post.updated_at = datetime(2026, 11, 21, 10, 12, 3, tzinfo=UTC)
    authors = [Author(name="Grace", slug="grace"), Author(name="Ada", slug="ada")]
    logo = image("logo")
    site = seo.SiteDefaults("Field Notes", "D", "https://www.example.com", logo=logo)
    data = seo.resolve("post", post, site=site, authors=authors)["json_ld"]
    assert data["author"] == [
        {"@type": "Person", "name": "Grace",
         "url": "https://www.example.com/authors/grace/"},
        {"@type": "Person", "name": "Ada",
         "url": "https://www.example.com/authors/ada/"},
    ]  # fmt: skip
    assert (data["headline"], data["datePublished"], data["dateModified"]) == (
        "Own title", "2026-11-20T09:00:00Z", "2026-11-21T10:12:03Z",
    )  # fmt: skip
    assert data["image"] == {
        "@type": "ImageObject",
        "url": f"{API}/media/images/cover/social.jpg",
        "width": 1200,
        "height": 630,
    }
    assert data["mainEntityOfPage"] == {"@type": "WebPage", "@id": data["url"]}
    assert data["publisher"] == {
        "@type": "Organization",
        "name": "Field Notes",
        "logo": {"@type": "ImageObject", "url": f"{API}/media/images/logo/original.jpg",
                 "width": 800, "height": 600},
    }  # fmt: skip


def test_an_undated_drafts_json_ld_leaves_the_dates_out():
    data = resolve("post", content("post"), authors=[])["json_ld"]
    assert "datePublished" not in data
    assert "dateModified" not in data
    assert "image" not in data
    assert data["publisher"] == {"@type": "Organization", "name": "Field Notes"}


def test_an_authors_profile_page_lists_their_profiles_elsewhere():
    author = Author(
        name="Ada",
        slug="ada",
        bio="Wrote the first program.",
        avatar=image("avatar"),
        website="https://ada.example.com",
        links=[{"network": "mastodon", "url": "https://hachyderm.io/@ada"}],
    )
    person = resolve("author", author)["json_ld"]["mainEntity"]
    assert person["@type"] == "Person"
    assert (person["name"], person["description"]) == (
        "Ada",
        "Wrote the first program.",
    )
    assert person["sameAs"] == ["https://hachyderm.io/@ada", "https://ada.example.com"]
    assert person["image"]["url"] == f"{API}/media/images/avatar/original.jpg"


@pytest.mark.django_db
def test_a_saved_posts_authors_are_read_in_byline_order_without_being_passed():
    grace, ada = AuthorFactory(name="Grace"), AuthorFactory(name="Ada")
    post = PostFactory(authors=[grace, ada])
    names = [p["name"] for p in resolve("post", post)["json_ld"]["author"]]
    assert names == ["Grace", "Ada"]


# --- Validation ----------------------------------------------------------------------


def errors_of(**fields) -> dict:
    tag = Tag(name="Tag", slug="tag", **fields)
    with pytest.raises(ValidationError) as raised:
        tag.clean_fields()
    return raised.value.message_dict


@pytest.mark.parametrize("name", ["meta_title", "og_title", "twitter_title",
                                  "meta_description", "og_description",
                                  "twitter_description"])  # fmt: skip
@pytest.mark.parametrize(
    "value", ["<b>Bold</b> claims", "Click </a>", "Hi <!-- x -->", "<script>x"]
)
def test_html_is_refused_with_a_clear_message(name, value):
    message = errors_of(**{name: value})[name][0]
    assert "Plain text only" in message
    assert "HTML tag" in message


@pytest.mark.parametrize(
    "value", ["a < b", "3<5", "x <= y", "<3 and >2", "Fish & chips"]
)
def test_a_less_than_sign_that_starts_no_tag_is_plain_text(value):
    Tag(name="Tag", slug="tag", meta_title=value, meta_description=value).clean_fields()


@pytest.mark.parametrize("name", ["meta_title", "og_description"])
@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_control_characters_are_refused(name, character):
    message = errors_of(**{name: f"Hello{character}there"})[name][0]
    assert f"U+{ord(character):04X}" in message
    assert "position 6" in message


def test_a_description_may_break_lines_but_a_title_may_not():
    Tag(name="T", slug="t", meta_description="One.\nTwo.\tThree.").clean_fields()
    assert "meta_title" in errors_of(meta_title="One\nTwo")


@pytest.mark.parametrize(
    ("name", "limit"),
    [("meta_title", 300), ("og_title", 300), ("twitter_title", 300),
     ("meta_description", 500), ("og_description", 500),
     ("twitter_description", 500), ("canonical_url", 2000)],
)  # fmt: skip
def test_lengths_are_limited_as_in_ghost(name, limit):
    value = "x" * limit
    if name == "canonical_url":
        value = "https://example.com/" + "x" * (limit - 20)
    Tag(name="T", slug="t", **{name: value}).clean_fields()
    assert name in errors_of(**{name: value + "x"})


@pytest.mark.parametrize(
    "value",
    ["/relative/path/", "www.example.com/x", "ftp://example.com/file",
     "javascript:alert(1)", "https://", "https://exa mple.com/"],
)  # fmt: skip
def test_a_canonical_url_must_be_absolute_http(value):
    message = errors_of(canonical_url=value)["canonical_url"][0]
    assert "absolute http(s)" in message


@pytest.mark.parametrize(
    "value", ["https://medium.com/@ada/first-42", "http://example.com/a?b=c#d"]
)
def test_absolute_http_canonical_urls_are_accepted(value):
    Tag(name="T", slug="t", canonical_url=value).clean_fields()


@pytest.mark.django_db
def test_an_image_used_for_social_cards_is_protected_from_deletion():
    from django.db.models import ProtectedError

    card = make_image(alt="Card")
    TagFactory(og_image=card)
    with pytest.raises(ProtectedError):
        card.delete()


# --- The admin's section -------------------------------------------------------------

SEO_PREVIEW = {
    "post": "admin:blog_post_seo_preview",
    "tag": "admin:blog_tag_seo_preview",
}


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["admin:blog_post_add", "admin:blog_tag_add"])
def test_the_section_is_collapsed_with_counters_and_previews(editor, url_name):
    response = editor.get(reverse(url_name))
    html = response.content.decode()
    section = re.search(
        r'<fieldset class="module aligned collapse"[^>]*>\s*<details><summary>\s*'
        r"<h2[^>]*>Search &amp; social</h2>(.*?)</details>",
        html,
        flags=re.S,
    )
    assert section, "no collapsed Search & social section"
    body = section.group(1)
    for name in seo.SEO_FIELD_NAMES:
        assert f'name="{name}"' in body, name
    assert 'data-seo-recommended="60"' in body  # the meta title's counter
    assert 'data-seo-recommended="155"' in body  # the meta description's
    kind = url_name.split("_")[1]
    assert f'data-seo-preview-url="{reverse(SEO_PREVIEW[kind])}"' in body
    assert 'class="seo-preview-search"' in body
    assert 'class="seo-preview-card"' in body
    assert "/static/blog/seo-admin.js" in html
    assert "/static/blog/seo-admin.css" in html
    scripts = re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S)
    assert all(not script.strip() for script in scripts)  # CSP: files only


@pytest.mark.django_db
def test_the_section_appears_once_and_only_in_its_own_fieldset(editor):
    post = PostFactory()
    html = editor.get(reverse("admin:blog_post_change", args=[post.pk])).content
    assert html.decode().count('name="meta_title"') == 1
    html = editor.get(reverse("admin:blog_tag_add")).content.decode()
    assert html.count('name="meta_title"') == 1
    assert html.count('class="seo-preview"') == 1


@pytest.mark.django_db
def test_the_section_opens_when_one_of_its_fields_has_an_error(editor):
    tag = TagFactory()
    response = editor.post(
        reverse("admin:blog_tag_change", args=[tag.pk]),
        {"name": tag.name, "slug": tag.slug, "description": "", "meta_title": "<b>x"},
    )
    html = response.content.decode()
    assert "Plain text only" in html
    assert "<details><summary>" not in html


@pytest.mark.django_db
def test_the_change_page_shows_the_saved_previews(editor):
    tag = TagFactory(name="Elixir", meta_description="All about the BEAM.")
    html = editor.get(reverse("admin:blog_tag_change", args=[tag.pk])).content.decode()
    assert (
        '<div class="seo-preview-search-title" data-seo-show="search.title">Elixir'
        in html
    )
    assert "All about the BEAM." in html
    assert f'data-object-id="{tag.pk}"' in html


def preview(editor, kind: str, data: dict):
    return editor.post(reverse(SEO_PREVIEW[kind]), data)


@pytest.mark.django_db
def test_the_preview_resolves_the_form_as_it_stands_unsaved(editor):
    tag = TagFactory(name="Elixir", slug="elixir", description="Saved.")
    data = {"_seo_object_id": tag.pk, "name": "Elixir", "slug": "elixir",
            "description": "Typed, not saved.", "og_title": "On the BEAM"}  # fmt: skip
    body = preview(editor, "tag", data).json()
    assert body["seo"]["description"] == "Typed, not saved."
    assert body["seo"]["open_graph"]["title"] == "On the BEAM"
    assert body["search"]["title"] == "Elixir"
    assert (
        body["search"]["url"]
        == "http://testserver \u203a api \u203a v1 \u203a tags \u203a elixir"
    )
    assert body["card"]["site"] == "TESTSERVER"
    assert body["errors"] == {}
    tag.refresh_from_db()
    assert (tag.description, tag.og_title) == ("Saved.", "")  # nothing saved


@pytest.mark.django_db
def test_the_preview_of_a_new_object_and_its_errors(editor):
    body = preview(
        editor, "post", {"title": "A new post", "summary": "Soon.", "meta_title": "<i>"}
    ).json()
    assert body["seo"]["title"] == "A new post"  # the bad meta title is not used
    assert body["seo"]["canonical_url"] == "http://testserver/api/v1/posts/a-new-post/"
    assert list(body["errors"]) == ["meta_title"]
    assert Post.objects.count() == 0


@pytest.mark.django_db
def test_the_preview_cuts_texts_as_results_do(editor):
    long_title = "A title that goes on and on well past what a result page shows"
    body = preview(
        editor, "tag", {"name": long_title, "description": "word " * 60}
    ).json()
    assert len(body["search"]["title"]) <= 60
    assert body["search"]["title"].endswith("…")
    assert len(body["search"]["description"]) <= 155
    assert body["seo"]["title"] == long_title  # the API's value is whole


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [{"_seo_object_id": "not-a-number"}, {"_seo_object_id": "999999"},
     {"og_image": "abc", "noindex": "maybe", "published_at_0": "yesterday"},
     {"title": "x" * 10_000, "tags": ["nope"], "canonical_url": "ftp://x"}],
)  # fmt: skip
def test_bad_input_is_never_a_server_error(editor, data):
    for kind in ("post", "tag"):
        response = preview(editor, kind, data)
        assert response.status_code in (200, 404)
        assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_the_preview_takes_a_post_and_the_right_to_edit(client, django_user_model):
    assert preview(client, "tag", {}).status_code == 302  # to the login page
    staff = django_user_model.objects.create_user(
        "viewer", password="pw", is_staff=True
    )
    client.force_login(staff)
    assert preview(client, "tag", {}).status_code == 403
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_tag"))
    tag = TagFactory()
    assert preview(client, "tag", {"_seo_object_id": tag.pk}).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="change_tag"))
    assert preview(client, "tag", {"_seo_object_id": tag.pk}).status_code == 200


@pytest.mark.django_db
def test_the_preview_answers_only_post(editor):
    assert editor.get(reverse(SEO_PREVIEW["tag"])).status_code == 405


@pytest.mark.django_db
def test_editing_a_posts_social_image_makes_a_post_update(
    django_capture_on_commit_callbacks,
):
    from blog.outbox import Event

    with django_capture_on_commit_callbacks(execute=True):
        card = make_image(alt="Old alt")
        post = PostFactory(og_image=card)
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        card.alt = "New alt"
        card.save()
    event = Event.objects.get()
    assert (event.type, event.subject_id) == ("post.updated", post.uuid)
    assert event.data["previous"]["seo"]["open_graph"]["image"]["alt"] == "Old alt"
    assert event.data["post"]["seo"]["open_graph"]["image"]["alt"] == "New alt"
