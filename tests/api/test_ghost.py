"""Ghost's Content API (`api.ghost`): keys, envelopes, parameters, filters, errors,
caching. Ghost's own client is run against it in tests/ghost/."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.core.management import call_command

from api.ghost import nql
from blog.content_keys import ContentApiKey
from blog.models import Page
from tests.factories import PostFactory
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db

BASE = "/ghost/api/content/"
VISIBLE = ["newest", "career-post", "both", "oldest"]  # newest first


@pytest.fixture
def key(django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        return ContentApiKey.objects.create(name="front-end").secret


@pytest.fixture
def ghost(api, key):
    def get(path: str, **params):
        query = urlencode({"key": key, **params})
        return api.get(f"{BASE}{path}?{query}")

    return get


def slugs(response, name: str = "posts") -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()[name]]


def error_of(response) -> dict:
    (error,) = response.json()["errors"]
    assert set(error) == {"message", "context", "type", "details", "property",
                          "help", "code", "id", "ghostErrorCode"}  # fmt: skip
    return error


# --- Keys -----------------------------------------------------------------------------


def test_a_missing_key_is_ghosts_403_and_an_unknown_one_its_401(api, blog, key):
    missing = api.get(f"{BASE}posts/")
    assert missing.status_code == 403
    assert error_of(missing)["type"] == "NoPermissionError"
    assert error_of(missing)["message"] == "Authorization failed"
    unknown = api.get(f"{BASE}posts/?key={'a' * 26}")
    assert unknown.status_code == 401
    assert error_of(unknown)["code"] == "UNKNOWN_CONTENT_API_KEY"
    assert api.get(f"{BASE}posts/?key=not-hex").status_code == 401
    for answer in (missing, unknown):
        assert answer["Cache-Control"] == "private, no-store"


def test_deleting_a_key_revokes_it_at_once_even_for_stored_answers(
    production_app, blog, key, django_capture_on_commit_callbacks
):
    path, query = f"{BASE}posts/", f"key={key}"
    assert wsgi_get(production_app, path, query)[0] == 200
    assert wsgi_get(production_app, path, query)[0] == 200  # a stored answer
    with django_capture_on_commit_callbacks(execute=True):
        ContentApiKey.objects.filter(secret=key).delete()
    assert wsgi_get(production_app, path, query)[0] == 401


def test_ghost_content_key_makes_and_prints_a_key(capsys):
    call_command("ghost_content_key", "--name", "Next.js site")
    secret = capsys.readouterr().out.strip()
    assert ContentApiKey.objects.get(secret=secret).name == "Next.js site"
    assert nql  # the module loads on its own


# --- Envelopes, fields, what readers may see -----------------------------------------


def test_browse_is_ghosts_envelope_of_visible_posts_only(ghost, blog):
    response = ghost("posts/")
    assert slugs(response) == VISIBLE  # no draft, no scheduled post
    assert response.json()["meta"] == {
        "pagination": {"page": 1, "limit": 15, "pages": 1, "total": 4, "next": None,
                       "prev": None},
    }  # fmt: skip
    post = response.json()["posts"][0]
    assert post["id"] == post["uuid"] == str(blog["posts"]["newest"].uuid)
    assert post["visibility"] == "public"
    assert post["access"] is True
    assert post["published_at"].endswith(".000+00:00")
    assert "html" in post
    assert "plaintext" not in post
    assert "tags" not in post


@pytest.mark.parametrize("slug", ["secret-draft", "future-post", "no-such-post"])
def test_drafts_scheduled_and_unknown_posts_are_ghosts_404(ghost, blog, slug):
    response = ghost(f"posts/slug/{slug}/")
    assert response.status_code == 404
    assert error_of(response) | {"id": None} == error_of(response) | {
        "message": "Post not found.", "type": "NotFoundError", "id": None,
    }  # fmt: skip
    post = blog["posts"].get("draft")
    assert ghost(f"posts/{post.uuid}/").status_code == 404
    assert ghost("posts/not-a-uuid/").status_code == 404


def test_read_by_id_and_slug_and_the_included_links(ghost, blog):
    both = blog["posts"]["both"]
    by_id = ghost(f"posts/{both.uuid}/", include="tags,authors").json()
    by_slug = ghost("posts/slug/both/", include="tags,authors").json()
    assert "meta" not in by_id
    (post,) = by_id["posts"]
    assert by_slug["posts"][0]["id"] == post["id"]
    assert [t["slug"] for t in post["tags"]] == ["elixir", "engineering"]  # by name
    assert [a["slug"] for a in post["authors"]] == ["grace", "ada"]  # byline order
    assert post["primary_tag"]["slug"] == "elixir"
    assert post["primary_author"]["slug"] == "grace"
    assert post["featured"] is True


def test_fields_and_formats(ghost, blog):
    post = ghost("posts/slug/both/", fields="slug,title,plaintext",
                 formats="plaintext").json()["posts"][0]  # fmt: skip
    assert set(post) == {"slug", "title", "plaintext"}
    both = ghost("posts/slug/both/", formats="html,plaintext").json()["posts"][0]
    assert both["html"].startswith("<")
    assert "<" not in both["plaintext"]


def test_pages_are_never_posts_and_posts_never_pages(ghost, blog):
    Page.objects.create(slug="about", title="About", status=Page.Status.PUBLISHED)
    Page.objects.create(slug="draft-page", title="Draft", status=Page.Status.DRAFT)
    assert slugs(ghost("pages/"), "pages") == ["about"]
    assert "about" not in slugs(ghost("posts/", limit="all"))
    assert ghost("pages/slug/newest/").status_code == 404


def test_tags_and_authors_with_counts_of_visible_posts(ghost, blog):
    tags = ghost("tags/", include="count.posts", limit="all").json()["tags"]
    assert {t["slug"]: t["count"]["posts"] for t in tags} == {
        "career": 1, "elixir": 1, "engineering": 3,
    }  # fmt: skip
    authors = ghost("authors/", include="count.posts").json()["authors"]
    # An author whose only posts are drafts or scheduled does not exist for readers.
    assert {a["slug"]: a["count"]["posts"] for a in authors} == {"ada": 2, "grace": 2}
    assert ghost("authors/slug/ghost-writer/").status_code == 404
    assert "count" not in ghost("tags/slug/elixir/").json()["tags"][0]


def test_no_email_username_or_user_id_in_authors(ghost, blog, django_user_model):
    user = django_user_model.objects.create_user("ada-login", "ada@example.com", "pw")
    author = blog["authors"]["ada"]
    author.user = user
    author.save()
    for path in ("authors/", "authors/slug/ada/", "posts/"):
        body = ghost(path, include="tags,authors").content.decode()
        assert "ada@example.com" not in body
        assert "ada-login" not in body
    shape = ghost("authors/slug/ada/").json()["authors"][0]
    assert "email" not in shape
    assert "user" not in shape


def test_profiles_are_ghosts_handles_not_urls(ghost, blog):
    # Ghost's themes and starters build the URL themselves: `x.com/${twitter}`.
    author = blog["authors"]["ada"]
    author.links = [
        {"network": "github", "url": "https://github.com/ada"},
        {"network": "twitter", "url": "https://twitter.com/ada_l"},
        {"network": "facebook", "url": "https://www.facebook.com/ada.lovelace/"},
    ]
    author.save()
    shape = ghost("authors/slug/ada/").json()["authors"][0]
    assert (shape["twitter"], shape["facebook"]) == ("@ada_l", "ada.lovelace")
    grace = ghost("authors/slug/grace/").json()["authors"][0]
    assert (grace["twitter"], grace["facebook"]) == (None, None)


def test_settings(ghost, blog, settings):
    settings.SITE_URL = "https://www.example.com"
    body = ghost("settings/").json()
    assert body["meta"] == {}
    assert body["settings"]["url"] == "https://www.example.com"
    assert body["settings"]["navigation"] == []


@pytest.mark.parametrize("prefix", ["v2/content/", "v3/content/", "v4/content/"])
def test_the_versioned_prefixes_answer_the_same(api, key, blog, prefix):
    newer = api.get(f"{BASE}posts/?key={key}").json()
    older = api.get(f"/ghost/api/{prefix}posts/?key={key}").json()
    assert older == newer


def test_unknown_paths_and_methods_are_ghosts_404(ghost, api, key, blog):
    assert error_of(ghost("nothing/"))["message"] == "Resource not found"
    assert api.post(f"{BASE}posts/?key={key}").status_code == 404


# --- limit, page, order ---------------------------------------------------------------


def test_limit_and_page(ghost, blog):
    page = ghost("posts/", limit="3", page="2").json()
    assert [p["slug"] for p in page["posts"]] == ["oldest"]
    assert page["meta"]["pagination"] == {
        "page": 2, "limit": 3, "pages": 2, "total": 4, "next": None, "prev": 1,
    }  # fmt: skip
    for bad in ("0", "-1", "x"):
        response = ghost("posts/", limit=bad)
        assert response.status_code == 422
        assert error_of(response)["type"] == "ValidationError"
    assert ghost("posts/", page="x").status_code == 422


def test_limit_all_is_capped_with_a_truthful_meta(ghost, blog, settings):
    settings.GHOST_LIMIT_ALL_MAX = 3
    body = ghost("posts/", limit="all").json()
    assert len(body["posts"]) == 3
    assert body["meta"]["pagination"] == {
        "page": 1, "limit": 3, "pages": 2, "total": 4, "next": 2, "prev": None,
    }  # fmt: skip
    assert len(ghost("posts/", limit="50").json()["posts"]) == 3


def test_order(ghost, blog):
    assert slugs(ghost("posts/", order="featured DESC, published_at DESC")) == [
        "both", "newest", "career-post", "oldest",
    ]  # fmt: skip
    assert slugs(ghost("posts/", order="published_at asc")) == VISIBLE[::-1]
    assert slugs(ghost("posts/", order="title asc")) == [
        "both", "career-post", "newest", "oldest",
    ]  # fmt: skip
    bad = ghost("posts/", order="password desc")
    assert bad.status_code == 400
    assert error_of(bad)["type"] == "BadRequestError"


# --- filter ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("tag:engineering", ["newest", "both", "oldest"]),
        ("tags.slug:engineering", ["newest", "both", "oldest"]),
        ("tag:-engineering", ["career-post"]),
        ("tag:[elixir,career]", ["career-post", "both"]),
        ("tag:engineering+featured:true", ["both"]),
        ("featured:true,tag:career", ["career-post", "both"]),
        ("(tag:career,tag:elixir)+featured:false", ["career-post"]),
        ("author:ada", ["both", "oldest"]),
        ("authors.slug:[grace]", ["newest", "both"]),
        ("primary_author:ada", ["oldest"]),
        ("primary_tag:elixir", ["both"]),
        ("primary_tag:engineering", ["newest", "oldest"]),
        ("slug:'both'", ["both"]),
        ('slug:"newest"', ["newest"]),
        ("slug:[both,oldest]", ["both", "oldest"]),
        ("visibility:public", VISIBLE),
        ("status:draft", []),
        ("tag:no-such-tag", []),
        ("tag:secret-only", []),
    ],
)
def test_filter(ghost, blog, expression, expected):
    assert slugs(ghost("posts/", filter=expression)) == expected


def test_filter_by_id_and_date(ghost, blog):
    both = blog["posts"]["both"]
    assert slugs(ghost("posts/", filter=f"id:{both.uuid}")) == ["both"]
    when = both.published_at.strftime("%Y-%m-%d %H:%M:%S")
    assert slugs(ghost("posts/", filter=f"published_at:>'{when}'")) == [
        "newest", "career-post",
    ]  # fmt: skip
    assert slugs(ghost("posts/", filter=f"published_at:<='{when}'")) == [
        "both",
        "oldest",
    ]
    # Bare ISO 8601 (a `+` offset would read as "and": quote it, or write Z).
    iso = both.published_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert slugs(ghost("posts/", filter=f"published_at:<{iso}")) == ["oldest"]
    offset = both.published_at.isoformat()
    assert slugs(ghost("posts/", filter=f"published_at:>='{offset}'")) == [
        "newest", "career-post", "both",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "expression",
    ["tag:(", "tag:", ":x", "tag:[a,b", "password:x", "slug:>x", "tag:a+", "(tag:a",
     "published_at:>'yesterday'", "featured:maybe", "tag:a)"],
)  # fmt: skip
def test_a_filter_outside_the_subset_is_ghosts_400(ghost, blog, expression):
    response = ghost("posts/", filter=expression)
    assert response.status_code == 400
    error = error_of(response)
    assert (error["type"], error["message"]) == (
        "BadRequestError",
        "Error parsing filter",
    )
    assert error["context"]


def test_filters_of_tags_and_authors(ghost, blog):
    assert slugs(ghost("tags/", filter="slug:[elixir,career]"), "tags") == [
        "career", "elixir",
    ]  # fmt: skip
    assert slugs(ghost("authors/", filter="slug:-ada"), "authors") == ["grace"]
    assert ghost("tags/", filter="tag:x").status_code == 400


# --- HTTP: caching, versions, CORS ----------------------------------------------------


def test_cache_headers_etag_and_304(production_app, blog, key):
    status, headers, _body = wsgi_get(production_app, f"{BASE}posts/", f"key={key}")
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=0, stale-while-revalidate=0"
    assert headers["Content-Version"] == "v5.0"
    assert headers["ETag"].startswith('W/"')
    again = wsgi_get(production_app, f"{BASE}posts/", f"key={key}",
                     if_none_match=headers["ETag"])  # fmt: skip
    assert again[0] == 304
    assert "post-" in headers["Surrogate-Key"]


def test_an_edit_changes_the_answer(ghost, blog, django_capture_on_commit_callbacks):
    etag = ghost("posts/")["ETag"]
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(slug="brand-new")
    response = ghost("posts/")
    assert response["ETag"] != etag
    assert slugs(response)[0] == "brand-new"


def test_browsers_may_send_accept_version(api, blog):
    preflight = api.options(
        f"{BASE}posts/",
        HTTP_ORIGIN="https://www.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="accept-version",
    )
    assert "accept-version" in preflight["Access-Control-Allow-Headers"].lower()
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_ghost_is_not_in_the_v1_schema(api):
    schema = api.get("/api/v1/schema/?format=json").json()
    assert not [path for path in schema["paths"] if "ghost" in path]


# --- Queries: flat in the number of posts ---------------------------------------------


def test_a_page_of_posts_with_tags_and_authors_costs_the_same_as_one(
    ghost, blog, django_assert_num_queries
):
    ghost("posts/", include="tags,authors")  # directories and counts of this version
    with django_assert_num_queries(1):  # the rows, covers joined
        ghost("posts/", include="tags,authors", limit="1")
    with django_assert_num_queries(1):
        ghost("posts/", include="tags,authors", limit="all")
    with django_assert_num_queries(1):
        ghost("posts/slug/both/", include="tags,authors")
    ghost("tags/", include="count.posts")
    with django_assert_num_queries(1):  # the ids in order; entries from the directory
        ghost("tags/", include="count.posts", limit="all")


def test_plaintext_is_the_bodys_text_a_block_a_paragraph():
    from api.ghost.shapes import plaintext

    assert (
        plaintext(
            '<h2 id="a">Title &amp; more</h2>\n<p>One <em>two</em><br>three</p>\n'
            "<ul>\n<li>x</li>\n<li>y</li>\n</ul>"
        )
        == "Title & more\n\nOne two\nthree\n\nx\n\ny"
    )
