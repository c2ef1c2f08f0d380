"""One cache entry and one ETag per meaning: the canonical query string, and what
may be stored at all, by declaration."""

import json

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from api import caching
from api.parameters import PAGINATED, QueryParameters, positive_integer
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


@pytest.fixture
def app(production_app):
    return production_app


SAME_AS_TAG_ENGINEERING = [
    "tag=engineering",
    "tag=engineering&cb=1",
    "cb=2&tag=engineering&utm_source=x",
    "tag=engineering&tag=engineering",
    "tag=engineering&page=1",
    "tag=engineering&page=01&page_size=20",
    "tag=engineering&page_size=020&tag_match=any",
    "tag=engineering&search=&featured=&ordering=",
    "tag=&tag=engineering",
    "tag=engineering&format=json",
]


def test_requests_that_differ_only_in_what_the_endpoint_ignores_share_an_entry(
    blog, app
):
    answers = [wsgi_get(app, POSTS, query) for query in SAME_AS_TAG_ENGINEERING]
    assert {answer[0] for answer in answers} == {200}
    assert len({answer[1]["ETag"] for answer in answers}) == 1
    assert len({answer[2] for answer in answers}) == 1
    assert len(caching.LOCAL.entries) == 1


def test_the_order_of_repeated_values_does_not_matter(blog, app):
    one = wsgi_get(app, POSTS, "tag=engineering&tag=elixir")
    other = wsgi_get(app, POSTS, "tag=elixir&tag=engineering&tag=elixir")
    assert one[1]["ETag"] == other[1]["ETag"]
    assert one[2] == other[2]


def test_pagination_links_are_the_same_bytes_whichever_spelling_was_sent(blog, app):
    plain = json.loads(wsgi_get(app, POSTS, "page_size=1&tag=engineering")[2])
    noisy = json.loads(
        wsgi_get(app, POSTS, "cb=9&tag=engineering&page_size=0001&page=1")[2]
    )
    assert plain["next"] == noisy["next"]
    assert plain["next"].endswith("/api/v1/posts/?page=2&page_size=1&tag=engineering")


def test_meaningful_differences_keep_their_own_entries(blog, app):
    etags = {
        wsgi_get(app, POSTS, query)[1]["ETag"]
        for query in ("", "tag=engineering", "tag_match=all&tag=engineering",
                      "ordering=title", "page_size=2")
    }  # fmt: skip
    assert len(etags) == 5


def test_invalid_values_are_kept_so_they_are_still_a_400(blog, app):
    for query in ("page=0", "page=abc", "tag_match=neither", "page_size=-1"):
        assert wsgi_get(app, POSTS, f"cb=1&{query}")[0] == 400, query


def test_a_json_only_request_is_not_answered_from_the_cache_with_a_406_header(
    blog, app
):
    assert wsgi_get(app, POSTS)[0] == 200
    assert wsgi_get(app, POSTS, accept="text/html")[0] == 406
    assert wsgi_get(app, POSTS, "format=json", accept="text/html")[0] == 406
    assert wsgi_get(app, POSTS, "format=json")[0] == 200


def test_an_unlisted_origin_shares_the_entry_of_no_origin(blog, app, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.com"]
    settings.CORS_ALLOW_ALL_ORIGINS = False
    plain = wsgi_get(app, POSTS)
    stranger = wsgi_get(app, POSTS, origin="https://evil.example")
    friend = wsgi_get(app, POSTS, origin="https://www.example.com")
    assert stranger[1]["ETag"] == plain[1]["ETag"]
    assert "access-control-allow-origin" not in lowered(stranger[1])
    assert lowered(friend[1])["access-control-allow-origin"] == (
        "https://www.example.com"
    )
    # corsheaders matches the scheme and host: so does the key.
    with_path = wsgi_get(app, POSTS, origin="https://www.example.com/x")
    assert lowered(with_path[1])["access-control-allow-origin"] == (
        "https://www.example.com/x"
    )


def lowered(headers: dict) -> dict:
    return {name.lower(): value for name, value in headers.items()}


@pytest.mark.parametrize(
    ("value", "canonical"),
    [("1", None), ("007", "7"), ("0", "0"), ("abc", "abc"), ("9" * 30, "9" * 30)],
)
def test_positive_integers_fold_to_one_spelling(value, canonical):
    assert positive_integer(default=1)(value) == canonical


def test_the_canonical_query_is_sorted_and_keeps_the_last_single_value():
    parameters = QueryParameters(
        repeated=frozenset({"tag"}), single=PAGINATED.single | {"ordering"},
        normalisers=PAGINATED.normalisers,
    )  # fmt: skip
    query = "tag=b&ordering=x&tag=a&ordering=title&zzz=1&page_size=500"
    assert parameters.canonical_query(query) == (
        "ordering=title&page_size=100&tag=a&tag=b"
    )


# --- What may be stored: declared by every view ------------------------------------


def _api_views(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_every_api_route_declares_whether_shared_caches_may_keep_it():
    routes = [(route, view) for route, view in _api_views(get_resolver())
              if route.startswith("api/")]  # fmt: skip
    assert len(routes) >= 10
    undeclared = [route for route, view in routes if not caching.declared_policy(view)]
    assert undeclared == []


def test_a_private_answer_is_never_stored_nor_given_validators(blog, app):
    from blog import preview

    path = f"/api/v1/preview/{preview.make_token(blog['posts']['draft'].pk)}/"
    status, headers, _ = wsgi_get(app, path)
    assert status == 200
    assert headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in headers
    assert caching.LOCAL.entries == {}


def test_an_authorised_request_is_neither_answered_nor_stored_by_the_cache(blog, app):
    wsgi_get(app, POSTS)
    status, headers, _ = wsgi_get(app, POSTS, authorization="Bearer x")
    assert status == 200
    assert "ETag" not in headers
    assert len(caching.LOCAL.entries) == 1


# --- Errors: briefly public, never past a scheduled publish; 5xx never ------------


def test_a_404_is_public_for_the_error_max_age(api, blog, settings):
    settings.API_ERROR_MAX_AGE = 10
    blog["posts"]["scheduled"].delete()
    response = api.get("/api/v1/posts/nope/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "public, max-age=10"


def test_a_404_for_a_scheduled_post_expires_before_its_publish_time(
    api, db, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from tests.factories import PostFactory

    with django_capture_on_commit_callbacks(execute=True):
        PostFactory(slug="soon", published_at=timezone.now() + timedelta(seconds=3))
    response = api.get("/api/v1/posts/soon/")
    assert response.status_code == 404
    max_age = int(response["Cache-Control"].split("max-age=")[1])
    assert max_age <= 3


@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/v1/posts/", {"tag": "nope"}), ("/api/v1/nothing/", {})],
)
def test_4xx_answers_carry_a_short_public_cache_control(api, blog, path, query):
    response = api.get(path, query)
    assert 400 <= response.status_code < 500
    assert response["Cache-Control"].startswith("public, max-age=")


def test_a_405_is_briefly_public_and_a_503_is_never_stored(api, blog, monkeypatch):
    from django.db import OperationalError

    from blog import post_page

    assert api.post(POSTS)["Cache-Control"].startswith("public, max-age=")

    def unavailable(slug):
        raise OperationalError("the database is away")

    monkeypatch.setattr(post_page, "visible_post", unavailable)
    response = api.get("/api/v1/posts/newest/")
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store"


def test_a_private_endpoints_errors_stay_private(api, blog):
    response = api.get("/api/v1/preview/not-a-token/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


def test_a_blank_last_value_wins_as_django_reads_it():
    parameters = QueryParameters(single=frozenset({"search"}))
    assert parameters.canonical_query("search=foo&search=") == ""
    assert parameters.canonical_query("search=&search=foo") == "search=foo"
