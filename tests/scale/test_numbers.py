"""Numbers from the scale stack, printed and written to bench/results/scale.md:
Varnish's hit throughput beside one app host's own warm throughput (and the
balancer's, two hosts), and how much of a mixed load reaches the origin."""

from __future__ import annotations

import datetime
import os
import subprocess
import uuid

from tests.scale.load import run_load, wrk
from tests.scale.stack import ROOT, request

RESULTS = ROOT / "bench" / "results" / "scale.md"
WARM_PATH = "/api/v1/posts/"
COUNTERS = ("MAIN.client_req", "MAIN.cache_hit", "MAIN.cache_miss",
            "MAIN.cache_hitpass", "MAIN.cache_hitmiss", "MAIN.backend_req")  # fmt: skip


def _mixed_paths(slugs: list[str], tags: list[str]):
    """Most readers ask for the same few pages; some arrive with a tracking
    parameter (a different URL to Varnish, the same entry in the app's cache);
    some search."""
    popular = [WARM_PATH, "/api/v1/tags/", *(f"/api/v1/posts/{s}/" for s in slugs),
               *(f"/api/v1/tags/{t}/" for t in tags)]  # fmt: skip

    def path(n: int) -> str:
        share = n % 20
        if share < 15:
            return popular[n % len(popular)]
        if share < 18:
            return f"/api/v1/posts/{slugs[n % len(slugs)]}/?ref={uuid.uuid4().hex[:8]}"
        if share < 19:
            return "/api/v1/posts/?page_size=5&page=2"
        return f"/api/v1/posts/?search=cache{uuid.uuid4().hex[:6]}"

    return path


def test_numbers(stack, two_hosts, varnish_url, haproxy_url, host_urls, edit_post):
    for url in (varnish_url, haproxy_url, *host_urls):
        for _ in range(3):
            assert request(url, WARM_PATH).status == 200
    varnish_hit = wrk(varnish_url + WARM_PATH)
    one_host = wrk(host_urls[0] + WARM_PATH)
    two_behind_haproxy = wrk(haproxy_url + WARM_PATH)

    listing = request(varnish_url, WARM_PATH).json()["results"]
    slugs = [post["slug"] for post in listing[:8]]
    tags = [
        tag["slug"] for tag in request(varnish_url, "/api/v1/tags/").json()["results"]
    ]
    before = stack.varnish_counters(*COUNTERS)
    mixed = run_load(varnish_url, _mixed_paths(slugs, tags), 8, threads=8,
                     during=lambda: edit_post(slugs[0], title="Edited under load"),
                     during_at=3)  # fmt: skip
    after = stack.varnish_counters(*COUNTERS)
    delta = {
        name.removeprefix("MAIN."): after[name] - before[name] for name in COUNTERS
    }
    # client_req also counts the worker's PURGEs after the edit.
    origin_share = delta["backend_req"] / mixed.requests

    rows = [
        ("Varnish, cache hit", varnish_hit),
        ("one app host, warm (its response cache)", one_host),
        ("haproxy, both hosts, warm", two_behind_haproxy),
    ]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    lines = [
        "# Scale check numbers",
        "",
        f"`make scale-check`, {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC,"
        f" commit {commit or 'unknown'}, {os.cpu_count()} cores shared by Varnish, "
        "haproxy, both hosts (2 gunicorn workers each), the worker, Redis, both "
        "PostgreSQL servers and the load generator. `GET /api/v1/posts/` (the demo "
        "blog's first page):",
        "",
        "| path | req/s | detail |",
        "| --- | ---: | --- |",
        *(
            f"| {name} | {t.requests_per_second:,.0f} | {t.detail} |"
            for name, t in rows
        ),
        "",
        f"Mixed load through Varnish (8 threads, {mixed.seconds:.0f} s, 75% a "
        "few popular URLs, 15% post pages with a unique `?ref=`, 5% a second "
        "page, 5% unique searches; one post edited and purged 3 s in): "
        f"{mixed.requests} requests, {mixed.failed} failed; Varnish "
        f"`client_req` {delta['client_req']}, `cache_hit` {delta['cache_hit']}, "
        f"`cache_miss` {delta['cache_miss']}, "
        f"`cache_hitmiss` {delta['cache_hitmiss']}, "
        f"`cache_hitpass` {delta['cache_hitpass']}, `backend_req` "
        f"{delta['backend_req']}: **{origin_share:.1%} of requests reached the "
        "origin** (haproxy and the hosts).",
        "",
        "Two hosts on two cores share the same CPUs, so haproxy in front of both is "
        "not faster than one host here: these figures show the cache's effect and "
        "the failover, not how throughput scales with hosts.",
        "",
    ]
    report = "\n".join(lines)
    print("\n" + report)
    RESULTS.write_text(report)

    failed, failures = mixed.failed, mixed.failures[:10]
    assert failed == 0, f"{mixed.summary()}\n{failures}"
    assert delta["client_req"] >= mixed.requests, (delta, mixed.requests)
    assert origin_share < 0.5, f"{origin_share:.1%} reached the origin: {delta}"
    assert varnish_hit.requests_per_second > 0
    assert one_host.requests_per_second > 0
