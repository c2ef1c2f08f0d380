"""The scale check (`make scale-check`): a whole deployment started once per session
(tests/scale/stack.py) and scenarios run against it.

Collected only with SCALE_CHECK=1, which `make scale-check` sets: `make test`
neither starts these servers nor lists the scenarios as skipped.

Fixtures for scenarios (the replica router's included):
    stack           the Stack: .postgres, .redis, .hosts, .haproxy, .varnish,
                    .worker, .manage(...), .shell(code), .varnish_counters(...)
    postgres        stack.postgres: .primary / .replica (.connect(), .query(sql),
                    .url()), .pause_replay(), .resume_replay(), .replay_paused(),
                    .set_apply_delay(ms), .kill_replica(), .restart_replica(),
                    .primary_lsn(), .replay_lsn(), .replayed(lsn),
                    .wait_for_replay(lsn=None)
    host_urls       [http://127.0.0.11:port, http://127.0.0.12:port]
    haproxy_url     the balancer in front of both hosts
    varnish_url     the CDN in front of the balancer
    edit_post       edit_post(slug, **fields) -> commit time (time.time(), as the
                    primary's ORM save returned)
    publish_post    publish_post(slug, title) -> commit time: a new post, published
    two_hosts       (function) both hosts running and UP before and after
    fresh_replica   (function) replay resumed, no apply delay, replica up and
                    caught up, before and after
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from tests.scale.stack import Stack

if os.environ.get("SCALE_CHECK") != "1":
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config) -> None:
    # A `kill <pytest>` (or CI's timeout) tears the stack down like Ctrl-C does.
    if os.environ.get("SCALE_CHECK") == "1":
        signal.signal(signal.SIGTERM, signal.default_int_handler)


@pytest.fixture(scope="session")
def stack():
    started = time.monotonic()
    running = Stack().start()
    steps = ", ".join(f"{name} {took:.1f}s" for name, took in running.timings.items())
    print(f"\nscale stack up in {time.monotonic() - started:.1f}s ({steps})")
    try:
        yield running
    finally:
        running.close()


@pytest.fixture(scope="session")
def postgres(stack):
    return stack.postgres


@pytest.fixture(scope="session")
def host_urls(stack) -> list[str]:
    return stack.host_urls


@pytest.fixture(scope="session")
def haproxy_url(stack) -> str:
    return stack.haproxy_url


@pytest.fixture(scope="session")
def varnish_url(stack) -> str:
    return stack.varnish_url


_EDIT = """
import json, time
from blog.models import Post
changes = json.loads({changes!r})
post = Post.objects.get(slug={slug!r})
for name, value in changes.items():
    setattr(post, name, value)
post.save()
print("committed", time.time())
"""

_PUBLISH = """
import time
from blog.models import Post
post = Post(slug={slug!r}, title={title!r}, body="Published by the scale check.",
            status=Post.Status.PUBLISHED)
post.save()
print("committed", time.time())
"""


@pytest.fixture(scope="session")
def edit_post(stack):
    def edit(slug: str, **changes) -> float:
        code = _EDIT.format(changes=json.dumps(changes), slug=slug)
        return stack.shell_commit(code)

    return edit


@pytest.fixture(scope="session")
def publish_post(stack):
    def publish(slug: str, title: str) -> float:
        return stack.shell_commit(_PUBLISH.format(slug=slug, title=title))

    return publish


@pytest.fixture
def two_hosts(stack):
    stack.restore_hosts()
    yield stack.hosts
    stack.restore_hosts()


@pytest.fixture
def fresh_replica(postgres):
    def reset() -> None:
        if not postgres.replica.is_running():
            postgres.restart_replica()
        postgres.resume_replay()
        postgres.set_apply_delay(0)
        postgres.wait_for_replay(timeout=60)

    reset()
    yield postgres
    reset()
