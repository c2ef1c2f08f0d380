import pytest

pytestmark = pytest.mark.django_db


def test_any_origin_may_read_the_api_without_credentials(client, blog):
    response = client.get("/api/v1/posts/", HTTP_ORIGIN="https://www.example.com")
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response


def test_a_preflight_allows_only_reads(client, blog):
    response = client.options(
        "/api/v1/posts/",
        HTTP_ORIGIN="https://www.example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 200
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }


def test_cors_does_not_touch_the_admin(client, db):
    response = client.get("/admin/login/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in response


def test_allowed_origins_restrict_the_api(client, blog, settings):
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = ["https://www.example.com"]
    allowed = client.get("/api/v1/posts/", HTTP_ORIGIN="https://www.example.com")
    other = client.get("/api/v1/posts/", HTTP_ORIGIN="https://evil.example")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.example.com"
    assert "Access-Control-Allow-Origin" not in other
