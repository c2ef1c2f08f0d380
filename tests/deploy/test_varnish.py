"""deploy/varnish.vcl in a real varnishd (tests/varnish_server.py), in front of a
small backend of the test's own that answers JSON with the headers each test asks
for and counts what reaches it, so a cached answer tells itself from a fresh one.

One Varnish and one backend serve the whole module; every test uses URLs and
surrogate keys of its own, so what one caches or purges another never sees."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.ports import free_port
from tests.varnish_server import run_varnish

CACHEABLE = "public, max-age=60, stale-while-revalidate=30"


@dataclass
class Route:
    cache_control: str | None = CACHEABLE
    surrogate_key: str | None = None
    status: int = 200
    version: int = 1  # in the body and the ETag: bump it to "change the content"
    extra: dict[str, str] = field(default_factory=dict)


class Backend:
    """Every path answers `{"path", "version", "fetch"}`, `fetch` counting the full
    answers that path has had; a matching If-None-Match gets a 304 instead."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.fetches: Counter[str] = Counter()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True

    def serve(self, path: str, **route) -> str:
        self.routes[path] = Route(**route)
        return path

    def seen(self, path: str) -> list[tuple[str, dict[str, str]]]:
        """(method, headers) of each request for `path` that reached the backend."""
        with self.lock:
            return [(m, h) for m, p, h in self.requests if p == path]

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?")[0]
        headers = {name.lower(): value for name, value in handler.headers.items()}
        if path == "/healthz":  # Varnish's probe
            self._send(handler, 200, {"Cache-Control": "no-store"}, {"status": "ok"})
            return
        with self.lock:
            self.requests.append((handler.command, path, headers))
        route = self.routes.get(path, Route())
        etag = f'"{path}-v{route.version}"'
        out = {"ETag": etag, "Vary": "Accept-Encoding, Origin", **route.extra}
        if route.cache_control is not None:
            out["Cache-Control"] = route.cache_control
        if headers.get("if-none-match") == etag and route.status == 200:
            # As the app's 304s: validators and Cache-Control, no Surrogate-Key.
            self._send(handler, 304, out, None)
            return
        if route.surrogate_key is not None:
            out["Surrogate-Key"] = route.surrogate_key
        with self.lock:
            self.fetches[path] += 1
            fetch = self.fetches[path]
        body = {"path": path, "version": route.version, "fetch": fetch}
        self._send(handler, route.status, out, body)

    @staticmethod
    def _send(handler, status: int, headers: dict[str, str], body) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(payload)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # Varnish keeps backend connections open

            def _read_body(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)

            def do_GET(self) -> None:
                backend._answer(self)

            do_HEAD = do_GET

            def do_POST(self) -> None:
                self._read_body()
                backend._answer(self)

            def log_message(self, format, *args) -> None:
                pass

        return Handler

    def __enter__(self) -> Backend:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def backend():
    with Backend() as server:
        yield server


@pytest.fixture(scope="module")
def varnish(backend):
    with run_varnish(backend.port) as server:
        yield server


def fresh(prefix: str = "/api/v1/posts/") -> str:
    return f"{prefix}{uuid.uuid4().hex[:12]}/"


def key(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"


def body(response) -> dict:
    return response.json()


def wait_for(condition, timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def remaining_ttl(varnish, path: str) -> float:
    """The cached object's TTL as a purger's debug request shows it (<= 0: stale)."""
    return float(varnish.get(path, {"X-Cache-Debug": "1"}).header("X-Cache-TTL"))


def can_connect_from(address: str) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, 0))
        except OSError:
            return False
    return True


# --- Caching -------------------------------------------------------------------


def test_a_cacheable_get_reaches_the_app_once_and_is_then_a_hit(backend, varnish):
    path = backend.serve(fresh(), surrogate_key=key("post"))

    first = varnish.get(path)
    second = varnish.get(path)

    assert (first.status, first.header("X-Cache")) == (200, "MISS")
    assert (second.status, second.header("X-Cache")) == (200, "HIT")
    assert body(first) == body(second) == {"path": path, "version": 1, "fetch": 1}
    assert backend.fetches[path] == 1
    assert int(second.header("Age")) >= 0
    assert second.header("Cache-Control") == CACHEABLE  # the app's, untouched


def test_a_head_request_is_served_from_the_same_cached_object(backend, varnish):
    path = backend.serve(fresh())
    varnish.get(path)

    head = varnish.request("HEAD", path)

    assert (head.status, head.header("X-Cache"), head.body) == (200, "HIT", b"")
    assert backend.fetches[path] == 1


def test_a_4xx_the_app_marks_public_is_cached_for_its_max_age(backend, varnish):
    path = backend.serve(fresh(), status=404, cache_control="public, max-age=10")
    varnish.get(path)

    again = varnish.get(path)

    assert (again.status, again.header("X-Cache")) == (404, "HIT")
    assert backend.fetches[path] == 1


@pytest.mark.parametrize(
    ("cache_control", "extra"),
    [
        ("private, no-store", {}),
        ("no-store", {}),
        ("private, max-age=60", {}),
        ("no-cache", {}),
        (None, {}),  # no Cache-Control: the builtin would keep it for 120 s
        # The builtin ignores Cache-Control when Surrogate-Control is present.
        ("private, no-store", {"Surrogate-Control": "max-age=60"}),
    ],
    ids=["private-no-store", "no-store", "private", "no-cache", "absent",
         "private-beside-surrogate-control"],
)  # fmt: skip
def test_an_answer_not_for_shared_caches_is_never_cached(
    backend, varnish, cache_control, extra
):
    path = backend.serve(fresh(), cache_control=cache_control, extra=extra)

    answers = [varnish.get(path) for _ in range(3)]

    assert [a.header("X-Cache") for a in answers] == ["MISS"] * 3
    assert [body(a)["fetch"] for a in answers] == [1, 2, 3]


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_an_error_the_app_wrongly_marks_public_is_still_not_cached(
    backend, varnish, status
):
    path = backend.serve(fresh(), status=status, cache_control=CACHEABLE)

    answers = [varnish.get(path) for _ in range(2)]

    assert [a.status for a in answers] == [status, status]
    assert backend.fetches[path] == 2


def test_a_request_with_authorization_goes_to_the_app_every_time(backend, varnish):
    path = backend.serve(fresh())
    varnish.get(path)  # cached for everyone else

    answers = [varnish.get(path, {"Authorization": "Bearer t"}) for _ in range(2)]

    assert [a.header("X-Cache") for a in answers] == ["MISS", "MISS"]
    assert backend.fetches[path] == 3
    assert backend.seen(path)[-1][1]["authorization"] == "Bearer t"
    assert varnish.get(path).header("X-Cache") == "HIT"


@pytest.mark.parametrize("cookie", ["sessionid=abc", "_ga=1; csrftoken=xyz"])
def test_a_django_session_or_csrf_cookie_passes_to_the_app(backend, varnish, cookie):
    path = backend.serve(fresh())
    varnish.get(path)

    answer = varnish.get(path, {"Cookie": cookie})

    assert answer.header("X-Cache") == "MISS"
    assert backend.seen(path)[-1][1]["cookie"] == cookie


def test_other_cookies_are_dropped_on_api_paths_so_the_answer_is_cached(
    backend, varnish
):
    path = backend.serve(fresh())

    first = varnish.get(path, {"Cookie": "_ga=GA1.1.1; consent=yes"})
    second = varnish.get(path, {"Cookie": "_ga=GA1.2.2"})

    assert [first.header("X-Cache"), second.header("X-Cache")] == ["MISS", "HIT"]
    assert "cookie" not in backend.seen(path)[0][1]


@pytest.mark.parametrize(
    "prefix", ["/admin/", "/admin/blog/post/", "/api/v1/preview/", "/readyz/"]
)
def test_the_admin_preview_and_health_checks_are_never_cached_even_if_public(
    backend, varnish, prefix
):
    path = backend.serve(fresh(prefix), cache_control=CACHEABLE)

    answers = [varnish.get(path) for _ in range(2)]

    assert [a.header("X-Cache") for a in answers] == ["MISS", "MISS"]
    assert backend.fetches[path] == 2


def test_a_post_goes_to_the_app_and_leaves_nothing_in_the_cache(backend, varnish):
    path = backend.serve(fresh())

    posts = [varnish.request("POST", path, body=b"{}") for _ in range(2)]
    get = varnish.get(path)

    assert [p.status for p in posts] == [200, 200]
    assert [m for m, _ in backend.seen(path)] == ["POST", "POST", "GET"]
    assert get.header("X-Cache") == "MISS"


def test_an_unknown_method_is_refused_instead_of_piped_to_the_app(backend, varnish):
    path = backend.serve(fresh())

    answer = varnish.request("BREW", path)

    assert answer.status == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert backend.seen(path) == []


def test_http_and_https_requests_are_cached_apart(backend, varnish):
    """A plain-HTTP answer (Django's redirect to https) must never reach https."""
    path = backend.serve(fresh())

    plain = varnish.get(path)
    tls = varnish.get(path, {"X-Forwarded-Proto": "https"})

    assert [plain.header("X-Cache"), tls.header("X-Cache")] == ["MISS", "MISS"]
    assert varnish.get(path, {"X-Forwarded-Proto": "https"}).header("X-Cache") == "HIT"


# --- Surrogate keys ------------------------------------------------------------


def test_the_surrogate_keys_are_hidden_from_clients(backend, varnish):
    path = backend.serve(fresh(), surrogate_key=f"posts {key('post')}")

    miss, hit = varnish.get(path), varnish.get(path)

    for answer in (miss, hit):
        assert answer.header("Surrogate-Key") is None
        assert answer.header("xkey") is None


def test_a_purger_asking_with_x_cache_debug_sees_the_keys(backend, varnish):
    post = key("post")
    path = backend.serve(fresh(), surrogate_key=f"posts {post}")
    varnish.get(path)

    debug = varnish.get(path, {"X-Cache-Debug": "1"})

    assert debug.header("Surrogate-Key") == f"posts {post}"
    assert debug.header("xkey") == f"posts {post}"
    assert debug.header("X-Cache-Hits") == "1"
    assert float(debug.header("X-Cache-TTL")) > 0


def test_a_hard_purge_evicts_exactly_the_objects_carrying_the_key(backend, varnish):
    listing, one, other = key("posts"), key("post"), key("post")
    first = backend.serve(fresh(), surrogate_key=f"{listing} {one}")
    second = backend.serve(fresh(), surrogate_key=f"{listing} {other}")
    unrelated = backend.serve(fresh("/api/v1/tags/"), surrogate_key=key("tags"))
    for path in (first, second, unrelated):
        varnish.get(path)

    purged = varnish.purge([one])

    assert (purged.status, purged.header("X-Purged"), purged.json()) == (
        200,
        "1",
        {"purged": 1},
    )
    assert varnish.get(first).header("X-Cache") == "MISS"
    assert varnish.get(second).header("X-Cache") == "HIT"
    assert varnish.get(unrelated).header("X-Cache") == "HIT"
    assert backend.fetches[first] == 2

    # A key several objects share takes them all; the unrelated one stays.
    assert varnish.purge(listing).json() == {"purged": 2}
    assert varnish.get(first).header("X-Cache") == "MISS"
    assert varnish.get(second).header("X-Cache") == "MISS"
    assert varnish.get(unrelated).header("X-Cache") == "HIT"


def test_a_hard_purge_counts_each_keys_objects_and_every_vary_variant(backend, varnish):
    """The count is per key: an object under two of the keys named counts twice
    (xkey.purge() adds up each key's objects), a soft purge counts it once."""
    listing, post = key("posts"), key("post")
    path = backend.serve(fresh(), surrogate_key=f"{listing} {post}")
    for origin in ("https://a.example", "https://b.example"):
        varnish.get(path, {"Origin": origin})  # two objects: Vary: Origin

    assert varnish.purge([post]).json() == {"purged": 2}
    for origin in ("https://a.example", "https://b.example"):
        varnish.get(path, {"Origin": origin})
    assert varnish.purge([listing, post, key("unknown")]).json() == {"purged": 4}
    assert varnish.purge([listing, post]).json() == {"purged": 0}


def test_a_soft_purge_counts_each_object_once_and_a_stale_one_not_again(
    backend, varnish
):
    listing, post = key("posts"), key("post")
    path = backend.serve(fresh(), surrogate_key=f"{listing} {post}")
    varnish.get(path)

    assert varnish.purge([listing, post], soft=True).json() == {"purged": 1}
    assert varnish.purge([listing, post], soft=True).json() == {"purged": 0}
    assert varnish.purge([post]).json() == {"purged": 1}  # hard: still there


def test_a_soft_purge_serves_the_stale_copy_once_while_varnish_refetches(
    backend, varnish
):
    """xkey.softpurge() sets the object's TTL to 0 but leaves its grace (the app's
    stale-while-revalidate, here 30 s) and keep: the next request is a grace hit
    answered at once with the old copy, and a background fetch, conditional on
    its ETag, replaces it; the request after that gets the new content."""
    post = key("post")
    path = backend.serve(fresh(), surrogate_key=post)
    varnish.get(path)
    backend.routes[path].version = 2  # the post was edited

    purged = varnish.purge(post, soft=True)
    stale = varnish.get(path, {"X-Cache-Debug": "1"})
    wait_for(lambda: backend.fetches[path] == 2)
    wait_for(lambda: body(varnish.get(path))["version"] == 2)

    assert purged.json() == {"purged": 1}
    assert (stale.header("X-Cache"), body(stale)["version"]) == ("HIT", 1)
    assert float(stale.header("X-Cache-TTL")) <= 0  # served from grace
    refetch = backend.seen(path)[-1][1]
    assert refetch["if-none-match"] == f'"{path}-v1"'  # a revalidation
    assert varnish.get(path).header("X-Cache") == "HIT"
    assert backend.fetches[path] == 2


def test_a_soft_purge_of_unchanged_content_is_settled_by_a_304(backend, varnish):
    """The 304 carries no Surrogate-Key, as the app's do not: the refreshed object
    keeps the stored keys, so a later purge still finds it."""
    post = key("post")
    path = backend.serve(fresh(), surrogate_key=post)
    varnish.get(path)

    varnish.purge(post, soft=True)
    varnish.get(path)
    wait_for(lambda: len(backend.seen(path)) == 2)
    wait_for(lambda: remaining_ttl(varnish, path) > 0)

    assert backend.fetches[path] == 1  # no second full answer: the 304 sufficed
    assert varnish.purge(post).json() == {"purged": 1}
    assert varnish.get(path).header("X-Cache") == "MISS"


def test_a_soft_purge_without_grace_refetches_before_answering(backend, varnish):
    """With stale-while-revalidate=0 (the app's answer just before a scheduled
    post) there is no grace: the next request waits for a fetch, conditional on
    the ETag kept (beresp.keep), and gets the new content."""
    post = key("post")
    no_grace = "public, max-age=60, stale-while-revalidate=0"
    path = backend.serve(fresh(), surrogate_key=post, cache_control=no_grace)
    varnish.get(path)
    backend.routes[path].version = 2

    varnish.purge(post, soft=True)
    answer = varnish.get(path)

    assert (answer.header("X-Cache"), body(answer)["version"]) == ("MISS", 2)
    assert backend.seen(path)[-1][1]["if-none-match"] == f'"{path}-v1"'


def test_an_answer_without_stale_while_revalidate_gets_no_grace(backend, varnish):
    """Varnish's default grace (10 s) does not apply: an answer whose
    Cache-Control names no stale time (the API's 404s) is never served stale."""
    post = key("post")
    path = backend.serve(
        fresh(), surrogate_key=post, cache_control="public, max-age=60"
    )
    varnish.get(path)
    backend.routes[path].version = 2

    varnish.purge(post, soft=True)
    answer = varnish.get(path)

    assert (answer.header("X-Cache"), body(answer)["version"]) == ("MISS", 2)


def test_a_failed_refresh_after_a_soft_purge_keeps_serving_the_stale_copy(
    backend, varnish
):
    post = key("post")
    path = backend.serve(fresh(), surrogate_key=post)
    varnish.get(path)
    backend.routes[path].status = 500  # the app breaks
    backend.routes[path].cache_control = "no-store"

    varnish.purge(post, soft=True)
    first = varnish.get(path)
    wait_for(lambda: len(backend.seen(path)) == 2)
    time.sleep(0.2)
    second = varnish.get(path)

    assert [first.status, second.status] == [200, 200]
    assert [body(first)["fetch"], body(second)["fetch"]] == [1, 1]


# --- PURGE requests ------------------------------------------------------------


def test_a_purge_without_a_key_header_is_a_400(varnish):
    answer = varnish.request("PURGE", "/")

    assert answer.status == 400
    assert answer.json() == {
        "status": 400,
        "code": "invalid_parameter",
        "detail": "PURGE needs an xkey or xkey-softpurge header.",
        "errors": [],
    }
    assert answer.header("Cache-Control") == "no-store"


def test_a_purge_of_a_key_nothing_carries_purges_nothing(varnish):
    answer = varnish.purge([key("nothing")])

    assert (answer.status, answer.header("X-Purged")) == (200, "0")
    assert answer.json() == {"purged": 0}


def test_a_purge_from_outside_the_purgers_acl_is_refused(backend, varnish):
    """127.0.0.2 is on the loopback too, but only 127.0.0.1 and ::1 may purge."""
    if not can_connect_from("127.0.0.2"):
        pytest.skip("this system cannot connect from 127.0.0.2")
    post = key("post")
    path = backend.serve(fresh(), surrogate_key=post)
    varnish.get(path)

    refused = varnish.purge(post, source="127.0.0.2")
    debug = varnish.get(path, {"X-Cache-Debug": "1"}, source="127.0.0.2")

    assert refused.status == 403
    assert refused.json()["code"] == "forbidden"
    assert varnish.get(path).header("X-Cache") == "HIT"
    assert debug.header("Surrogate-Key") is None  # nor do they see the keys


def test_a_client_cannot_forge_the_purge_answer(varnish):
    answer = varnish.request(
        "PURGE", "/", {"X-Detail": '"}, "x": {"', "X-Purged": "99"}
    )

    assert answer.json()["detail"] == "PURGE needs an xkey or xkey-softpurge header."
