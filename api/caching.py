"""HTTP caching that is never stale: validators and rendered responses keyed by the
content version (`blog.versioning`).

Two layers share one idea. `ResponseCacheMiddleware`, the outermost Django
middleware, adds `ETag`, `Last-Modified` and `Cache-Control` to every successful API
response, answers conditional requests with a 304, and stores the final bytes under a
key made of the request. `CachedResponseApp` wraps the WSGI application (see
`config/wsgi.py`) and answers repeated requests from that store before Django runs:
one cache read for the version, the body from this process's memory or the shared
cache, no database, no serializer.

Only responses that Django produced with a 200 are ever stored, so a request is
validated before it can be answered from the cache or with a 304: a request whose
key has no entry goes through the whole stack.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from hashlib import blake2b

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe

from blog import versioning

logger = logging.getLogger(__name__)

VERSION_ENVIRON = "writing_api.content_version"
CACHED_PREFIX = "/api/v1/"
UNCACHED_PREFIXES = (
    "/api/v1/preview/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
)
ENTRY_TIMEOUT = 3600
VARY = ("Accept", "Accept-Encoding", "Origin")
# Request headers that change the bytes of a response; all are part of the key.
_KEY_HEADERS = (
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_ACCEPT",
    "HTTP_ORIGIN",
)
_GZIP = re.compile(r"\bgzip\b")
# Headers computed per answer rather than stored.
_PER_ANSWER = {"content-length", "cache-control", "date", "server"}
_NOT_IN_304 = {"content-type", "content-encoding", "content-length"}


@dataclass(frozen=True, slots=True)
class CachedEntry:
    token: str
    etag: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None

    @property
    def size(self) -> int:
        return len(self.body or b"") + 512


def applies_to(method: str, path: str) -> bool:
    return (
        method in ("GET", "HEAD")
        and path.startswith(CACHED_PREFIX)
        and not path.startswith(UNCACHED_PREFIXES)
    )


def request_key(environ: dict) -> str:
    """Everything about a request that can change the bytes of its answer."""
    parts = [environ.get(name, "") for name in _KEY_HEADERS]
    parts.append(
        "gzip" if _GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", "")) else ""
    )
    raw = "\x00".join(parts).encode("utf-8", "backslashreplace")
    return "response:" + blake2b(raw, digest_size=16).hexdigest()


def make_etag(token: str, key: str) -> str:
    return f'W/"{blake2b((token + key).encode(), digest_size=12).hexdigest()}"'


def cache_control(version: versioning.ContentVersion, now: float) -> str:
    """`public, max-age=...`, cut short so no cache outlives the next scheduled post."""
    max_age = settings.API_CACHE_MAX_AGE
    if version.rollover_at is not None:
        max_age = max(0, min(max_age, int(version.rollover_at - now)))
    swr = settings.API_STALE_WHILE_REVALIDATE if max_age else 0
    return f"public, max-age={max_age}, stale-while-revalidate={swr}"


def is_not_modified(meta: dict, etag: str, last_modified: int) -> bool:
    """RFC 9110 section 13.2.2: If-None-Match wins; If-Modified-Since otherwise."""
    if_none_match = meta.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        candidates = parse_etags(if_none_match[:8192])
        if "*" in candidates:
            return True
        bare = etag.removeprefix("W/")
        return any(candidate.removeprefix("W/") == bare for candidate in candidates)
    if_modified_since = meta.get("HTTP_IF_MODIFIED_SINCE")
    if if_modified_since:
        since = parse_http_date_safe(if_modified_since[:200])
        return since is not None and last_modified <= since
    return False


class LocalEntries:
    """This process's copy of recent entries, bounded in bytes.

    An entry is only used while its version token is the current one, which every
    request reads from the shared cache, so this copy can never serve stale bytes.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[str, CachedEntry] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str, token: str) -> CachedEntry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is None or entry.token != token:
                return None
            self.entries.move_to_end(key)
            return entry

    def put(self, key: str, entry: CachedEntry) -> None:
        if entry.size > self.max_bytes // 2:
            return
        with self.lock:
            old = self.entries.pop(key, None)
            if old is not None:
                self.size -= old.size
            self.entries[key] = entry
            self.size += entry.size
            while self.size > self.max_bytes:
                _, evicted = self.entries.popitem(last=False)
                self.size -= evicted.size

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.size = 0


# 16 MB a worker: room for the writing index (about 4 MB at 10,000 posts) and the
# hot pages, and a bound a worker's memory reaches once and then keeps.
LOCAL = LocalEntries(max_bytes=16 * 1024 * 1024)


def find_entry(key: str, token: str) -> CachedEntry | None:
    entry = LOCAL.get(key, token)
    if entry is None:
        entry = cache.get(key)
        if entry is None or entry.token != token:
            return None
        LOCAL.put(key, entry)
    return entry


def store_entry(key: str, entry: CachedEntry) -> None:
    LOCAL.put(key, entry)
    cache.set(key, entry, ENTRY_TIMEOUT)


def not_modified_headers(entry: CachedEntry, cache_control_value: str) -> list:
    headers = [(k, v) for k, v in entry.headers if k.lower() not in _NOT_IN_304]
    headers.append(("Cache-Control", cache_control_value))
    return headers


class ResponseCacheMiddleware:
    """Validators, 304s and storing of successful API responses (outermost)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not applies_to(request.method, request.path_info):
            return self.get_response(request)
        # Read the version before the view reads the database: data rendered under
        # it can then only be older-or-equal, and a commit after this point renews
        # the version, orphaning whatever this request stores.
        try:
            version = request.environ.get(VERSION_ENVIRON) or versioning.current()
        except Exception:
            logger.warning("Content version unavailable; answering uncached.")
            return self.get_response(request)  # the view then answers (or 503s)
        with versioning.pinning(version):  # counts and tags kept per version
            response = self.get_response(request)
        if (
            response.status_code != 200
            or response.streaming
            or response.has_header("Set-Cookie")
        ):
            return response

        key = request_key(request.environ)
        etag = make_etag(version.token, key)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(version.last_modified)
        patch_vary_headers(response, VARY)
        headers = tuple(
            (name, value)
            for name, value in response.items()
            if name.lower() not in _PER_ANSWER
        )
        body = response.content if settings.API_RESPONSE_CACHE else None
        entry = CachedEntry(version.token, etag, headers, body)
        store_entry(key, entry)
        response["Cache-Control"] = cache_control(version, time.time())

        if is_not_modified(request.META, etag, version.last_modified):
            not_modified = HttpResponseNotModified()
            for name, value in not_modified_headers(entry, response["Cache-Control"]):
                not_modified[name] = value
            return not_modified
        return response


class CachedResponseApp:
    """WSGI layer: answers cached GETs and 304s before Django runs."""

    def __init__(self, application) -> None:
        self.application = application
        # With a rate limit every request must reach the throttle in DRF.
        self.enabled = not settings.API_THROTTLE_RATE

    def __call__(self, environ, start_response):
        body = self._answer(environ, start_response)
        if environ.get("REQUEST_METHOD") == "HEAD":
            # Django renders a body for HEAD too; a server must not send it.
            close = getattr(body, "close", None)
            if close is not None:
                close()  # ends the request: request_finished, connections
            return []
        return body

    def _answer(self, environ, start_response):
        if not self.enabled or not applies_to(
            environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", "")
        ):
            return self.application(environ, start_response)
        try:
            version = versioning.current()
            key = request_key(environ)
            entry = find_entry(key, version.token)
        except Exception:
            # The cache or the database is down: let Django answer (or 503).
            return self.application(environ, start_response)
        environ[VERSION_ENVIRON] = version
        if entry is None:
            return self.application(environ, start_response)

        control = cache_control(version, time.time())
        if is_not_modified(environ, entry.etag, version.last_modified):
            start_response("304 Not Modified", not_modified_headers(entry, control))
            return []
        if entry.body is None:
            return self.application(environ, start_response)
        headers = list(entry.headers)
        headers.append(("Cache-Control", control))
        headers.append(("Content-Length", str(len(entry.body))))
        start_response("200 OK", headers)
        return [entry.body]
