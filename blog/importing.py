"""Reading a JSON Lines import (`manage.py import_posts`): every line checked, every
problem reported with its line number, before anything is written.

The format is the one `shared/bench/dataset.py` writes, one JSON object a line:

    {"kind": "tag", "slug", "name", "description"}
    {"kind": "post", "title", "slug", "summary", "body", "published_at", "status",
     "featured", "tags": [slug, ...]}

What a record does to a post that exists already is `blog.import_changes`'s.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection

from blog.bulk import PostData, TagData
from blog.models import Author, Page, Post, Tag
from blog.search import is_postgresql
from blog.slugs import is_valid_slug

MAX_REPORTED_PROBLEMS = 20
TAG_FIELDS = frozenset({"kind", "slug", "name", "description"})
POST_FIELDS = frozenset(
    {"kind", "title", "slug", "summary", "body", "published_at", "status", "featured",
     "tags"}
)  # fmt: skip
# Mirrors the model's field limits, so a bad line is named here rather than failing
# the whole transaction in the database.
TITLE_MAX_LENGTH = Post._meta.get_field("title").max_length
SUMMARY_MAX_LENGTH = Post._meta.get_field("summary").max_length
TAG_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
SLUG_RULE = "lowercase letters, digits and single hyphens, at most 200 characters"


def _shorten(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: Any) -> str:
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names |= {list: "a list", dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


class _Record:
    """One line's JSON object, read field by field, collecting what is wrong."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.problems: list[str] = []

    def unknown_fields(self, allowed: frozenset[str]) -> None:
        unknown = sorted(set(self.data) - allowed)
        if unknown:
            self.problems.append(f"unknown field(s) {', '.join(unknown)}")

    def text(
        self, name: str, *, required: bool = False, max_length: int | None = None
    ) -> str:
        value = self.data.get(name)
        if value is None:
            if required:
                self.problems.append(f"{name} is missing")
            return ""
        if not isinstance(value, str):
            self.problems.append(f"{name} must be a string, not {_json_type(value)}")
            return ""
        if required and not value.strip():
            self.problems.append(f"{name} is empty")
        if "\x00" in value:
            # PostgreSQL text cannot hold it: the whole import would fail on write.
            self.problems.append(f"{name} contains a NUL character")
        if max_length is not None and len(value) > max_length:
            self.problems.append(f"{name} is longer than {max_length} characters")
        return value

    def slug(self) -> str:
        value = self.text("slug", required=True)
        if value and not is_valid_slug(value):
            self.problems.append(f"slug {_shorten(value)} is invalid ({SLUG_RULE})")
        return value

    def status(self) -> str:
        value = self.text("status", required=True)
        if value and value not in Post.Status.values:
            self.problems.append(
                f"status {_shorten(value)} is not one of "
                f"{', '.join(Post.Status.values)}"
            )
        return value

    def published_at(self) -> datetime | None:
        value = self.data.get("published_at")
        if value is None:
            return None
        if not isinstance(value, str):
            self.problems.append(
                f"published_at must be an ISO 8601 string or null, "
                f"not {_json_type(value)}"
            )
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.problems.append(
                f"published_at {_shorten(value)} is not an ISO 8601 date-time"
            )
            return None
        if moment.tzinfo is None:
            self.problems.append(
                f"published_at {_shorten(value)} has no time zone (end it with Z)"
            )
            return None
        return moment.astimezone(UTC)

    def featured(self) -> bool:
        value = self.data.get("featured", False)
        if not isinstance(value, bool):
            self.problems.append(
                f"featured must be true or false, not {_json_type(value)}"
            )
            return False
        return value

    def tags(self) -> list[str]:
        value = self.data.get("tags", [])
        if not isinstance(value, list):
            self.problems.append(f"tags must be a list, not {_json_type(value)}")
            return []
        slugs = []
        for item in value:
            if not isinstance(item, str) or not is_valid_slug(item):
                self.problems.append(f"tag {_shorten(item)} is not a valid slug")
            else:
                slugs.append(item)
        return slugs


def parse_tag(data: dict[str, Any]) -> tuple[TagData, list[str]]:
    record = _Record(data)
    record.unknown_fields(TAG_FIELDS)
    tag = TagData(
        slug=record.slug(),
        name=record.text("name", required=True, max_length=TAG_NAME_MAX_LENGTH),
        description=record.text("description"),
    )
    return tag, record.problems


def parse_post(data: dict[str, Any]) -> tuple[PostData, list[str]]:
    record = _Record(data)
    record.unknown_fields(POST_FIELDS)
    post = PostData(
        slug=record.slug(),
        title=record.text("title", required=True, max_length=TITLE_MAX_LENGTH),
        summary=record.text("summary", max_length=SUMMARY_MAX_LENGTH),
        body=record.text("body"),
        status=record.status(),
        # Published without a date means now: `Post.fill_defaults` stamps it.
        published_at=record.published_at(),
        featured=record.featured(),
        tags=record.tags(),
    )
    return post, record.problems


@dataclass
class ImportFile:
    """What a file holds, by slug, with the line each came from."""

    tags: dict[str, TagData] = field(default_factory=dict)
    posts: dict[str, PostData] = field(default_factory=dict)
    # The fields each post's record carries (the others keep their stored value).
    post_fields: dict[str, frozenset[str]] = field(default_factory=dict)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)
    problems: list[tuple[int, str]] = field(default_factory=list)

    def report(self, line: int, message: str) -> None:
        self.problems.append((line, message))

    def read(self, path: Path) -> None:
        with path.open("rb") as stream:
            for number, raw in enumerate(stream, start=1):
                if raw.strip():
                    self.read_line(number, raw)

    def read_line(self, number: int, raw: bytes) -> None:
        try:
            data = json.loads(raw)
        except UnicodeDecodeError:
            self.report(number, "not UTF-8 text")
            return
        except json.JSONDecodeError as error:
            self.report(number, f"invalid JSON ({error.msg} at column {error.colno})")
            return
        if not isinstance(data, dict):
            self.report(number, f"expected a JSON object, found {_json_type(data)}")
            return
        kind = data.get("kind")
        if kind == "tag":
            self.add(number, "tag", *parse_tag(data))
        elif kind == "post":
            if self.add(number, "post", *parse_post(data)):
                self.post_fields[data["slug"]] = frozenset(data) - {"kind"}
        else:
            self.report(
                number, f'unknown kind {_shorten(kind)} (expected "tag" or "post")'
            )

    def add(
        self, number: int, kind: str, item: TagData | PostData, problems: list[str]
    ) -> bool:
        first = self.lines.get((kind, item.slug))
        if first is not None:
            problems.append(
                f"{kind} slug {item.slug!r} already appears on line {first}"
            )
        if problems:
            self.report(number, "; ".join(problems))
            return False
        self.lines[(kind, item.slug)] = number
        if kind == "tag":
            self.tags[item.slug] = item
        else:
            self.posts[item.slug] = item
        return True

    def check_against_database(self) -> None:
        """Tags named by posts must exist here or in the database; names are unique."""
        named = {slug for post in self.posts.values() for slug in post.tags}
        known = set(self.tags) | set(
            Tag.objects.filter(slug__in=named - set(self.tags)).values_list(
                "slug", flat=True
            )
        )
        for post in self.posts.values():
            unknown = [slug for slug in dict.fromkeys(post.tags) if slug not in known]
            if unknown:
                self.report(
                    self.lines[("post", post.slug)],
                    f"unknown tag(s) {', '.join(unknown)}: defined neither in the "
                    "file nor in the database",
                )
        slug_by_name: dict[str, str] = {}
        for tag in self.tags.values():
            if tag.name in slug_by_name:
                self.report(
                    self.lines[("tag", tag.slug)],
                    f"tag name {tag.name!r} is already used by the tag "
                    f"{slug_by_name[tag.name]!r} on line "
                    f"{self.lines[('tag', slug_by_name[tag.name])]}",
                )
            slug_by_name.setdefault(tag.name, tag.slug)
        # A database tag keeps its name unless this file renames it.
        taken = Tag.objects.filter(name__in=slug_by_name).exclude(slug__in=self.tags)
        for name, slug in taken.values_list("name", "slug"):
            self.report(
                self.lines[("tag", slug_by_name[name])],
                f"tag name {name!r} is already used by the tag {slug!r} "
                "in the database",
            )

    def problem_summary(self, path: Path) -> str:
        problems = sorted(self.problems)
        lines = [f"line {number}: {message}" for number, message in problems]
        shown = lines[:MAX_REPORTED_PROBLEMS]
        if len(lines) > len(shown):
            shown.append(f"... and {len(lines) - len(shown)} more")
        return (
            f"{path}: {len(problems)} problem(s); nothing was imported.\n"
            + "\n".join(shown)
        )


def refresh_planner_statistics() -> None:
    """ANALYZE the tables a bulk load reshaped (PostgreSQL only).

    Until statistics are refreshed PostgreSQL plans for the tables as they were
    (empty, say), and autovacuum may be minutes away or switched off.
    """
    if not is_postgresql():
        return
    models = (Post, Page, Tag, Author, Post.tags.through, Post.authors.through)
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in models)
    # VACUUM also clears the row versions the search-vector update leaves behind,
    # but cannot run inside a transaction (a caller's, or a test's).
    statement = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{statement} {tables}")


@contextmanager
def statement_timeout_lifted() -> Iterator[None]:
    """No statement timeout inside the block (PostgreSQL), the session's own after.

    `DATABASE_STATEMENT_TIMEOUT_MS` keeps a slow query from holding a web worker;
    a bulk load is one long job whose statements grow with the file (at 100,000
    posts the VACUUM alone outlasts the 5 s default).
    """
    if not is_postgresql():
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        previous = cursor.fetchone()[0]
        cursor.execute("SET statement_timeout = 0")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('statement_timeout', %s, false)", [previous]
            )
