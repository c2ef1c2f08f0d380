from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from hashlib import blake2b
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_etags, parse_http_date_safe
from rest_framework.utils.mediatypes import media_type_matches

from api import surrogate, throttling
from api.middleware import malformed_parameter
from api.parameters import NONE, QueryParameters
from api.surrogate import SurrogateKeys
from blog import replicas, versioning

logger = logging.getLogger(__name__)

VERSION_ENVIRON = "writing_api.content_version"
POLICY_ENVIRON = "writing_api.http_cache"
# The v1 API and Ghost's Content API (api.ghost).
API_PREFIXES = ("/api/", "/ghost/api/")
ENTRY_TIMEOUT = 3600
VARY = ("Accept", "Accept-Encoding", "Origin")
_GZIP = re.compile(r"\bgzip\b")
# Headers computed per answer rather than stored.
_PER_ANSWER = {"content-length", "cache-control", "date", "server"}
_NOT_IN_304 = {"content-type", "content-encoding", "content-length"}


@dataclass(frozen=True)
class HttpCache:
    """A view's declaration (`http_cache`): may shared caches keep its answers,
    and which query parameters does it read?"""

    public: bool
    parameters: QueryParameters = NONE
    keys: SurrogateKeys | None = None
    # False for answers of one fixed type whatever `Accept` says (feeds): the
    # early layer then serves them without DRF's JSON negotiation.
    negotiated: bool = True
    # `max-age` of its answers; None: `API_CACHE_MAX_AGE`.
    max_age: int | None = None


PRIVATE = HttpCache(public=False)


def public(
    parameters: QueryParameters = NONE,
    *,
    keys: SurrogateKeys | None = None,
    negotiated: bool = True,
    max_age: int | None = None,
) -> HttpCache:
    return HttpCache(
        public=True,
        parameters=parameters,
        keys=keys,
        negotiated=negotiated,
        max_age=max_age,
    )


def declared_policy(view) -> HttpCache | None:
    """A view's `http_cache`, for class-based and function views alike."""
    view_class = getattr(view, "view_class", None) or getattr(view, "cls", None)
    return getattr(view_class or view, "http_cache", None)


def policy_for(path: str) -> HttpCache | None:
    if len(path) > 300:  # longer than any slug allows: never a stored answer
        return _resolved_policy.__wrapped__(path)
    return _resolved_policy(path)


@functools.lru_cache(maxsize=4096)
def _resolved_policy(path: str) -> HttpCache | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return declared_policy(match.func)


# The query string as the client sent it, before `prepare` canonicalised it.
SENT_QUERY_ENVIRON = "writing_api.sent_query_string"


def prepare(environ: dict) -> HttpCache | None:
    """The request's declared policy, after rewriting its query string to the
    canonical form; None when it is not a cacheable API GET. Done once a request."""
    if POLICY_ENVIRON in environ:
        return environ[POLICY_ENVIRON]
    policy = None
    path = environ.get("PATH_INFO", "")
    if (
        environ.get("REQUEST_METHOD") in ("GET", "HEAD")
        and path.startswith(API_PREFIXES)
        and "HTTP_AUTHORIZATION" not in environ
    ):
        policy = policy_for(path)
    query = environ.get("QUERY_STRING", "")
    # Only what may be stored needs one spelling; private views read theirs as sent.
    if policy is not None and policy.public and query:
        canonical = _canonical(policy.parameters, query)
        if canonical is None:  # not UTF-8, a NUL, too long: Django answers a 400
            policy = None
        else:
            environ[SENT_QUERY_ENVIRON] = query  # a 301 keeps it as sent
            environ["QUERY_STRING"] = canonical
    environ[POLICY_ENVIRON] = policy
    return policy


# Hits repeat the same few query strings: parsing one again costs more than the
# rest of a hit's Python (about 50 us). Short ones are kept, a bounded number.
_CANONICAL: OrderedDict[tuple[int, str], str | None] = OrderedDict()
_CANONICAL_LOCK = threading.Lock()


def _canonical(parameters: QueryParameters, query: str) -> str | None:
    """The canonical form of a raw WSGI query string, None when it is malformed."""
    key = (id(parameters), query)
    with _CANONICAL_LOCK:
        if key in _CANONICAL:
            _CANONICAL.move_to_end(key)
            return _CANONICAL[key]
    if malformed_parameter(query):
        canonical = None
    else:
        text = query.encode("latin-1").decode()  # WSGI's bytes-as-latin-1
        canonical = parameters.canonical_query(text)
    if len(query) <= 512:
        with _CANONICAL_LOCK:
            _CANONICAL[key] = canonical
            while len(_CANONICAL) > 4096:
                _CANONICAL.popitem(last=False)
    return canonical


def _scheme(environ: dict) -> str:
    """As `HttpRequest.is_secure()` reads it behind SECURE_PROXY_SSL_HEADER."""
    forwarded = environ.get("HTTP_X_FORWARDED_PROTO")
    if forwarded is not None:
        return "https" if forwarded.split(",", 1)[0].strip() == "https" else "http"
    return environ.get("wsgi.url_scheme", "")


def _cors_origin(environ: dict) -> str:
    """What of `Origin` changes the CORS headers corsheaders adds."""
    origin = environ.get("HTTP_ORIGIN", "")
    if not origin:
        return ""
    try:
        url = urlsplit(origin)
    except ValueError:
        return ""
    if settings.CORS_ALLOW_ALL_ORIGINS:
        return "*"
    # corsheaders echoes the origin when its scheme and host are listed.
    listed = f"{url.scheme}://{url.netloc}" in settings.CORS_ALLOWED_ORIGINS
    return origin if listed else ""


@functools.lru_cache(maxsize=256)
def _accepts_json(accept: str) -> bool:
    """DRF's negotiation: some media range of `Accept` matches JSON (else a 406)."""
    if not accept:
        return True
    return any(
        media_type_matches("application/json", token.strip())
        for token in accept.split(",")
    )


def answers_json(environ: dict) -> bool:
    return _accepts_json(environ.get("HTTP_ACCEPT", "")[:1000])


def request_key(environ: dict) -> str:
    """Everything about a (prepared) request that can change the bytes of its
    answer, and nothing else."""
    parts = [
        _scheme(environ),
        environ.get("HTTP_HOST", ""),
        environ.get("HTTP_X_FORWARDED_HOST", "")
        if settings.USE_X_FORWARDED_HOST
        else "",
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        "gzip" if _GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", "")) else "",
        _cors_origin(environ),
    ]
    raw = "\x00".join(parts).encode("utf-8", "backslashreplace")
    return "response:" + blake2b(raw, digest_size=16).hexdigest()


@dataclass(frozen=True, slots=True)
class CachedEntry:
    token: str
    etag: str
    headers: tuple[tuple[str, str], ...]
    body: bytes | None
    # The body is kept under a key of its own (`SPLIT_BODY_BYTES`): None here.
    split: bool = False

    @property
    def size(self) -> int:
        return len(self.body or b"") + 512


def make_etag(token: str, key: str) -> str:
    return f'W/"{blake2b((token + key).encode(), digest_size=12).hexdigest()}"'


def _until_rollover(
    seconds: int, version: versioning.ContentVersion, now: float
) -> tuple[int, bool]:
    """`seconds`, cut short so no cache keeps an answer past the next scheduled
    publish; and whether it was cut."""
    if version.rollover_at is None or now + seconds < version.rollover_at:
        return seconds, False
    return max(0, int(version.rollover_at - now)), True


def cache_control(
    version: versioning.ContentVersion, now: float, policy: HttpCache | None = None
) -> str:
    """`public, max-age=...`, cut short so no cache outlives the next scheduled post
    (nor serves it stale while revalidating past that time)."""
    seconds = settings.API_CACHE_MAX_AGE
    if policy is not None and policy.max_age is not None:
        seconds = policy.max_age
    max_age, cut = _until_rollover(seconds, version, now)
    swr = 0 if cut or not max_age else settings.API_STALE_WHILE_REVALIDATE
    return f"public, max-age={max_age}, stale-while-revalidate={swr}"


def last_modified_header(version: versioning.ContentVersion, now: float) -> str:
    """Never later than the answer itself (RFC 9110 8.8.2.1). Comparisons use the
    version's own value, which only a later change exceeds."""
    return http_date(min(version.last_modified, int(now)))


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


# A body larger than this is kept in the shared cache under a key of its own, so a
# conditional request (and the check of its ETag) reads a few hundred bytes, not
# the whole answer (an 18 MB Ghost `limit=all` made every 304 fetch 18 MB).
SPLIT_BODY_BYTES = 1_000_000


def _body_key(key: str) -> str:
    return f"{key}:body"


def find_entry(key: str, token: str) -> CachedEntry | None:
    """The stored answer of `key` under `token`: its body too unless it is kept
    apart (then `split`, and `entry_body` reads it)."""
    entry = LOCAL.get(key, token)
    if entry is None:
        entry = cache.get(key)
        if entry is None or entry.token != token:
            return None
        LOCAL.put(key, entry)  # a split one without its body: small
    return entry


def entry_body(key: str, entry: CachedEntry) -> bytes | None:
    """The body of a stored answer, or None when it is not (or no longer) stored."""
    if not entry.split:
        return entry.body
    stored = cache.get(_body_key(key))
    if not isinstance(stored, tuple) or stored[0] != entry.token:
        return None
    LOCAL.put(key, replace(entry, body=stored[1], split=False))
    return stored[1]


def store_entry(key: str, entry: CachedEntry) -> None:
    LOCAL.put(key, entry)
    if entry.body is not None and len(entry.body) > SPLIT_BODY_BYTES:
        # The body first: an entry found without its body is answered by Django.
        cache.set(_body_key(key), (entry.token, entry.body), ENTRY_TIMEOUT)
        entry = replace(entry, body=None, split=True)
    cache.set(key, entry, ENTRY_TIMEOUT)


def not_modified_headers(entry: CachedEntry, cache_control_value: str) -> list:
    headers = [(k, v) for k, v in entry.headers if k.lower() not in _NOT_IN_304]
    headers.append(("Cache-Control", cache_control_value))
    return headers


def error_cache_control(
    status: int, policy: HttpCache | None, version: versioning.ContentVersion | None
) -> str:
    """4xx briefly public (cut before the next scheduled publish, so no CDN keeps a
    404 for a post past its time); 429 and 5xx never stored; private stays private."""
    if status >= 500 or status == 429 or version is None:
        return "no-store"
    if policy is not None and not policy.public:
        return "private, no-store"
    max_age, _ = _until_rollover(settings.API_ERROR_MAX_AGE, version, time.time())
    return f"public, max-age={max_age}"


def _version_or_none(environ: dict) -> versioning.ContentVersion | None:
    """The version, read once a request; None when it cannot be read (the database
    is away and no copy is cached), without asking again in a later layer."""
    if VERSION_ENVIRON not in environ:
        try:
            environ[VERSION_ENVIRON] = versioning.current()
        except Exception:
            logger.warning("Content version unavailable; answering uncached.")
            environ[VERSION_ENVIRON] = None
    return environ[VERSION_ENVIRON]


def _keeps_private(response: HttpResponse) -> bool:
    control = response.get("Cache-Control", "")
    return "private" in control or "no-store" in control


class ResponseCacheMiddleware:
    """Validators, 304s and storing of public API responses; `Cache-Control` on
    API errors; the rate limit for requests the WSGI layer did not see (outermost)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIXES):
            return self.get_response(request)
        retry_after = throttling.rejection(request.environ)
        if retry_after is not None:
            return throttling.throttled_response(retry_after)
        policy = prepare(request.environ)
        version = None
        if policy is not None and policy.public:
            # Read the version before the view reads the database: data rendered
            # under it can then only be older-or-equal, and a commit after this
            # point renews the version, orphaning whatever this request stores.
            version = _version_or_none(request.environ)
        if version is None:
            response = self.get_response(request)  # the view answers (or 503s)
        else:
            with versioning.pinning(version):  # counts and tags kept per version
                response = self._render(request, version)
        if policy is not None and policy.public:
            surrogate.annotate(response, policy.keys)
        if response.status_code >= 400:
            if not response.has_header("Cache-Control"):
                declared = policy or policy_for(request.path_info)
                response["Cache-Control"] = error_cache_control(
                    response.status_code,
                    declared,
                    version or _version_or_none(request.environ),
                )
            # A shared cache may keep a 406 or a 400 for a while: never for a
            # request that differs in what changes the answer.
            patch_vary_headers(response, VARY)
            return response
        if (
            version is None
            or response.status_code != 200
            or response.streaming
            or response.has_header("Set-Cookie")
            or _keeps_private(response)
        ):
            return response

        if _moved_since(version):
            # A change committed while this rendered, and its purge may already
            # have gone out: nothing may keep this answer under either version.
            response["Cache-Control"] = "no-store"
            return response

        key = request_key(request.environ)
        etag = make_etag(version.token, key)
        response["ETag"] = etag
        response["Last-Modified"] = last_modified_header(version, time.time())
        patch_vary_headers(response, VARY)
        headers = tuple(
            (name, value)
            for name, value in response.items()
            if name.lower() not in _PER_ANSWER
        )
        body = response.content if settings.API_RESPONSE_CACHE else None
        entry = CachedEntry(version.token, etag, headers, body)
        store_entry(key, entry)
        response["Cache-Control"] = cache_control(version, time.time(), policy)

        if is_not_modified(request.META, etag, version.last_modified):
            not_modified = HttpResponseNotModified()
            for name, value in not_modified_headers(entry, response["Cache-Control"]):
                not_modified[name] = value
            return not_modified
        return response

    def _render(self, request: HttpRequest, version) -> HttpResponse:
        """The view's answer, read from a replica that has replayed `version` where
        one has (`blog.replicas`); again from the primary if that replica failed."""
        signed_in = settings.SESSION_COOKIE_NAME in request.COOKIES
        with replicas.public_render(version, primary=signed_in) as render:
            response = self.get_response(request)
        if render.replica_failed():
            with replicas.public_render(version, primary=True):
                response = self.get_response(request)
        return response


def _moved_since(version: versioning.ContentVersion) -> bool:
    """Whether the version in force now is another than `version`."""
    try:
        return versioning.current().token != version.token
    except Exception:
        return True  # cannot tell: keep it out of every cache


class CachedResponseApp:
    """WSGI layer: the rate limit, then cached GETs and 304s before Django runs."""

    def __init__(self, application) -> None:
        self.application = application

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
        if not environ.get("PATH_INFO", "").startswith(API_PREFIXES):
            return self.application(environ, start_response)
        retry_after = throttling.rejection(environ)
        if retry_after is not None:
            return throttling.throttled_wsgi(retry_after, start_response)
        policy = prepare(environ)
        if (
            policy is None
            or not policy.public
            or (policy.negotiated and not answers_json(environ))
        ):
            return self.application(environ, start_response)
        version = _version_or_none(environ)
        if version is None:  # the database is away: Django answers (a 503)
            return self.application(environ, start_response)
        key = request_key(environ)
        entry = find_entry(key, version.token)
        if entry is None:
            return self.application(environ, start_response)

        control = cache_control(version, time.time(), policy)
        if is_not_modified(environ, entry.etag, version.last_modified):
            start_response("304 Not Modified", not_modified_headers(entry, control))
            return []
        body = entry_body(key, entry)
        if body is None:
            return self.application(environ, start_response)
        headers = list(entry.headers)
        headers.append(("Cache-Control", control))
        headers.append(("Content-Length", str(len(body))))
        start_response("200 OK", headers)
        return [body]
