"""The real-HTTP benchmark, end to end (run by bench/run.sh; see bench/README.md).

Generates the shared dataset, loads it into a fresh PostgreSQL database with
`manage.py import_posts`, serves the app with gunicorn (response cache off, then on),
drives each case with wrk, replays the recorded responses through the ceiling app
under the same gunicorn and wrk, and writes the table to bench/results/latest.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import secrets
import signal
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis
import wrk
from database import check_services, nth_newest_visible_slug, recreate_database
from report import Row, memory_table, requests_table
from servers import GUNICORN, Gunicorn, Recording, fetch

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results"
DATASET = ROOT.parent / "shared" / "bench" / "dataset.py"

CASE_LABELS = {
    "list": "list by tag",
    "deep": "list by tag, deep page",
    "tagpage": "tag page",
    "detail": "post detail",
    "tags": "tags",
    "index": "index",
    "rss": "RSS feed, 20 full posts",
    "sitemap": "sitemap index",
    "authors": "authors",
    "author": "author page",
    "pages": "pages",
    "site": "site settings",
    "ghost": "Ghost posts.browse (15, tags, authors)",
    "ghostall": "Ghost posts.browse limit all (1,000)",
}
# `posts.browse({limit: 'all'})` uncached, the Ghost issue's latency target (one
# request at a time: under wrk's 16 connections a latency is mostly queueing).
GHOST_ALL_MS = 500
VARIANTS = ("uncached", "warm", "304", "throttled")
# The throttled variant: warm hits with the rate limit on (counted, never reached);
# the ceiling replays them as it replays every recording.
THROTTLE_RATE = "1000000000/minute"
APP_OF_VARIANT = {
    "uncached": "uncached",
    "warm": "cached",
    "304": "cached",
    "throttled": "throttled",
}
TAG = "engineering"
AUTHOR = "writer-07"  # bench/enrich.py's authors sign about a tenth of the posts each
DEEP_PAGE = 100
DETAIL_RANK = 50  # the detail case reads the 50th newest visible post
# The environment of the app: everything it reads is set here, nothing inherited.
APP_VARIABLE_PREFIXES = (
    "API_", "AXES_", "CORS_", "DATABASE_", "DJANGO_", "FRONTEND_", "PREVIEW_",
    "REDIS_", "SQLITE_",
)  # fmt: skip


@dataclass(frozen=True)
class Settings:
    posts: int
    seconds: int
    cases: list[str]
    database_url: str
    redis_url: str
    wrk_timeout: int

    @classmethod
    def from_environment(cls) -> Settings:
        cases = [
            c.strip() for c in os.environ.get("BENCH_CASES", "").split(",") if c.strip()
        ] or list(CASE_LABELS)
        unknown = set(cases) - set(CASE_LABELS)
        if unknown:
            sys.exit(
                f"BENCH_CASES: unknown case(s) {', '.join(sorted(unknown))}; "
                f"choose from {', '.join(CASE_LABELS)}"
            )
        return cls(
            posts=int(os.environ.get("BENCH_POSTS", "10000")),
            seconds=int(os.environ.get("BENCH_SECONDS", "10")),
            cases=cases,
            database_url=os.environ.get(
                "BENCH_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432/writing_bench",
            ),
            redis_url=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"),
            wrk_timeout=int(os.environ.get("BENCH_WRK_TIMEOUT", "10")),
        )


def app_environment(
    settings: Settings, secret_key: str, cache: bool, throttle: str = ""
) -> dict:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(APP_VARIABLE_PREFIXES)
    }
    return environment | {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secret_key,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "API_RESPONSE_CACHE": "true" if cache else "false",
        "API_THROTTLE_RATE": throttle,
        # The sitemap index lists a section only for a front-end template.
        "FRONTEND_POST_URL": "https://www.example.com/writing/{slug}",
        "FRONTEND_TAG_URL": "https://www.example.com/topics/{slug}/",
    }


def manage(environment: dict, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )
    if completed.returncode != 0:
        sys.exit(
            f"manage.py {' '.join(arguments)} failed:\n"
            f"{completed.stdout}{completed.stderr}"
        )
    return completed.stdout.strip()


def case_paths(
    settings: Settings, server: Gunicorn, ghost_key: str
) -> tuple[dict[str, str], list]:
    """The path of every case, and notes on any adjustment made."""
    notes = []
    first_page = json.loads(fetch(server.port, f"/api/v1/posts/?tag={TAG}").body)
    page_size = len(first_page["results"]) or 1
    pages = -(-first_page["count"] // page_size)
    deep = DEEP_PAGE
    if pages < DEEP_PAGE:
        deep = max(pages, 1)
        notes.append(
            f"Only {pages} pages of `{TAG}` posts: the deep page case reads page "
            f"{deep}, not {DEEP_PAGE}."
        )
    detail = nth_newest_visible_slug(settings.database_url, DETAIL_RANK)
    paths = {
        "list": f"/api/v1/posts/?tag={TAG}",
        "deep": f"/api/v1/posts/?tag={TAG}&page={deep}",
        "tagpage": f"/api/v1/tags/{TAG}/posts/",
        "detail": f"/api/v1/posts/{detail}/",
        "tags": "/api/v1/tags/",
        "index": "/api/v1/index/",
        "rss": "/api/v1/feeds/rss/",
        "sitemap": "/api/v1/sitemap.xml",
        "authors": "/api/v1/authors/",
        "author": f"/api/v1/authors/{AUTHOR}/posts/",
        "pages": "/api/v1/pages/",
        "site": "/api/v1/site/",
        "ghost": f"/ghost/api/content/posts/?key={ghost_key}&include=tags,authors",
        "ghostall": f"/ghost/api/content/posts/?key={ghost_key}&limit=all"
        "&include=tags,authors&formats=html,plaintext",
    }
    return {key: paths[key] for key in settings.cases}, notes


class Benchmark:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.secret_key = secrets.token_urlsafe(50)
        self.rows: dict[tuple[str, str], Row] = {}
        self.recordings: dict[tuple[str, str], Recording] = {}
        self.scripts: dict[tuple[str, str], Path] = {}
        self.rss: dict[str, dict[int, float]] = {}
        self.notes: list[str] = []
        self.environment: dict[str, str] = {}
        self.paths: dict[str, str] = {}
        self.load_at_start = os.getloadavg()[0]
        self.ghost_key = ""
        self.ghost_all_ms: list[float] = []

    def prepare(self) -> None:
        settings = self.settings
        (WORK / "wrk").mkdir(parents=True, exist_ok=True)
        dataset = WORK / f"posts-{settings.posts}.jsonl"
        print(f"Dataset: {dataset.relative_to(ROOT)}")
        arguments = ["--posts", str(settings.posts), "--tags", "50", "--out", dataset]
        subprocess.run([sys.executable, DATASET, *arguments], check=True)
        print(f"Database: {settings.database_url} (dropped and created)")
        recreate_database(settings.database_url)
        redis.Redis.from_url(settings.redis_url).flushdb()
        environment = app_environment(settings, self.secret_key, cache=True)
        manage(environment, "migrate", "--noinput", "-v", "0")
        started = time.monotonic()
        summary = manage(environment, "import_posts", str(dataset))
        self.environment["import"] = (
            f"{time.monotonic() - started:.1f}s wall (`{summary}`)"
        )
        print(f"  {summary}")
        enriched = manage(
            environment | {"IMAGE_PROCESSING": "sync"},
            "shell",
            "-c",
            "exec(open('bench/enrich.py').read())",
        )
        self.environment["enrich"] = enriched
        print(f"  {enriched}")
        self.ghost_key = manage(environment, "ghost_content_key", "--name", "bench")

    def run(self) -> None:
        """Record every case, then drive each on the app and at once on the ceiling.

        Back to back, so both figures of a ratio see the same machine load.
        """
        uncached = app_environment(self.settings, self.secret_key, cache=False)
        cached = app_environment(self.settings, self.secret_key, cache=True)
        throttled = app_environment(
            self.settings, self.secret_key, cache=True, throttle=THROTTLE_RATE
        )
        with ExitStack() as servers:
            apps = {
                "uncached": servers.enter_context(
                    Gunicorn("app-uncached", "config.wsgi:application", uncached)
                ),
                "cached": servers.enter_context(
                    Gunicorn("app-cached", "config.wsgi:application", cached)
                ),
                "throttled": servers.enter_context(
                    Gunicorn("app-throttled", "config.wsgi:application", throttled)
                ),
            }
            self.paths, notes = case_paths(
                self.settings, apps["uncached"], self.ghost_key
            )
            self.notes += notes
            for key, path in self.paths.items():
                self.record_case(apps, key, path)
            if "ghostall" in self.paths:
                for _ in range(7):
                    started = time.perf_counter()
                    fetch(apps["uncached"].port, self.paths["ghostall"])
                    self.ghost_all_ms.append((time.perf_counter() - started) * 1000)
            ceiling = servers.enter_context(self.ceiling())
            self.check_replays(ceiling)
            for key, path in self.paths.items():
                for variant in VARIANTS:
                    if (key, variant) not in self.recordings:
                        continue
                    app = apps[APP_OF_VARIANT[variant]]
                    if variant in ("warm", "throttled"):
                        fetch(app.port, path)  # one priming request, as a client's
                    self.drive(app, key, variant, path)
                    self.drive(ceiling, key, variant, f"/{variant}{path}")
                if key == "index":
                    self.rss["app, cache off"] = apps["uncached"].worker_rss()
                    self.rss["app, cache on"] = apps["cached"].worker_rss()
            for server in (*apps.values(), ceiling):
                self.note_log_problems(server)

    def record_case(self, apps: dict[str, Gunicorn], key: str, path: str) -> None:
        """Keep the exact response of each variant; a 304 needs the warm ETag."""
        fetch(apps["uncached"].port, path)  # lazy imports, connections: not kept
        self.record(key, "uncached", fetch(apps["uncached"].port, path))
        fetch(apps["cached"].port, path)  # the priming request fills the cache
        warm = fetch(apps["cached"].port, path)
        self.record(key, "warm", warm)
        etag = warm.header("ETag")
        if not etag:
            self.rows[(key, "304")] = Row(
                key, CASE_LABELS[key], "304", missing="n/a (no ETag)"
            )
            return
        script = WORK / "wrk" / f"if-none-match-{key}.lua"
        self.scripts[(key, "304")] = wrk.header_script(script, "If-None-Match", etag)
        self.record(
            key, "304", fetch(apps["cached"].port, path, {"If-None-Match": etag})
        )
        fetch(apps["throttled"].port, path)  # priming, as for the warm variant
        self.record(key, "throttled", fetch(apps["throttled"].port, path))

    def record(self, key: str, variant: str, recording: Recording) -> None:
        self.rows[(key, variant)] = row = Row(key, CASE_LABELS[key], variant)
        expected = 304 if variant == "304" else 200
        if recording.status == expected:
            self.recordings[(key, variant)] = recording
        elif variant == "304" and recording.status == 200:
            row.missing = "n/a (If-None-Match answered 200)"
        else:
            row.missing = f"failed (answered {recording.status})"

    def ceiling(self) -> Gunicorn:
        captures = WORK / "captures.json"
        captures.write_text(
            json.dumps(
                [
                    recording.as_json(f"/{variant}{self.paths[key]}")
                    for (key, variant), recording in self.recordings.items()
                ]
            )
        )
        environment = dict(os.environ, BENCH_CEILING_RESPONSES=str(captures))
        return Gunicorn(
            "ceiling", "ceiling:application", environment, chdir=BENCH, ready_path="/"
        )

    def check_replays(self, ceiling: Gunicorn) -> None:
        for (key, variant), recording in self.recordings.items():
            replayed = fetch(ceiling.port, f"/{variant}{self.paths[key]}")
            if (replayed.status, replayed.body) != (recording.status, recording.body):
                raise RuntimeError(f"The ceiling does not replay {key} ({variant}).")

    def drive(self, server: Gunicorn, key: str, variant: str, path: str) -> None:
        print(f"  {server.name:12} {CASE_LABELS[key]} ({variant}): {path}")
        log = WORK / "wrk" / f"{server.name}-{key}-{variant}.txt"
        result = wrk.run(
            server.url(path),
            self.settings.seconds,
            self.settings.wrk_timeout,
            self.scripts.get((key, variant)),
            log,
        )
        row = self.rows[(key, variant)]
        if server.name == "ceiling":
            row.ceiling = result
        else:
            row.result = result
        time.sleep(0.5)

    def note_log_problems(self, server: Gunicorn) -> None:
        problems = server.log_problems()
        if problems:
            self.notes.append(
                f"{server.name}: {len(problems)} error line(s) in "
                f"`{server.log.relative_to(ROOT)}`, first: `{problems[0][:200]}`"
            )

    def describe_environment(self) -> list[str]:
        def output(*command: str) -> str:
            try:
                return subprocess.run(
                    command, cwd=ROOT, capture_output=True, text=True
                ).stdout.strip()
            except OSError:
                return ""

        commit = output("git", "rev-parse", "--short", "HEAD") or "unknown"
        if output("git", "status", "--porcelain", "--untracked-files=no"):
            commit += " (with uncommitted changes)"
        cpu = re.search(
            r"^model name\s*:\s*(.+)$",
            Path("/proc/cpuinfo").read_text(),
            re.MULTILINE,
        )
        with psycopg.connect(self.settings.database_url) as db:
            postgres = db.execute("SHOW server_version").fetchone()[0]
        redis_version = redis.Redis.from_url(self.settings.redis_url).info()[
            "redis_version"
        ]
        gunicorn_version = output(str(GUNICORN), "--version").replace(" (version", "")
        gunicorn_version = gunicorn_version.rstrip(")")
        command = " ".join(
            wrk.command("URL", self.settings.seconds, self.settings.wrk_timeout, None)
        )
        return [
            f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M UTC}",
            f"- posts: {self.settings.posts} generated by shared/bench/dataset.py "
            "(50 tags)",
            f"- git commit: {commit}",
            f"- import: {self.environment.get('import', '-')}",
            f"- load average (1 min) at the start and at the end: "
            f"{self.load_at_start:.2f}, {os.getloadavg()[0]:.2f} "
            "(above 0.5 means something else was running: noisier figures)",
            f"- machine: {os.cpu_count()} CPUs"
            + (f" ({cpu.group(1)})" if cpu else "")
            + f", {platform.system()} {platform.release()}",
            f"- software: Python {platform.python_version()}, {gunicorn_version} "
            f"(2 sync workers), {wrk.version()}, PostgreSQL {postgres}, "
            f"Redis {redis_version}",
            f"- load: `{command}`, no Accept-Encoding (identity bodies, as recorded)",
            "- paths (body bytes): "
            + ", ".join(
                f"{CASE_LABELS[key]} `{path}` ({self.body_size(key)})"
                for key, path in self.paths.items()
            ),
        ]

    def body_size(self, key: str) -> str:
        for variant in ("warm", "uncached"):
            if (key, variant) in self.recordings:
                return f"{len(self.recordings[(key, variant)].body):,}"
        return "-"

    def write_results(self) -> Path:
        ordered = [
            self.rows[(key, variant)]
            for key in self.paths
            for variant in VARIANTS
            if (key, variant) in self.rows
        ]
        parts = [
            "# Benchmark results",
            "",
            "Written by `make bench` (bench/run.sh); see bench/README.md.",
            "",
            *self.describe_environment(),
            "",
            "## Requests",
            "",
            requests_table(ordered),
            "",
            "## Worker memory after the index case",
            "",
            memory_table(self.rss) if self.rss else "(the index case was not run)",
        ]
        if self.ghost_all_ms:
            times = sorted(self.ghost_all_ms)
            median = times[len(times) // 2]
            met = "yes" if median < GHOST_ALL_MS else "no"
            self.notes.append(
                f"Ghost `posts.browse({{limit: 'all'}})` uncached, one request at a "
                f"time (1,000 posts with tags, authors, html and plaintext, "
                f"{self.body_size('ghostall')} bytes): median {median:.0f} ms of "
                f"{len(times)} (slowest {times[-1]:.0f} ms); target under "
                f"{GHOST_ALL_MS} ms: {met}."
            )
        if self.notes:
            parts += ["", "## Notes", "", *[f"- {note}" for note in self.notes]]
        RESULTS.mkdir(parents=True, exist_ok=True)
        latest = RESULTS / "latest.md"
        latest.write_text("\n".join(parts) + "\n")
        return latest


def main() -> None:
    # Turn termination into an exception, so every server is stopped on the way out.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))
    settings = Settings.from_environment()
    check_services(settings.database_url, settings.redis_url)
    if not DATASET.is_file():
        sys.exit(
            f"No dataset generator at {DATASET} (shared/ must sit beside the repo)."
        )
    benchmark = Benchmark(settings)
    benchmark.prepare()
    benchmark.run()
    latest = benchmark.write_results()
    print()
    print(latest.read_text())
    print(f"Written to {latest.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
