"""App hosts lost under load behind haproxy: killed (SIGKILL) and drained
(SIGTERM). Readers, who only GET, must not notice either."""

from __future__ import annotations

import time
import uuid

from tests.scale.load import run_load
from tests.scale.stack import request

LOAD_SECONDS = 5
WORKERS_PER_HOST = 2  # WEB_CONCURRENCY in tests/scale/stack.py


def _paths(n: int) -> str:
    """Mostly cached answers; every fourth a search no cache holds, so requests
    are in flight inside the hosts when one goes."""
    if n % 4 == 3:
        return f"/api/v1/posts/?search=scaling{uuid.uuid4().hex[:6]}"
    return ["/api/v1/posts/", "/api/v1/tags/", "/api/v1/posts/?page_size=5"][n % 3]


def _retries(stack) -> dict[str, str]:
    """haproxy's retry and redispatch counters of the backend (stats CSV)."""
    lines = request(f"http://127.0.0.1:{stack.haproxy.stats_port}", "/stats;csv")
    rows = lines.body.decode().splitlines()
    columns = rows[0].lstrip("# ").split(",")
    for line in rows[1:]:
        row = dict(zip(columns, line.split(","), strict=False))
        if (row["pxname"], row["svname"]) == ("app_hosts", "BACKEND"):
            return {"retries": row["wretr"], "redispatches": row["wredis"]}
    return {}


def test_a_host_killed_under_load_fails_no_get(stack, two_hosts, haproxy_url):
    victim = two_hosts[0]
    before = _retries(stack)

    result = run_load(haproxy_url, _paths, LOAD_SECONDS, threads=6,
                      during=victim.kill)  # fmt: skip

    after = _retries(stack)
    states = stack.haproxy.server_states()
    print(f"SIGKILL {victim.name} under load: {result.summary()}; "
          f"haproxy {before} -> {after}; servers {states}")  # fmt: skip
    assert not victim.running()
    assert states[victim.name].startswith("DOWN"), states
    assert result.requests > 100, result.summary()
    # haproxy forwards an answer's headers as they come and cannot take them
    # back: a host killed between gunicorn's write of the headers and of the body
    # (two writes) leaves that one answer cut off. At most one per worker of the
    # killed host was being written; every other GET must succeed.
    cut_off, failures = result.truncated, result.failures[:10]
    assert result.failed - cut_off == 0, f"{result.summary()}\n{failures}"
    assert cut_off <= WORKERS_PER_HOST, f"{result.summary()}\n{failures}"


def test_a_host_drained_with_sigterm_under_load_fails_no_get(
    stack, two_hosts, haproxy_url
):
    draining = two_hosts[1]
    stopped: dict[str, float] = {}

    def drain() -> None:
        started = time.monotonic()
        draining.terminate(grace=30)
        stopped["seconds"] = time.monotonic() - started
        stopped["exit"] = draining.process.returncode

    result = run_load(haproxy_url, _paths, LOAD_SECONDS, threads=6, during=drain)

    took, code = stopped.get("seconds", 0), stopped.get("exit")
    print(f"SIGTERM {draining.name} under load: {result.summary()}; "
          f"stopped in {took:.2f}s, exit {code}")  # fmt: skip
    assert stopped.get("exit") == 0, (stopped, draining.log_tail())
    assert result.requests > 100, result.summary()
    assert result.failed == 0, f"{result.summary()}\n{result.failures[:10]}"
