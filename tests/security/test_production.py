"""Production safety: headers, CSP that lets the docs and admin work, admin lockout,
rate limits keyed on the real client, and no stack traces in errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from api import throttling
from tests.wsgi import wsgi_get

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_api_responses_carry_the_security_headers(client, blog):
    response = client.get("/api/v1/posts/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert (
        response["Content-Security-Policy"]
        == "default-src 'none'; frame-ancestors 'none'"
    )


def test_https_responses_carry_hsts(client, blog):
    response = client.get("/api/v1/posts/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/", "/admin/login/"])
def test_html_pages_get_a_csp_that_allows_only_local_assets(client, path):
    response = client.get(path)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert "https://" not in html, "the docs must not load anything from elsewhere"
    assert "<script>" not in html, "inline scripts would be blocked by the CSP"


def test_error_responses_show_no_stack_trace(client, blog, monkeypatch):
    from api import views

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.PostListView, "get", explode)
    client.raise_request_exception = False
    response = client.get("/api/v1/posts/")
    assert response.status_code == 500
    assert response.json() == {
        "status": 500, "code": "server_error", "detail": "Internal server error.",
        "errors": [],
    }  # fmt: skip
    assert b"secret internals" not in response.content
    assert b"Traceback" not in response.content
    assert response["Cache-Control"] == "no-store"


def test_the_admin_path_is_configurable():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.urls import reverse; print(reverse('admin:index'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_DEBUG": "true", "DJANGO_ADMIN_URL": "backstage/"},
    )  # fmt: skip
    assert result.stdout.splitlines()[-1] == "/backstage/", result.stderr


def test_admin_logins_are_locked_after_repeated_failures(client):
    get_user_model().objects.create_superuser("editor", "", "right-password-123")
    for _ in range(5):
        client.post("/admin/login/", {"username": "editor", "password": "wrong"})
    response = client.post(
        "/admin/login/", {"username": "editor", "password": "right-password-123"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def _log_in(client, password: str, forwarded_for: str):
    return client.post(
        "/admin/login/",
        {"username": "editor", "password": password},
        REMOTE_ADDR="10.0.0.2",  # the proxy
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_one_proxy_the_lockout_keys_on_the_address_the_proxy_saw(
    client, settings
):
    settings.NUM_PROXIES = 1
    get_user_model().objects.create_superuser("editor", "", "right-password-123")
    for forged in range(5):  # an attacker, forging a different address each time
        _log_in(client, "wrong", f"198.51.100.{forged}, 203.0.113.66")
    attacker = _log_in(client, "right-password-123", "1.2.3.4, 203.0.113.66")
    assert attacker.status_code == 429  # locked: the forged part counts for nothing
    editor = _log_in(client, "right-password-123", "203.0.113.7")
    assert editor.status_code == 302  # another client address: not locked out
    assert "_auth_user_id" in client.session


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(client, settings):
    settings.NUM_PROXIES = 0
    get_user_model().objects.create_superuser("editor", "", "right-password-123")
    for forged in range(5):
        _log_in(client, "wrong", f"198.51.100.{forged}")
    assert _log_in(client, "right-password-123", "203.0.113.7").status_code == 429


@pytest.fixture
def throttled(settings, monkeypatch):
    settings.API_THROTTLE_RATE = "3/minute"
    # Ten seconds into a window: the fixed window cannot roll over between requests.
    monkeypatch.setattr(throttling, "clock", lambda: 1_800_000_010.0)
    return settings


def test_the_rate_limit_answers_429_in_the_error_shape(client, blog, throttled):
    for _ in range(3):
        assert client.get("/api/v1/posts/").status_code == 200
    response = client.get("/api/v1/posts/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert int(response["Retry-After"]) > 0


def test_a_forged_forwarded_for_cannot_dodge_the_limit(client, blog, throttled):
    for i in range(3):
        client.get("/api/v1/index/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = client.get("/api/v1/index/", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_behind_one_proxy_the_limit_follows_the_address_it_saw(client, blog, throttled):
    throttled.NUM_PROXIES = 1
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        client.get("/api/v1/index/", HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")
    blocked = client.get("/api/v1/index/", HTTP_X_FORWARDED_FOR="4.4.4.4, 203.0.113.7")
    other = client.get("/api/v1/index/", HTTP_X_FORWARDED_FOR="203.0.113.8")
    assert blocked.status_code == 429
    assert other.status_code == 200


def test_without_a_rate_limit_nothing_is_counted(client, blog):
    for _ in range(20):
        assert client.get("/api/v1/tags/").status_code == 200


def test_with_a_rate_limit_cached_answers_are_counted_and_still_served_early(
    blog, throttled, production_app, django_assert_num_queries
):
    assert wsgi_get(production_app, "/api/v1/tags/")[0] == 200
    with django_assert_num_queries(0):  # answered by the WSGI layer
        assert wsgi_get(production_app, "/api/v1/tags/")[0] == 200
        assert wsgi_get(production_app, "/api/v1/tags/")[0] == 200
        status, headers, body = wsgi_get(production_app, "/api/v1/tags/")
    assert status == 429
    assert headers["Cache-Control"] == "no-store"
    assert int(headers["Retry-After"]) > 0
    assert json.loads(body)["code"] == "throttled"


def test_the_limit_counts_each_request_once_whichever_layer_sees_it(
    blog, throttled, production_app
):
    statuses = [wsgi_get(production_app, "/api/v1/posts/nope/")[0] for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_the_statement_timeout_is_set_on_postgresql():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; "
         "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options'))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
        env={**env, "DJANGO_DEBUG": "true",
             "DATABASE_URL": "postgres://u@127.0.0.1:1/x",
             "DATABASE_STATEMENT_TIMEOUT_MS": "1234"},
    )  # fmt: skip
    assert result.stdout.splitlines()[-1] == (
        "-c statement_timeout=1234 -c work_mem=16MB -c random_page_cost=1.1"
    ), result.stderr


@pytest.mark.postgres
def test_the_session_plans_for_data_in_memory(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


@pytest.mark.postgres
def test_a_slow_query_is_cancelled_by_the_statement_timeout(db):
    from django.db import OperationalError, connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 50")
        with pytest.raises(OperationalError):
            cursor.execute("SELECT pg_sleep(1)")


def test_html_pages_may_show_the_image_librarys_files(client, settings):
    settings.API_PUBLIC_URL = "https://api.example.com"
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    (images,) = [part for part in policy.split("; ") if part.startswith("img-src")]
    assert images == "img-src 'self' data: https://api.example.com"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "media", "custom_domain": "cdn.example.com"},
        },
    }
    policy = client.get("/admin/login/")["Content-Security-Policy"]
    assert "img-src 'self' data: https://api.example.com https://cdn.example.com" in (
        policy
    )
