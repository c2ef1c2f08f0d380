"""Sustained load (`make load`): about a minute at 64 connections against gunicorn on
PostgreSQL, with a mix of cached and uncached reads, checking zero 5xx, zero socket
errors and worker memory that stays flat after warm-up. Loopback only; it stops by
itself. Writes bench/results/load.md. See bench/README.md.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import redis
import wrk
from database import check_services, recreate_database
from servers import Gunicorn, fetch

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
DATASET = ROOT.parent / "shared" / "bench" / "dataset.py"

POSTS = int(os.environ.get("LOAD_POSTS", "10000"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "60"))
WARMUP_SECONDS = int(os.environ.get("LOAD_WARMUP_SECONDS", "30"))
CONNECTIONS = 64
DATABASE_URL = os.environ.get(
    "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/writing_load_bench"
)
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15")
MAX_GROWTH = 0.10

# Every request is valid (a 4xx would count as an error in wrk's report). One in
# fifty is a search carrying a counter, so it misses every cache and reaches
# PostgreSQL, as scrapers do. The warm-up runs the same mix long enough for each
# worker's bounded local cache to fill, so growth after it would be a leak.
MIX_SCRIPT = """
local paths = {PATHS}
local words = {"cache", "queue", "latency", "deploy", "schema", "review", "token"}
local n = 0
request = function()
  n = n + 1
  if n % 50 == 0 then
    local word = words[math.floor(n / 50) % #words + 1]
    -- `seq` is an unknown parameter (ignored) that makes every URL new: a miss.
    local query = "search=" .. word .. "&page_size=" .. (n % 50 + 1) .. "&seq=" .. n
    return wrk.format("GET", "/api/v1/posts/?" .. query)
  end
  return wrk.format("GET", paths[n % #paths + 1])
end
"""


def manage(environment: dict, *arguments: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT, env=environment, capture_output=True, text=True,
    )  # fmt: skip
    if completed.returncode:
        sys.exit(f"manage.py {arguments[0]} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout.strip()


def environment() -> dict[str, str]:
    inherited = {
        k: v for k, v in os.environ.items()
        if not k.startswith(("API_", "DJANGO_", "DATABASE_", "REDIS_", "SQLITE_"))
    }  # fmt: skip
    return inherited | {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": REDIS_URL,
    }


def run_wrk(port: int, seconds: int, script: Path) -> wrk.WrkResult:
    command = [
        "wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
        "--timeout=10s", "-s", str(script), f"http://127.0.0.1:{port}/",
    ]  # fmt: skip
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return wrk.parse(output)


def main() -> None:
    check_services(DATABASE_URL, REDIS_URL)
    WORK.mkdir(parents=True, exist_ok=True)
    dataset = WORK / f"posts-{POSTS}.jsonl"
    if not dataset.exists():
        subprocess.run([sys.executable, DATASET, "--posts", str(POSTS), "--tags", "50",
                        "--out", dataset], check=True)  # fmt: skip
    recreate_database(DATABASE_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()
    env = environment()
    manage(env, "migrate", "--noinput", "-v", "0")
    print(" ", manage(env, "import_posts", str(dataset)))

    with Gunicorn("load", "config.wsgi:application", env) as server:
        index = json.loads(fetch(server.port, "/api/v1/index/").body)["results"]
        slugs = [entry["slug"] for entry in index[:: max(1, len(index) // 200)]]
        paths = [
            "/api/v1/posts/?tag=engineering", "/api/v1/tags/engineering/posts/",
            "/api/v1/tags/", "/api/v1/posts/?tag=engineering&page=3",
            *[f"/api/v1/posts/{slug}/" for slug in slugs],
        ]  # fmt: skip
        script = WORK / "load-mix.lua"
        lua_paths = "{" + ", ".join(json.dumps(p) for p in paths) + "}"
        script.write_text(MIX_SCRIPT.replace("{PATHS}", lua_paths))

        print(f"  warm-up: {WARMUP_SECONDS}s at {CONNECTIONS} connections")
        warmup = run_wrk(server.port, WARMUP_SECONDS, script)
        before = server.worker_rss()
        print(f"  load: {SECONDS}s at {CONNECTIONS} connections")
        started = time.monotonic()
        result = run_wrk(server.port, SECONDS, script)
        elapsed = time.monotonic() - started
        after = server.worker_rss()
        server_errors = server.log.read_text().count("Internal Server Error")

    growth = {
        pid: (after[pid] - before[pid]) / before[pid] for pid in before if pid in after
    }
    checks = {
        "zero non-2xx/3xx responses": result.non_success == 0,
        "zero socket errors": sum(result.socket_errors.values()) == 0,
        "the same workers before and after (none crashed)": set(before) == set(after),
        "no server error logged": server_errors == 0,
        f"worker memory growth <= {MAX_GROWTH:.0%}": all(
            g <= MAX_GROWTH for g in growth.values()
        ),
    }
    lines = [
        "# Sustained load",
        "",
        "Written by `make load` (bench/load.py); see bench/README.md.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {POSTS} posts; "
        f"gunicorn 2 sync workers, response cache on, Redis, PostgreSQL",
        f"- load: wrk -t2 -c{CONNECTIONS}, {SECONDS}s after a {WARMUP_SECONDS}s "
        f"warm-up; 98% of requests cycle over {len(paths)} list, tag, tag page and "
        "detail URLs, 2% are full-text searches that miss every cache",
        f"- warm-up: {warmup.requests_per_second:,.0f} req/s, errors "
        f"{warmup.describe_errors()}",
        "",
        "| requests | req/s | p50 | p99 | errors |",
        "| ---: | ---: | ---: | ---: | --- |",
        f"| {result.requests:,} | {result.requests_per_second:,.0f} | "
        f"{result.p50_ms:.1f} ms | {result.p99_ms:.1f} ms | "
        f"{result.describe_errors()} |",
        "",
        "| worker | RSS after warm-up | RSS after the load | growth |",
        "| ---: | ---: | ---: | ---: |",
        *[
            f"| {pid} | {before[pid]:.1f} MB | {after.get(pid, 0):.1f} MB | "
            f"{growth.get(pid, 0):+.1%} |"
            for pid in sorted(before)
        ],
        "",
        *[f"- {'PASS' if ok else 'FAIL'}: {name}" for name, ok in checks.items()],
        f'- "Internal Server Error" entries in the server log: {server_errors}',
        f"- wall time of the load phase: {elapsed:.0f}s",
    ]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    if not all(checks.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
