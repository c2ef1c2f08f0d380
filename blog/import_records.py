"""What `import_ghost` and `import_wordpress` read, in one shape, whatever the
source: tags, authors, posts and pages, images and redirects, each with the
identifier it has at the source and the place in the file it came from (for
error messages). `blog.import_writer` writes them.

`Problems` collects what is wrong with a file, each with its place; any problem and
nothing is written. `ImportReport` is what an import tells its operator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.exceptions import ValidationError

from blog.models import Author, Post, Tag
from blog.seo import (
    validate_canonical_url,
    validate_plain_line,
    validate_plain_text,
)
from blog.slugs import is_valid_slug

MAX_REPORTED_PROBLEMS = 30
DETAILS_KEPT = 100  # 10,000 posts need not be remembered one by one
# The SEO texts an import may fill (the images are `ImageRecord`s).
SEO_TEXT_FIELDS = (
    "meta_title", "meta_description", "og_title", "og_description",
    "twitter_title", "twitter_description", "canonical_url",
)  # fmt: skip
_SEO_VALIDATORS = {
    "meta_title": validate_plain_line,
    "og_title": validate_plain_line,
    "twitter_title": validate_plain_line,
    "meta_description": validate_plain_text,
    "og_description": validate_plain_text,
    "twitter_description": validate_plain_text,
    "canonical_url": validate_canonical_url,
}
TITLE_MAX_LENGTH = Post._meta.get_field("title").max_length
SUMMARY_MAX_LENGTH = Post._meta.get_field("summary").max_length
TAG_NAME_MAX_LENGTH = Tag._meta.get_field("name").max_length
AUTHOR_NAME_MAX_LENGTH = Author._meta.get_field("name").max_length
BIO_MAX_LENGTH = Author._meta.get_field("bio").max_length
SLUG_RULE = "lowercase letters, digits and single hyphens, at most 200 characters"


class ImportError_(Exception):
    """A file that cannot be imported; the message says where and why."""


@dataclass(slots=True)
class ImageRecord:
    url: str
    alt: str = ""
    caption: str = ""


@dataclass(slots=True)
class TagRecord:
    key: str  # the source's identifier
    slug: str
    name: str
    description: str = ""
    seo: dict[str, str] = field(default_factory=dict)
    og_image: ImageRecord | None = None
    twitter_image: ImageRecord | None = None
    where: str = ""


@dataclass(slots=True)
class AuthorRecord:
    key: str
    slug: str
    name: str
    bio: str = ""
    website: str = ""
    location: str = ""
    avatar: ImageRecord | None = None
    cover_image: ImageRecord | None = None
    links: list[dict[str, str]] = field(default_factory=list)  # profiles elsewhere
    seo: dict[str, str] = field(default_factory=dict)
    where: str = ""


@dataclass(slots=True)
class WritingRecord:
    """A post or a page."""

    kind: str  # "post" or "page"
    key: str
    slug: str
    title: str
    summary: str = ""
    body: str = ""
    status: str = Post.Status.DRAFT
    published_at: datetime | None = None
    featured: bool = False
    nav_order: int = 0
    tags: list[str] = field(default_factory=list)  # tag keys
    authors: list[str] = field(default_factory=list)  # author keys, byline order
    feature_image: ImageRecord | None = None
    og_image: ImageRecord | None = None
    twitter_image: ImageRecord | None = None
    seo: dict[str, str] = field(default_factory=dict)
    old_slugs: list[str] = field(default_factory=list)
    where: str = ""


@dataclass(slots=True)
class RedirectRecord:
    kind: str  # "post" or "page"
    old_slug: str
    target_key: str
    where: str = ""


@dataclass(slots=True)
class Problems:
    """Everything wrong with a file, each with its place in it."""

    path: str
    found: list[tuple[str, str]] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.found.append((where, message))

    def __bool__(self) -> bool:
        return bool(self.found)

    def error(self) -> ImportError_:
        lines = [f"{where}: {message}" for where, message in self.found]
        shown = lines[:MAX_REPORTED_PROBLEMS]
        if len(lines) > len(shown):
            shown.append(f"... and {len(lines) - len(shown)} more")
        return ImportError_(
            f"{self.path}: {len(lines)} problem(s); nothing was imported.\n"
            + "\n".join(shown)
        )

    # Field checks: each returns the value to keep, and notes what is wrong.

    def text(
        self, where: str, name: str, value, *, required=False, max_length=None
    ) -> str:
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(where, f"{name} must be text, not {type(value).__name__}")
            return ""
        if required and not value.strip():
            self.add(where, f"{name} is empty")
        if "\x00" in value:
            self.add(where, f"{name} contains a NUL character")
        if max_length is not None and len(value) > max_length:
            self.add(where, f"{name} is longer than {max_length} characters")
        return value

    def slug(self, where: str, value: str, what: str = "slug") -> str:
        if not is_valid_slug(value or ""):
            self.add(where, f"{what} {value!r} is invalid ({SLUG_RULE})")
        return value

    def seo(self, where: str, values: dict) -> dict[str, str]:
        kept = {}
        for name in SEO_TEXT_FIELDS:
            value = values.get(name)
            if value in (None, ""):
                continue
            max_length = Post._meta.get_field(name).max_length
            value = self.text(where, name, value, max_length=max_length)
            try:
                _SEO_VALIDATORS[name](value)
            except ValidationError as error:
                self.add(where, f"{name}: {' '.join(error.messages)}")
            kept[name] = value
        return kept

    def unique_slugs(self, records, what: str) -> None:
        first: dict[str, str] = {}
        for record in records:
            if record.slug in first:
                self.add(
                    record.where,
                    f"{what} slug {record.slug!r} is also the slug of "
                    f"{first[record.slug]}",
                )
            first.setdefault(record.slug, record.where)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(slots=True)
class ImportReport:
    """What an import did (or, in a dry run, would do), kind by kind."""

    created: Counter = field(default_factory=Counter)
    changed: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)  # "new post: slug"...
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (what, why)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (where, what)
    images_pending: int = 0
    bodies_kept_as_html: int = 0
    details_left_out: int = 0

    @property
    def changes_anything(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.changed.values()))

    def detail(self, line: str) -> None:
        """A line about one object; only the first few are kept (and shown)."""
        if len(self.details) < DETAILS_KEPT:
            self.details.append(line)
        else:
            self.details_left_out += 1

    def skip(self, what: str, why: str) -> None:
        self.skipped.append((what, why))

    def note(self, where: str, what: str) -> None:
        self.notes.append((where, what))

    def describe(self, *, limit: int = 30) -> list[str]:
        kinds = ("post", "page", "tag", "author", "redirect", "image")
        lines = []
        for kind in kinds:
            counts = (self.created[kind], self.changed[kind], self.unchanged[kind])
            if any(counts):
                lines.append(
                    f"{kind}s: {counts[0]} created, {counts[1]} changed, "
                    f"{counts[2]} unchanged"
                )
        lines += [f"  {line}" for line in self.details[:limit]]
        more = len(self.details) - limit + self.details_left_out
        if more > 0:
            lines.append(f"  ... and {more} more")
        if self.skipped:
            lines.append(f"Skipped {len(self.skipped)}:")
            lines += [f"  {what}: {why}" for what, why in self.skipped[:limit]]
            if len(self.skipped) > limit:
                lines.append(f"  ... and {len(self.skipped) - limit} more")
        if self.notes:
            lines.append(f"Notes ({len(self.notes)}):")
            lines += [f"  {where}: {what}" for where, what in self.notes[:limit]]
            if len(self.notes) > limit:
                lines.append(f"  ... and {len(self.notes) - limit} more")
        if self.bodies_kept_as_html:
            lines.append(
                f"{self.bodies_kept_as_html} body(ies) kept as sanitised HTML: they "
                "do not convert to Markdown without losing something."
            )
        if self.images_pending:
            lines.append(
                f"{self.images_pending} image(s) wait to be downloaded: run "
                "`manage.py fetch_remote_images`."
            )
        if not self.changes_anything:
            lines.append("Nothing changed: everything is as the export says.")
        return lines
