"""Redis stopped under the fleet: every host answers from PostgreSQL, uncached and
never stale, stays in haproxy's pool, and uses Redis again once it is back."""

from __future__ import annotations

import uuid

from tests.scale.stack import request, wait_until


def _readiness(url: str) -> dict:
    return request(url, "/readyz", {"Host": "localhost"}).json()


def test_with_redis_stopped_the_api_answers_through_haproxy_and_readyz_stays_200(
    stack, two_hosts, haproxy_url, host_urls, edit_post
):
    slug = request(haproxy_url, "/api/v1/posts/").json()["results"][1]["slug"]
    stack.redis.stop()
    try:
        answers = [request(haproxy_url, "/api/v1/posts/") for _ in range(20)]
        readiness = [(_readiness(url), request(url, "/readyz").status)
                     for url in host_urls]  # fmt: skip
        # Uncached means never stale: an edit shows on both hosts at once.
        title = f"Edited while Redis was down {uuid.uuid4().hex[:6]}"
        edit_post(slug, title=title)
        titles = [request(url, f"/api/v1/posts/{slug}/").json()["title"]
                  for url in host_urls]  # fmt: skip
        states = stack.haproxy.server_states()
    finally:
        stack.redis.start()

    statuses = [a.status for a in answers]
    print(f"Redis down: {statuses.count(200)}/20 GETs 200 through haproxy, "
          f"readyz {readiness}, servers {states}")  # fmt: skip
    assert statuses == [200] * 20, statuses
    for body, status in readiness:
        assert status == 200, readiness
        # The replica serves on (`behind` for a moment after a write is normal).
        assert set(body.pop("replicas").values()) <= {"ok", "behind"}, readiness
        assert body == {"status": "ok", "database": "ok", "cache": "unavailable"}
    assert titles == [title, title], titles
    assert set(states.values()) == {"UP"}, states

    # The backends retry Redis a second after a failure (config/cache.py).
    for url in host_urls:
        wait_until(lambda url=url: _readiness(url)["cache"] == "ok", 10,
                   f"{url} using Redis again")  # fmt: skip
