"""Varnish in front of the fleet: hits, Age, 304s, purges after a commit, and what
it must not keep."""

from __future__ import annotations

import time
import uuid

from tests.scale.stack import request


def _fresh(path: str) -> str:
    """A URL Varnish has not seen: an unknown parameter the API ignores."""
    return f"{path}{'&' if '?' in path else '?'}scale={uuid.uuid4().hex[:10]}"


def _wait_for(condition, seconds: float, interval: float = 0.02) -> float | None:
    """Seconds until `condition()` held, or None after `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    return None


def test_a_public_answer_is_a_miss_then_a_hit_whose_age_grows(varnish_url):
    path = _fresh("/api/v1/tags/")

    first = request(varnish_url, path)
    second = request(varnish_url, path)
    time.sleep(2.1)
    third = request(varnish_url, path)

    seen = [
        (a.status, a.header("X-Cache"), a.header("Age")) for a in (first, second, third)
    ]
    print(f"miss, hit, hit 2 s later: {seen}")
    assert [a.status for a in (first, second, third)] == [200, 200, 200], seen
    assert [a.header("X-Cache") for a in (first, second, third)] == [
        "MISS", "HIT", "HIT",
    ], seen  # fmt: skip
    assert int(third.header("Age")) >= int(second.header("Age")) + 2, seen
    assert first.body == third.body


def test_a_conditional_request_with_the_etag_is_a_304_from_varnish(stack, varnish_url):
    path = _fresh("/api/v1/posts/")
    etag = request(varnish_url, path).header("ETag")
    before = stack.varnish_counters("MAIN.backend_req")["MAIN.backend_req"]

    answer = request(varnish_url, path, {"If-None-Match": etag})

    after = stack.varnish_counters("MAIN.backend_req")["MAIN.backend_req"]
    print(f"If-None-Match {etag}: {answer.status} {answer.header('X-Cache')}, "
          f"backend requests {after - before}")  # fmt: skip
    assert (answer.status, answer.header("X-Cache"), answer.body) == (304, "HIT", b"")
    assert after - before == 0, f"{after - before} requests reached haproxy"


def test_an_edit_and_a_publish_on_the_primary_reach_varnish_within_a_second(
    stack, varnish_url, edit_post, publish_post
):
    listing = request(varnish_url, "/api/v1/posts/").json()["results"]
    slug = listing[0]["slug"]
    detail = f"/api/v1/posts/{slug}/"
    request(varnish_url, detail)
    assert request(varnish_url, detail).header("X-Cache") == "HIT"
    assert request(varnish_url, "/api/v1/posts/").header("X-Cache") == "HIT"

    title = f"Edited by the scale check {uuid.uuid4().hex[:6]}"
    committed = edit_post(slug, title=title)
    waited = _wait_for(lambda: request(varnish_url, detail).json()["title"] == title, 5)
    edit_took = None if waited is None else time.time() - committed

    new_slug = f"scale-{uuid.uuid4().hex[:8]}"
    committed = publish_post(new_slug, "Published by the scale check")
    waited = _wait_for(
        lambda: (
            new_slug
            in [
                p["slug"]
                for p in request(varnish_url, "/api/v1/posts/").json()["results"]
            ]
        ),
        5,
    )
    publish_took = None if waited is None else time.time() - committed

    print(f"commit to Varnish: edit {edit_took}s, publish {publish_took}s")
    worker_log = stack.worker.log_tail()
    assert edit_took is not None, f"the edit did not show in 5 s\n{worker_log}"
    assert edit_took < 1.0, (edit_took, worker_log)
    assert publish_took is not None, f"the post did not show in 5 s\n{worker_log}"
    assert publish_took < 1.0, (publish_took, worker_log)
    assert request(varnish_url, f"/api/v1/posts/{new_slug}/").status == 200


def test_previews_the_admin_and_errors_are_not_kept_past_their_cache_control(
    stack, varnish_url
):
    slug = request(varnish_url, "/api/v1/posts/").json()["results"][0]["slug"]
    preview = stack.manage("preview_url", slug, "--base-url", varnish_url).strip()
    preview_path = "/" + preview.split("/", 3)[3]
    previews = [request(varnish_url, preview_path) for _ in range(2)]
    admins = [request(varnish_url, "/admin/login/") for _ in range(2)]
    missing = _fresh(f"/api/v1/posts/no-such-post-{uuid.uuid4().hex[:6]}/")
    errors = [request(varnish_url, missing) for _ in range(2)]
    max_age = int(errors[0].header("Cache-Control").split("max-age=")[1])
    time.sleep(max_age + 1)
    # No stale copy after expiry: the 404 has no stale-while-revalidate, so
    # deploy/varnish.vcl gives it no grace (Varnish's default would be 10 s).
    later = [request(varnish_url, missing) for _ in range(3)]

    report = {
        "preview": [(a.status, a.header("X-Cache"), a.header("Cache-Control"))
                    for a in previews],
        "admin": [(a.status, a.header("X-Cache"), a.header("Cache-Control"))
                  for a in admins],
        "404": [(a.status, a.header("X-Cache"), a.header("Age"),
                 a.header("Cache-Control")) for a in errors + later],
    }  # fmt: skip
    print(f"not kept: {report}")
    assert [a.status for a in previews] == [200, 200], report
    assert [a.header("X-Cache") for a in previews] == ["MISS", "MISS"], report
    assert "private" in previews[0].header("Cache-Control"), report
    assert [a.status for a in admins] == [200, 200], report
    assert [a.header("X-Cache") for a in admins] == ["MISS", "MISS"], report
    assert "no-store" in admins[0].header("Cache-Control"), report
    assert [a.status for a in errors + later] == [404] * 5, report
    assert [a.header("X-Cache") for a in errors] == ["MISS", "HIT"], report
    assert all(int(a.header("Age")) <= max_age for a in later), report
