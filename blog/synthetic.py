"""A deterministic synthetic blog for benchmarks: the same posts for the same sizes."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from blog.bulk import PostData, TagData
from blog.models import Post

WORDS = [
    "cache",
    "request",
    "worker",
    "queue",
    "latency",
    "schema",
    "index",
    "deploy",
    "release",
    "budget",
    "trace",
    "metric",
    "handler",
    "socket",
    "thread",
    "process",
    "memory",
    "pointer",
    "lock",
    "signal",
    "timeout",
    "retry",
    "backoff",
    "replica",
    "shard",
    "cluster",
    "node",
    "container",
    "image",
    "build",
    "pipeline",
    "review",
    "test",
    "fixture",
    "mock",
    "contract",
    "client",
    "server",
    "proxy",
    "gateway",
    "router",
    "token",
    "session",
    "cookie",
    "parser",
    "compiler",
    "runtime",
    "module",
    "package",
    "library",
    "framework",
    "interface",
    "protocol",
    "stream",
    "buffer",
    "batch",
    "event",
    "log",
    "alert",
    "incident",
    "postmortem",
    "rollback",
    "migration",
    "column",
    "table",
    "query",
    "plan",
    "vacuum",
    "backup",
    "restore",
    "failover",
    "leader",
    "follower",
    "consensus",
    "clock",
    "drift",
    "monotonic",
    "graceful",
    "shutdown",
    "startup",
    "health",
    "probe",
]
TOPICS = [
    "engineering",
    "python",
    "django",
    "postgres",
    "elixir",
    "go",
    "rust",
    "ruby",
    "javascript",
    "typescript",
    "frontend",
    "backend",
    "devops",
    "security",
    "testing",
    "performance",
    "databases",
    "caching",
    "observability",
    "architecture",
    "career",
    "management",
    "ai",
    "ml",
    "data",
    "infrastructure",
    "kubernetes",
    "networking",
    "linux",
    "cloud",
    "mobile",
    "design",
    "accessibility",
    "api",
    "open-source",
    "reliability",
    "incidents",
    "hiring",
    "writing",
    "productivity",
    "tooling",
    "compilers",
    "distributed-systems",
    "concurrency",
    "search",
    "queues",
    "storage",
]
LANGUAGES = ("python", "go", "elixir", "sql", "rust", "yaml")
EPOCH = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _sentence(rng: random.Random, low: int = 8, high: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(5, 8)))


def _body(rng: random.Random) -> str:
    parts = [_paragraph(rng)]
    for _ in range(4):
        parts.append(f"## {_sentence(rng, 2, 5)[:-1]}")
        parts.extend(_paragraph(rng) for _ in range(2))
    parts.append("\n".join(f"- {_sentence(rng, 4, 8)}" for _ in range(4)))
    language = rng.choice(LANGUAGES)
    code = "\n".join(f"{rng.choice(WORDS)} = {rng.randint(1, 999)}" for _ in range(5))
    parts.append(f"```{language}\n{code}\n```")
    return "\n\n".join(parts)


def synthetic_tags(count: int) -> list[TagData]:
    names = [TOPICS[i % len(TOPICS)] for i in range(count)]
    tags = []
    for i, name in enumerate(names):
        slug = name if i < len(TOPICS) else f"{name}-{i // len(TOPICS) + 1}"
        tags.append(
            TagData(slug=slug, name=slug.replace("-", " ").title(), description="")
        )
    return tags


def synthetic_posts(
    count: int, tags: list[TagData], seed: int = 1
) -> Iterator[PostData]:
    """`count` posts, about 1,000 words each, one to four tags, spread over years.

    About 30% carry the first tag (`engineering`), 2% are drafts, and the newest
    ten are scheduled a few days ahead of the fixed epoch.
    """
    rng = random.Random(seed)
    slugs = [tag.slug for tag in tags]
    for i in range(count):
        chosen = set(rng.sample(slugs[1:], k=min(len(slugs) - 1, rng.randint(1, 3))))
        if slugs and rng.random() < 0.3:
            chosen.add(slugs[0])
        status = Post.Status.DRAFT if rng.random() < 0.02 else Post.Status.PUBLISHED
        published_at = EPOCH - timedelta(hours=7 * i + rng.randint(0, 5))
        yield PostData(
            slug=f"synthetic-{i + 1:06d}",
            title=_sentence(rng, 3, 8)[:-1],
            summary=_sentence(rng, 12, 24),
            body=_body(rng),
            status=status,
            published_at=published_at if status == Post.Status.PUBLISHED else None,
            featured=rng.random() < 0.05,
            tags=sorted(chosen),
        )
