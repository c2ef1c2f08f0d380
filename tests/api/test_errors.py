import pytest

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/posts/"


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"status", "code", "detail", "errors"}
    assert body["status"] == status
    assert body["code"] == code
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"tag": "nope"}, "tag"),
        ({"tag": "Not A Slug"}, "tag"),
        ({"exclude_tag": "nope"}, "exclude_tag"),
        ({"tag_match": "some"}, "tag_match"),
        ({"featured": "yes"}, "featured"),
        ({"published_after": "yesterday"}, "published_after"),
        ({"published_before": "2026-02-30"}, "published_before"),
        ({"year": "26"}, "year"),
        ({"year": "0999"}, "year"),
        ({"ordering": "id"}, "ordering"),
        ({"ordering": "body"}, "ordering"),
        ({"search": "x" * 201}, "search"),
        ({"search": "a\x00b"}, "search"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
    ],
)
def test_a_bad_parameter_is_a_400_that_names_it(api, blog, params, parameter):
    body = assert_error(api.get(POSTS, params), 400, "invalid_parameter")
    assert [error["parameter"] for error in body["errors"]] == [parameter]
    assert parameter in body["detail"]


def test_an_unknown_tag_on_the_tag_page_is_a_400_too(api, blog):
    response = api.get("/api/v1/tags/engineering/posts/", {"tag": "nope"})
    assert_error(response, 400, "invalid_parameter")


def test_several_bad_parameters_are_all_named(api, blog):
    body = assert_error(
        api.get(POSTS, {"tag": "nope", "ordering": "x"}), 400, "invalid_parameter"
    )
    assert {error["parameter"] for error in body["errors"]} == {"tag", "ordering"}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_are_a_405_json_error(api, blog, method):
    response = getattr(api, method)(POSTS)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response["Allow"]


def test_head_and_options_are_allowed(api, blog):
    assert api.head(POSTS).status_code == 200
    assert api.options(POSTS).status_code == 200


def test_a_non_json_accept_header_is_a_406(api, blog):
    assert_error(api.get(POSTS, HTTP_ACCEPT="text/html"), 406, "not_acceptable")


def test_an_unknown_format_is_a_406(api, blog):
    assert_error(api.get(POSTS, {"format": "xml"}), 406, "not_acceptable")


def test_a_json_accept_header_is_fine(api, blog):
    assert api.get(POSTS, HTTP_ACCEPT="application/json").status_code == 200
    assert api.get(POSTS, HTTP_ACCEPT="*/*").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nowhere/",
        "/api/v1/posts/Not_A_Slug/",
        "/api/v1/posts/" + "a" * 201 + "/",
        "/api/v1/tags/bad--slug/",
    ],
)
def test_unknown_paths_and_malformed_slugs_are_a_json_404(api, blog, path):
    assert_error(api.get(path), 404, "not_found")


def test_a_malformed_slug_is_rejected_before_any_query(
    api, content_version, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert api.get("/api/v1/posts/DROP%20TABLE/").status_code == 404


def test_an_unreachable_database_is_a_503_json_error(api, blog, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def refuse(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(CursorWrapper, "execute", refuse)
    response = api.get(POSTS)
    assert_error(response, 503, "service_unavailable")
    assert response["Retry-After"]
