"""Sitemap benchmark (`make bench` runs it after the HTTP load): the sitemaps of
BENCH_SITEMAP_POSTS (default 100,000) visible posts, served by gunicorn with the
response cache off, so that every request renders.

For the index and each page of the posts section: the slowest and the median of
BENCH_SITEMAP_RUNS (default 5) renders, the size in bytes and the number of URLs,
against the targets of issue #13 (under 2 s; 50,000 URLs and 50 MB per sitemap, the
protocol's limits) and a 404 past the last page.

The posts are written with `bulk_create` (a sitemap reads a post's slug and dates,
nothing that saving derives). Writes bench/results/sitemap.md. The database
(BENCH_SITEMAP_DATABASE_URL) is dropped and made again: its name must contain
"bench".
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import recreate_database  # noqa: E402
from bench.servers import Gunicorn, fetch  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_SITEMAP_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/writing_api_bench_sitemap",
)
POSTS = int(os.environ.get("BENCH_SITEMAP_POSTS", "100000"))
RUNS = int(os.environ.get("BENCH_SITEMAP_RUNS", "5"))
RESULTS = ROOT / "bench" / "results" / "sitemap.md"
TARGET_SECONDS = 2.0
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def environment() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-sitemap-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "API_RESPONSE_CACHE": "false",
        "FRONTEND_POST_URL": "https://www.example.com/writing/{slug}",
        "FRONTEND_TAG_URL": "https://www.example.com/topics/{slug}/",
    }


def create_posts(count: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from blog.models import Post

    start = datetime(2015, 1, 1, tzinfo=UTC)
    batch = []
    for n in range(count):
        batch.append(
            Post(
                title=f"Post {n}",
                slug=f"post-{n}-on-engineering-at-scale",
                summary="A summary.",
                status=Post.Status.PUBLISHED,
                published_at=start + timedelta(minutes=50 * n),
            )
        )
        if len(batch) == 5_000:
            Post.objects.bulk_create(batch)
            batch = []
    Post.objects.bulk_create(batch)


def measure(port: int, path: str) -> dict:
    seconds = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = fetch(port, path)
        seconds.append(time.perf_counter() - started)
        if response.status != 200:
            sys.exit(f"{path}: {response.status} {response.body[:300]!r}")
    root = ElementTree.fromstring(response.body)
    return {
        "path": path,
        "slowest": max(seconds),
        "median": statistics.median(seconds),
        "bytes": len(response.body),
        "urls": len(root.findall(f"{NS}url")) or len(root.findall(f"{NS}sitemap")),
        "sections": [loc.text for loc in root.iter(f"{NS}loc")]
        if root.tag == f"{NS}sitemapindex"
        else None,
    }


def main() -> None:
    recreate_database(DATABASE_URL)
    os.environ.update(environment())
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True
    )
    started = time.monotonic()
    create_posts(POSTS)
    print(f"Sitemap: {POSTS:,} posts written in {time.monotonic() - started:.1f}s")
    pages = -(-POSTS // MAX_URLS)
    with Gunicorn("app-sitemap", "config.wsgi:application", environment()) as app:
        rows = [measure(app.port, "/api/v1/sitemap.xml")]
        rows += [
            measure(app.port, f"/api/v1/sitemaps/posts.xml?p={page}")
            for page in range(1, pages + 1)
        ]
        past_the_end = fetch(app.port, f"/api/v1/sitemaps/posts.xml?p={pages + 1}")
    listed = rows[0]["sections"]
    lines = [
        "# Sitemap benchmark",
        "",
        "Written by `make bench` (bench/sitemap.py); see its docstring.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- posts: {POSTS:,} visible; gunicorn, 2 sync workers, response cache off "
        f"(every request renders); {RUNS} sequential requests per sitemap",
        f"- the index lists {len(listed)} sitemaps: "
        + ", ".join(f"`{url}`" for url in listed),
        f"- page {pages + 1} of the posts section: {past_the_end.status} "
        f"(expected 404)",
        "",
        "| sitemap | slowest | median | bytes | URLs | under 2 s? | within limits? |",
        "| --- | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    failed = past_the_end.status != 404
    for row in rows:
        fast = row["slowest"] < TARGET_SECONDS
        within = row["urls"] <= MAX_URLS and row["bytes"] <= MAX_BYTES
        failed |= not (fast and within)
        lines.append(
            f"| `{row['path']}` | {row['slowest'] * 1000:,.0f} ms | "
            f"{row['median'] * 1000:,.0f} ms | {row['bytes']:,} | {row['urls']:,} | "
            f"{'yes' if fast else 'no'} | {'yes' if within else 'no'} |"
        )
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)
    if failed:
        print("Sitemap targets not met: see bench/results/sitemap.md", file=sys.stderr)


if __name__ == "__main__":
    main()
