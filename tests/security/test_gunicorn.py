"""Plain `gunicorn config.wsgi:application` gets the production settings from
`gunicorn.conf.py`: an over-long query string reaches the API, which answers it in
its own JSON error shape."""

import json
import urllib.error
import urllib.request

import pytest

from tests.gunicorn_server import gunicorn_url  # noqa: F401  (a fixture)

pytestmark = pytest.mark.postgres


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_a_6000_character_query_string_is_the_apis_json_400(gunicorn_url):  # noqa: F811
    status, headers, body = _get(f"{gunicorn_url}/api/v1/posts/?cb={'x' * 6000}")
    assert status == 400
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert json.loads(body)["errors"][0]["code"] == "query_too_long"


def test_plain_gunicorn_serves_the_api(gunicorn_url):  # noqa: F811
    status, headers, _ = _get(f"{gunicorn_url}/api/v1/posts/")
    assert status == 200
    assert headers["ETag"]
