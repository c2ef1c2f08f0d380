"""The optional anonymous rate limit (`API_THROTTLE_RATE`, e.g. `600/minute`).

Counted in front of Django, before the response cache answers (`api.caching`), so
a throttled deployment still serves hits without Django: one atomic cache operation
a request (Redis `INCR` in a fixed window). Keyed on the client address behind
`DJANGO_NUM_PROXIES` trusted proxies (`config.proxies`), so a forged
X-Forwarded-For cannot dodge it. When the cache cannot count, nothing is refused.
"""

from __future__ import annotations

import functools
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse

from api.errors import error_body, json_error
from api.middleware import JSON_POLICY
from api.renderers import render_json
from config.proxies import client_address

CHECKED_ENVIRON = "writing_api.throttle_checked"
# An answer for one client only; and the headers every JSON answer carries.
_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", JSON_POLICY),
)
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# The window's clock; tests hold it still so a window boundary cannot fall mid-test.
clock = time.time


@functools.lru_cache(maxsize=8)
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window seconds) from `600/minute` (DRF's notation)."""
    count, _, period = rate.partition("/")
    return int(count), _PERIODS[period.strip()[0]]


def rejection(environ: dict) -> int | None:
    """Seconds to wait when this request is over the limit, else None. Counts each
    request once, whichever layer asks first."""
    if not settings.API_THROTTLE_RATE or environ.get(CHECKED_ENVIRON):
        return None
    environ[CHECKED_ENVIRON] = True
    limit, window = parse_rate(settings.API_THROTTLE_RATE)
    now = clock()
    start = int(now // window) * window
    key = f"throttle:{client_address(environ)}:{start}"
    count = cache.count_in_window(key, window)
    if count is None or count <= limit:
        return None
    return max(1, int(start + window - now))


def _detail(retry_after: int) -> str:
    return f"Too many requests; retry in {retry_after} seconds."


def throttled_response(retry_after: int) -> HttpResponse:
    response = json_error(429, _detail(retry_after))
    response["Retry-After"] = str(retry_after)
    for name, value in _HEADERS:
        response[name] = value
    return response


def throttled_wsgi(retry_after: int, start_response) -> list[bytes]:
    body = render_json(error_body(429, _detail(retry_after)))
    start_response(
        "429 Too Many Requests",
        [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(body))),
            ("Retry-After", str(retry_after)),
            *_HEADERS,
        ],
    )
    return [body]
