"""Webhook delivery benchmark (`make bench` runs it after the HTTP load): one
`manage.py run_worker` process on PostgreSQL delivering to a local receiver.

- commit -> first delivery attempt at the receiver, over BENCH_WEBHOOK_CHANGES
  (default 200) changes made one after another, as editors make them;
- scheduled posts: `post.published` arrival after the publish time;
- a burst of BENCH_WEBHOOK_BURST (default 1000) changes: every event delivered
  exactly once, in commit order, duplicates counted.

Writes bench/results/webhooks.md. The database (BENCH_WEBHOOK_DATABASE_URL) is
dropped and made again: its name must contain "bench".
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import recreate_database  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_WEBHOOK_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/writing_api_bench_webhooks",
)
CHANGES = int(os.environ.get("BENCH_WEBHOOK_CHANGES", "200"))
BURST = int(os.environ.get("BENCH_WEBHOOK_BURST", "1000"))
SCHEDULED = 5
RESULTS = ROOT / "bench" / "results" / "webhooks.md"


class Arrivals:
    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.items: list[tuple[float, dict, str]] = []

    def add(self, payload: dict, webhook_id: str) -> None:
        with self.lock:
            self.items.append((time.time(), payload, webhook_id))
            self.lock.notify_all()

    def wait_for(self, count: int, timeout: float) -> bool:
        with self.lock:
            return self.lock.wait_for(lambda: len(self.items) >= count, timeout)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


def start_receiver(arrivals: Arrivals) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            arrivals.add(json.loads(body), self.headers["webhook-id"])
            self.send_response(204)
            self.send_header("content-length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    recreate_database(DATABASE_URL)
    environment = {**os.environ, "DATABASE_URL": DATABASE_URL, "DJANGO_DEBUG": "true",
                   "WEBHOOK_ALLOW_PRIVATE": "true", "DJANGO_LOG_LEVEL": "WARNING",
                   "REDIS_URL": ""}  # fmt: skip
    os.environ.update(environment)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True
    )
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from blog.models import Post
    from blog.outbox import WebhookEndpoint

    arrivals = Arrivals()
    server = start_receiver(arrivals)
    WebhookEndpoint.objects.create(url=f"http://127.0.0.1:{server.server_port}/hook")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=environment,
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        lines = measure(Post, arrivals)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        server.shutdown()
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def _publish(Post, title: str, at: datetime | None = None):
    return Post.objects.create(
        title=title, body="Some words.", status=Post.Status.PUBLISHED,
        published_at=at or datetime.now(UTC),
    )  # fmt: skip


def measure(Post, arrivals: Arrivals) -> list[str]:
    # 1. Commit -> first attempt, one change at a time.
    committed: dict[str, float] = {}
    for n in range(CHANGES):
        post = _publish(Post, f"Change {n}")
        committed[str(post.uuid)] = time.time()
        time.sleep(0.02)
    arrivals.wait_for(CHANGES, timeout=60)
    latencies = [
        at - committed[payload["data"]["post"]["id"]]
        for at, payload, _ in arrivals.items
        if payload["data"]["post"]["id"] in committed
    ]
    arrivals.clear()

    # 2. Scheduled posts: arrival after the publish time.
    due: dict[str, float] = {}
    for n in range(SCHEDULED):
        at = datetime.now(UTC) + timedelta(seconds=2 + n * 0.5)
        post = _publish(Post, f"Scheduled {n}", at)
        due[str(post.uuid)] = at.timestamp()
    arrivals.wait_for(2 * SCHEDULED, timeout=30)  # post.scheduled, post.published
    lateness = [
        at - due[payload["data"]["post"]["id"]]
        for at, payload, _ in arrivals.items
        if payload["type"] == "post.published"
    ]
    arrivals.clear()

    # 3. A burst: exactly once, in commit order.
    started = time.time()
    for n in range(BURST):
        _publish(Post, f"Burst {n:05d}")
    made = time.time() - started
    complete = arrivals.wait_for(BURST, timeout=300)
    time.sleep(2.0)  # anything extra would arrive now
    drained = max(at for at, _, _ in arrivals.items) - started
    ids = [webhook_id for _, _, webhook_id in arrivals.items]
    titles = [payload["data"]["post"]["title"] for _, payload, _ in arrivals.items]
    in_order = titles == sorted(titles)
    duplicates = len(ids) - len(set(ids))

    return [
        "# Webhook delivery (bench/webhooks.py)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, one worker, PostgreSQL, a local "
        "receiver answering 204.",
        "",
        "| measure | result | target |",
        "| --- | --- | --- |",
        f"| commit -> first attempt, p50 ({len(latencies)} changes) | "
        f"{statistics.median(latencies) * 1000:.0f} ms | < 1 s |",
        f"| commit -> first attempt, p99 | {percentile(latencies, 0.99) * 1000:.0f} ms"
        " | < 2 s |",
        f"| commit -> first attempt, max | {max(latencies) * 1000:.0f} ms | |",
        f"| scheduled post.published after its time, max ({len(lateness)} posts) | "
        f"{max(lateness) * 1000:.0f} ms | < 2 s |",
        f"| burst of {BURST}: delivered | {len(set(ids))} "
        f"({'all' if complete else 'NOT all'}) | all, once |",
        f"| burst: duplicates (same webhook-id twice) | {duplicates} | 0 |",
        f"| burst: in commit order | {'yes' if in_order else 'NO'} | yes |",
        f"| burst: {BURST} commits took / last delivery after | {made:.1f} s / "
        f"{drained:.1f} s | |",
    ]


if __name__ == "__main__":
    main()
