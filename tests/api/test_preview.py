"""Signed draft previews: any post by token, never cached, never a leak elsewhere."""

import time
from io import StringIO
from pathlib import Path
from unittest import mock

import pytest
import yaml
from django.core import signing
from django.core.management import CommandError, call_command

from api import caching
from blog import preview
from tests.factories import PostFactory, TagFactory
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db

COMMITTED_SCHEMA = Path(__file__).with_name("openapi.yaml")


def preview_path(post_id: int) -> str:
    return f"/api/v1/preview/{preview.make_token(post_id)}/"


def token_made_seconds_ago(post_id: int, seconds: int) -> str:
    with mock.patch(
        "django.core.signing.time.time", return_value=time.time() - seconds
    ):
        return preview.make_token(post_id)


@pytest.mark.parametrize("trait", ["draft", "scheduled", "published"])
def test_a_valid_token_shows_the_post_in_any_state(api, trait):
    tag = TagFactory(slug="elixir", name="Elixir")
    post = PostFactory(
        slug="the-post", title="The post", tags=[tag],
        **({} if trait == "published" else {trait: True}),
    )  # fmt: skip
    response = api.get(preview_path(post.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "the-post"
    assert body["title"] == "The post"
    assert [(tag["slug"], tag["name"]) for tag in body["tags"]] == [
        ("elixir", "Elixir")
    ]
    assert body["id"] == str(post.uuid)
    assert body["toc"] == [
        {"level": 2, "id": "why-it-matters", "text": "Why it matters"}
    ]
    assert "<h2" in body["body_html"]
    assert body["url"].endswith("/api/v1/posts/the-post/")


def test_a_preview_has_every_field_of_the_post_shape(api):
    post = PostFactory()
    published = api.get(f"/api/v1/posts/{post.slug}/").json()
    previewed = api.get(preview_path(post.pk)).json()
    assert previewed == published


def test_an_undated_draft_has_no_date_and_no_neighbours(api):
    PostFactory(slug="older")
    draft = PostFactory(draft=True)
    body = api.get(preview_path(draft.pk)).json()
    assert body["published_at"] is None
    assert body["previous"] is None
    assert body["next"] is None


def test_a_scheduled_post_shows_its_publish_time_and_neighbours(api):
    older = PostFactory(slug="older")
    scheduled = PostFactory(scheduled=True)
    body = api.get(preview_path(scheduled.pk)).json()
    assert body["published_at"].endswith("Z")
    assert body["previous"]["slug"] == older.slug
    assert body["next"] is None


def test_a_preview_shows_the_latest_saved_text(api):
    post = PostFactory(draft=True, title="First title")
    path = preview_path(post.pk)
    assert api.get(path).json()["title"] == "First title"
    post.title = "Second title"
    post.save()
    assert api.get(path).json()["title"] == "Second title"


def test_a_renamed_draft_keeps_its_preview_link(api):
    post = PostFactory(draft=True, slug="first-slug")
    path = preview_path(post.pk)
    post.slug = "second-slug"
    post.save()
    assert api.get(path).json()["slug"] == "second-slug"


def assert_json_404(response) -> None:
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "status": 404, "code": "not_found", "detail": "Not found.", "errors": [],
    }  # fmt: skip


def test_an_expired_token_is_a_404(api, settings):
    settings.PREVIEW_TOKEN_MAX_AGE = 3600
    post = PostFactory(draft=True)
    token = token_made_seconds_ago(post.pk, 3601)
    assert_json_404(api.get(f"/api/v1/preview/{token}/"))


def test_a_token_within_its_lifetime_still_works(api, settings):
    settings.PREVIEW_TOKEN_MAX_AGE = 3600
    post = PostFactory(draft=True)
    token = token_made_seconds_ago(post.pk, 3500)
    assert api.get(f"/api/v1/preview/{token}/").status_code == 200


def test_the_lifetime_setting_applies_to_tokens_already_made(api, settings):
    post = PostFactory(draft=True)
    token = token_made_seconds_ago(post.pk, 120)
    settings.PREVIEW_TOKEN_MAX_AGE = 60
    assert_json_404(api.get(f"/api/v1/preview/{token}/"))


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: "x" + token,
        lambda token: token.split(":")[0],
        lambda token: signing.dumps({"post": 1}, salt="another.salt"),
        lambda token: signing.dumps({"post": 1}, salt=preview.SALT, key="other-key"),
        lambda token: signing.dumps({"post": "1"}, salt=preview.SALT),
        lambda token: signing.dumps({"post": True}, salt=preview.SALT),
        lambda token: signing.dumps([1], salt=preview.SALT),
        lambda token: "not-a-token",
    ],
    ids=[
        "changed-signature", "changed-payload", "payload-only", "other-salt",
        "other-key", "string-id", "boolean-id", "not-a-dict", "garbage",
    ],
)  # fmt: skip
def test_a_tampered_or_foreign_token_is_a_404(api, tamper):
    post = PostFactory(draft=True, pk=1)
    token = tamper(preview.make_token(post.pk))
    assert_json_404(api.get(f"/api/v1/preview/{token}/"))


def test_a_token_for_another_post_cannot_be_made_by_editing_the_payload(api):
    first = PostFactory(draft=True)
    second = PostFactory(draft=True)
    token = preview.make_token(first.pk)
    payload, rest = token.split(":", 1)
    forged_payload = preview.make_token(second.pk).split(":", 1)[0]
    assert_json_404(api.get(f"/api/v1/preview/{forged_payload}:{rest}/"))
    assert payload != forged_payload


def test_a_token_for_a_deleted_post_is_a_404(api):
    post = PostFactory(draft=True)
    path = preview_path(post.pk)
    post.delete()
    assert_json_404(api.get(path))


def test_a_session_cookie_signature_is_not_a_preview_token(api):
    token = signing.dumps({"post": 1}, salt="django.contrib.sessions.SessionStore")
    PostFactory(draft=True, pk=1)
    assert_json_404(api.get(f"/api/v1/preview/{token}/"))


def test_previews_are_private_and_never_stored(api):
    post = PostFactory(draft=True)
    path = preview_path(post.pk)
    first = api.get(path)
    assert first["Cache-Control"] == "private, no-store"
    assert "ETag" not in first
    assert "Last-Modified" not in first
    # A second request is answered by the view again, not from a cache.
    post.title = "Changed"
    post.save()
    second = api.get(path, HTTP_IF_NONE_MATCH="*")
    assert second.status_code == 200
    assert second.json()["title"] == "Changed"
    assert second["Cache-Control"] == "private, no-store"


def test_preview_errors_are_not_cacheable_either(api):
    response = api.get("/api/v1/preview/not-a-token/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "private, no-store"


def test_the_production_stack_never_stores_a_preview(production_app):
    post = PostFactory(draft=True, title="Before")
    path = preview_path(post.pk)
    status, headers, _ = wsgi_get(production_app, path)
    assert status == 200
    assert headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in headers
    assert not caching.LOCAL.entries
    post.title = "After"
    post.save(update_fields=["title"])
    status, _, body = wsgi_get(production_app, path, if_none_match="*")
    assert status == 200
    assert b'"title":"After"' in body


def test_a_preview_never_makes_the_draft_visible_elsewhere(api):
    draft = PostFactory(draft=True, slug="secret-draft", tags=[TagFactory()])
    scheduled = PostFactory(scheduled=True, slug="future-post")
    for post in (draft, scheduled):
        assert api.get(preview_path(post.pk)).status_code == 200
    for post in (draft, scheduled):
        assert api.get(f"/api/v1/posts/{post.slug}/").status_code == 404
    listed = [p["slug"] for p in api.get("/api/v1/posts/").json()["results"]]
    indexed = [p["slug"] for p in api.get("/api/v1/index/").json()["results"]]
    assert "secret-draft" not in listed
    assert "future-post" not in listed
    assert "secret-draft" not in indexed
    assert "future-post" not in indexed


def test_only_get_head_and_options_are_allowed(api):
    post = PostFactory(draft=True)
    response = api.post(preview_path(post.pk))
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def test_a_preview_takes_a_fixed_number_of_queries(
    api, content_version, django_assert_num_queries
):
    tag = TagFactory()
    for _ in range(5):
        PostFactory(tags=[tag])
    post = PostFactory(draft=True, tags=[tag])
    path = preview_path(post.pk)
    # The post with its link ids, the tag and author directories, the related
    # posts, the site's settings (`seo`).
    with django_assert_num_queries(5):
        assert api.get(path).status_code == 200
    dated = PostFactory(tags=[tag])
    # ...plus the previous and next posts for a post with a date.
    with django_assert_num_queries(7):
        assert api.get(preview_path(dated.pk)).status_code == 200


def test_tokens_name_the_post_and_nothing_else():
    token = preview.make_token(42)
    assert signing.loads(token, salt=preview.SALT) == {"post": 42}
    assert preview.post_id_from_token(token) == 42


def test_the_preview_link_uses_the_front_end_when_configured(settings):
    settings.FRONTEND_PREVIEW_URL = "https://www.example.com/preview?token={token}"
    assert (
        preview.preview_url("abc:def", "https://api.example.com/api/v1/preview/x/")
        == "https://www.example.com/preview?token=abc:def"
    )


def test_the_preview_link_is_the_api_url_without_a_front_end(settings):
    settings.FRONTEND_PREVIEW_URL = ""
    api_url = "https://api.example.com/api/v1/preview/abc/"
    assert preview.preview_url("abc", api_url) == api_url


def test_the_preview_url_command_prints_a_working_link(api, settings):
    settings.FRONTEND_PREVIEW_URL = ""
    post = PostFactory(draft=True, slug="a-draft")
    out = StringIO()
    call_command(
        "preview_url", "a-draft", "--base-url", "http://testserver/", stdout=out
    )
    url = out.getvalue().strip()
    assert url.startswith("http://testserver/api/v1/preview/")
    response = api.get(url.removeprefix("http://testserver"))
    assert response.json()["slug"] == post.slug


def test_the_preview_url_command_uses_the_front_end_when_configured(settings):
    settings.FRONTEND_PREVIEW_URL = "https://www.example.com/preview/{token}"
    post = PostFactory(draft=True, slug="a-draft")
    out = StringIO()
    call_command("preview_url", "a-draft", stdout=out)
    url = out.getvalue().strip()
    assert url.startswith("https://www.example.com/preview/")
    token = url.rsplit("/", 1)[1]
    assert preview.post_id_from_token(token) == post.pk


def test_the_preview_url_command_explains_an_unknown_slug():
    with pytest.raises(CommandError, match="No post with the slug 'nope'"):
        call_command("preview_url", "nope")


def test_the_schema_declares_the_preview_with_its_own_component():
    schema = yaml.safe_load(COMMITTED_SCHEMA.read_text())
    operation = schema["paths"]["/api/v1/preview/{token}/"]["get"]
    assert operation["operationId"] == "getPreview"
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PreviewPost"}
    assert operation["responses"]["404"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Error"
    }
    components = schema["components"]["schemas"]
    preview_post, post = components["PreviewPost"], components["Post"]
    assert set(preview_post["properties"]) == set(post["properties"])
    for nullable in ("published_at", "previous", "next"):
        assert preview_post["properties"][nullable]["nullable"] is True
    assert "nullable" not in post["properties"]["published_at"]
    link = preview_post["properties"]["previous"]["allOf"][0]
    assert link == {"$ref": "#/components/schemas/PostLink"}
