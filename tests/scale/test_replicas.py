"""The read replica under the app (blog/replicas.py): renders read it only once it has
replayed the content version they answer under; otherwise, and when it is gone, the
primary. Queries per server are counted from each server's own statement log."""

from __future__ import annotations

import itertools
import random
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from tests.scale.load import run_load
from tests.scale.stack import ROOT, request

POSTS = "/api/v1/posts/"


@dataclass
class Reads:
    """Statements reading the posts table, per server, since `mark()`."""

    postgres: object
    marks: tuple[int, int] = (0, 0)

    def mark(self) -> None:
        self.marks = (
            self.postgres.primary.log_position(),
            self.postgres.replica.log_position(),
        )

    def counts(self) -> dict[str, int]:
        primary, replica = self.marks
        return {
            "primary": self.postgres.primary.reads_of("blog_post", primary),
            "replica": self.postgres.replica.reads_of("blog_post", replica),
        }


@pytest.fixture
def reads(fresh_replica):
    for server in (fresh_replica.primary, fresh_replica.replica):
        server.log_statements(True)
    counter = Reads(fresh_replica)
    counter.mark()
    yield counter
    for server in (fresh_replica.primary, fresh_replica.replica):
        if server.is_running():
            server.log_statements(False)


_SIZES = itertools.count()


def _render(url: str, path: str = POSTS, **headers: str):
    """An answer the app renders now (unless a hundred renders since the last
    change came first): a page size of its own makes a request key of its own,
    so neither Redis nor a worker has it stored."""
    return request(url, f"{path}?page_size={next(_SIZES) % 100 + 1}", headers)


def _unasked_moment() -> str:
    """A moment before any post, hardly ever the same twice (a fresh cache key)."""
    seconds = random.randint(0, 30 * 365 * 86400)
    return (datetime(1990, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )


def _newest_title(answer) -> str:
    return answer.json()["results"][0]["title"]


def _until(condition, seconds: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds}s: {what}")
        time.sleep(0.05)
    return time.monotonic() - started


def test_with_replay_paused_every_host_answers_an_edit_from_the_primary(
    reads, postgres, host_urls, publish_post, edit_post, stack
):
    slug = f"replica-{uuid.uuid4().hex[:8]}"
    publish_post(slug, "Before the pause")
    postgres.wait_for_replay()
    reads.mark()
    for url in host_urls:
        for _ in range(5):
            assert _newest_title(_render(url)) == "Before the pause"
    caught_up = reads.counts()
    print(f"replica caught up, 10 renders: posts-table reads {caught_up}")
    assert caught_up["replica"] >= 10, caught_up

    detail = f"/api/v1/posts/{slug}/"
    before = {url: request(url, detail).header("ETag") for url in host_urls}
    postgres.pause_replay()
    edit_post(slug, title="Edited while replay is paused")
    stack.wait_for_purges()
    reads.mark()
    answers = []
    for url in host_urls:
        for _ in range(5):
            answers.append(_render(url))
        fresh = request(url, detail)
        revalidated = request(url, detail, {"If-None-Match": before[url]})
        assert fresh.json()["title"] == "Edited while replay is paused", url
        assert fresh.header("ETag") != before[url], url
        assert revalidated.status == 200, f"{url}: a stale 304"
        assert revalidated.json()["title"] == "Edited while replay is paused"
    assert {_newest_title(a) for a in answers} == {"Edited while replay is paused"}
    paused = reads.counts()
    print(f"replay paused, 14 renders: posts-table reads {paused}")
    assert paused["replica"] == 0, paused
    assert paused["primary"] >= 14, paused
    assert not postgres.replayed(postgres.primary_lsn())  # still paused throughout

    postgres.resume_replay()
    postgres.wait_for_replay()
    reads.mark()

    def replica_serves_again() -> bool:
        for url in host_urls:
            assert _newest_title(_render(url)) == "Edited while replay is paused"
        return reads.counts()["replica"] > 0

    took = _until(replica_serves_again, 10, "renders reading the replica again")
    print(f"resumed: the replica served renders again after {took:.2f}s, "
          f"reads {reads.counts()}")  # fmt: skip


_WRITER = """
import time
from blog import versioning
from blog.models import Post
post = Post.objects.get(slug={slug!r})
for n in range({edits}):
    post.title = "Load edit %d" % n
    post.save()
    print("version", n, versioning._read_database().token, flush=True)
    time.sleep({pause})
print("done", flush=True)
"""


def _etag_of(token: str, url: str, path: str) -> str:
    """The ETag the app gives `path` asked of host `url` under the version `token`
    (api.caching: the request key as the app computes it for this request)."""
    from api import caching

    host = url.removeprefix("http://")
    route, _, query = path.partition("?")
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": route, "QUERY_STRING": query,
               "HTTP_HOST": host, "wsgi.url_scheme": "http"}  # fmt: skip
    caching.prepare(environ)
    return caching.make_etag(token, caching.request_key(environ))


def test_under_load_with_a_delayed_replica_no_body_is_older_than_its_etag(
    reads, postgres, host_urls, publish_post, stack
):
    slug = f"delayed-{uuid.uuid4().hex[:8]}"
    publish_post(slug, "Load edit start")
    postgres.wait_for_replay()
    postgres.set_apply_delay(1000)
    writer = subprocess.Popen(
        [sys.executable, "manage.py", "shell", "-c",
         _WRITER.format(slug=slug, edits=10, pause=1.9)],
        cwd=ROOT, env=stack.environment(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    versions: dict[str, int] = {}  # token -> edit number
    lines = []

    def read_writer() -> None:
        for line in writer.stdout:
            lines.append(line)
            if line.startswith("version "):
                _, n, token = line.split()
                versions[token] = int(n)

    reader = threading.Thread(target=read_writer, daemon=True)
    reader.start()
    seen: list[tuple[str, str, str, int]] = []  # (url, path, etag, edit in body)
    lock = threading.Lock()
    stop = threading.Event()

    def load(url: str) -> None:
        while not stop.is_set():
            path = f"{POSTS}?page_size={random.randint(1, 60)}"
            if random.random() < 0.5:
                # A bound no one asked before: rendered between the edits too, when
                # the 60 lists above are all cached (within the edit's first second).
                path += f"&published_after={_unasked_moment()}"
            answer = request(url, path)
            assert answer.status == 200, answer.status
            title = _newest_title(answer)
            found = re.fullmatch(r"Load edit (\d+)", title)
            if found and answer.header("ETag"):
                with lock:
                    seen.append((url, path, answer.header("ETag"), int(found[1])))

    _until(lambda: versions, 30, "the writer's first edit")
    reads.mark()
    threads = [threading.Thread(target=load, args=(url,)) for url in host_urls * 2]
    for thread in threads:
        thread.start()
    try:
        assert writer.wait(timeout=60) == 0, "".join(lines)
        time.sleep(1.5)  # the last edit's second on the replica
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=15)
        postgres.set_apply_delay(0)
    reader.join(timeout=5)

    etags = {
        _etag_of(token, url, path): n
        for url, path in {(url, path) for url, path, _, _ in seen}
        for token, n in versions.items()
    }
    older = [(etags[etag], body) for _, _, etag, body in seen
             if etag in etags and body < etags[etag]]  # fmt: skip
    matched = sum(1 for _, _, etag, _ in seen if etag in etags)
    counts = reads.counts()
    print(f"{len(seen)} answers ({matched} with an ETag of a known version), "
          f"{len(versions)} versions, replica applying 1 s late: "
          f"bodies older than their ETag's version: {len(older)}; "
          f"posts-table reads {counts}")  # fmt: skip
    assert older == [], older[:10]
    assert matched >= len(seen) * 0.9, (matched, len(seen))
    assert counts["replica"] > 0, counts  # it served between the edits
    assert counts["primary"] > 0, counts  # and the primary while it was behind


def test_with_the_replica_killed_renders_fall_back_to_the_primary(
    reads, postgres, haproxy_url, host_urls, two_hosts
):
    def kill() -> None:
        postgres.kill_replica()

    # A search of its own per request: every one is rendered, none stored before.
    run = uuid.uuid4().hex[:6]
    paths = lambda n: f"{POSTS}?search=w{run}x{n}"  # noqa: E731
    reads.mark()
    result = run_load(haproxy_url, paths, seconds=6, threads=4, during=kill)
    counts = reads.counts()
    print(f"replica killed 1.5 s into the load: {result.summary()}; "
          f"posts-table reads {counts}")  # fmt: skip
    assert counts["replica"] > 0, counts  # it served until it was killed
    readiness = [request(url, "/readyz").json() for url in host_urls]
    print(f"readyz with the replica down: {readiness}")
    assert result.failed == 0, result.failures[:5]
    assert all(r["status"] == "degraded" for r in readiness), readiness
    assert all(r["replicas"] == {"replica_0": "unavailable"} for r in readiness)
    assert {request(url, "/readyz").status for url in host_urls} == {200}

    postgres.restart_replica()
    postgres.wait_for_replay()
    reads.mark()

    def replica_serves_again() -> bool:
        for url in host_urls:
            assert _render(url).status == 200
        return reads.counts()["replica"] > 0

    took = _until(replica_serves_again, 15, "renders reading the restarted replica")
    print(f"restarted: the replica served renders again after {took:.2f}s")
    assert all(
        request(url, "/readyz").json()["replicas"] == {"replica_0": "ok"}
        for url in host_urls
    )


def test_a_scheduled_post_appears_through_varnish_at_its_time(stack, varnish_url):
    slug = f"scheduled-{uuid.uuid4().hex[:8]}"
    path = "/api/v1/posts/?page_size=5"
    request(varnish_url, path)  # cached, with max-age cut before the publish time
    code = f"""
import time
from datetime import timedelta
from django.utils import timezone
from blog.models import Post
at = timezone.now() + timedelta(seconds=4)
Post.objects.create(slug={slug!r}, title="Scheduled", body="Later.",
                    status=Post.Status.PUBLISHED, published_at=at)
print("committed", at.timestamp())
"""
    at = stack.shell_commit(code)

    def slugs() -> list[str]:
        return [post["slug"] for post in request(varnish_url, path).json()["results"]]

    early = []
    while time.time() < at - 0.2:
        early.append(slug in slugs())
        time.sleep(0.1)
    _until(lambda: slug in slugs(), 10, "the scheduled post through Varnish")
    late = time.time() - at
    print(f"scheduled post: hidden in {len(early)} requests before its time, "
          f"through Varnish {late:.2f}s after it")  # fmt: skip
    assert early, "no request before its publish time"
    assert not any(early), "shown before its publish time"
    assert late < 1.5, late
