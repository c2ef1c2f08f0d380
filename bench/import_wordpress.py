"""`import_wordpress` against a synthetic WXR: the time and peak memory of one
import at each size, to show the time is linear and the memory flat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/import_wordpress.py 1000 10000

Each size gets a database of its own (`bench_import_<n>`, created and dropped on
the server DATABASE_URL names), migrated, then one `manage.py import_wordpress`
in a process of its own, whose peak RSS is read from the kernel (`ru_maxrss`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.blog.wxr_factory import write_wxr  # noqa: E402, I001


# The command in a process that reports its own peak RSS when it exits.
_MEASURED = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print('PEAK_RSS_KB', resource.getrusage("
    "resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr))\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def _run(args: list[str], env: dict) -> tuple[float, int, str]:
    """Seconds, the child's peak RSS in MB, and its output."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.monotonic() - started
    peak_kb = int(done.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
    return seconds, peak_kb // 1024, done.stdout


def main(sizes: list[int]) -> None:
    server = os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    base = server.rsplit("/", 1)[0]
    for posts in sizes:
        name = f"bench_import_{posts}"
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        env = {
            **os.environ,
            "DATABASE_URL": f"{base}/{name}",
            # As in production: with DEBUG on Django also keeps the statements.
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": "bench-import-not-a-secret-" + "x" * 40,
            "IMAGE_PROCESSING": "sync",
        }
        try:
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            with tempfile.TemporaryDirectory() as folder:
                path = write_wxr(Path(folder) / f"wxr-{posts}.xml", posts)
                size_mb = path.stat().st_size / 1_000_000
                seconds, rss, out = _run(["import_wordpress", str(path)], env)
                again, rss_again, out_again = _run(["import_wordpress", str(path)], env)
            print(
                f"{posts:>6} posts, {size_mb:6.1f} MB WXR: import {seconds:6.1f} s, "
                f"peak RSS {rss} MB; second run {again:5.1f} s "
                f"({'unchanged' if 'Nothing changed' in out_again else 'CHANGED'}"
                f"); peak RSS of the second run {rss_again} MB"
            )
            print("   " + out.splitlines()[1])
        finally:
            with psycopg.connect(server, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main([int(size) for size in sys.argv[1:]] or [1000, 10000])
