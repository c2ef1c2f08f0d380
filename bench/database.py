"""The benchmark's PostgreSQL database and Redis: reachable, fresh, and read."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql


def check_services(database_url: str, redis_url: str) -> None:
    """Fail early, and plainly, when PostgreSQL or Redis is not there."""
    parts = urlsplit(database_url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    try:
        psycopg.connect(maintenance, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        sys.exit(f"PostgreSQL is unreachable ({maintenance}): {error}")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        sys.exit(f"Redis is unreachable ({redis_url}): {error}")


def recreate_database(url: str) -> None:
    """Drop and create the benchmark's database (only one named *bench*)."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark's database name must "
                 "contain 'bench' (set BENCH_DATABASE_URL).")  # fmt: skip
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as db:
        db.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)
            )
        )
        db.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def nth_newest_visible_slug(database_url: str, rank: int) -> str:
    """The slug of the `rank`th newest visible post (the rule of `published()`)."""
    with psycopg.connect(database_url) as db:
        row = db.execute(
            "SELECT slug FROM blog_post WHERE status = 'published' "
            "AND published_at <= now() ORDER BY published_at DESC, id DESC "
            "OFFSET %s LIMIT 1",
            [rank - 1],
        ).fetchone()
    if row is None:
        sys.exit(f"Fewer than {rank} visible posts: raise BENCH_POSTS.")
    return row[0]
