"""Reading a Ghost JSON export (Ghost 3 to 6) and Ghost's redirects file
(`manage.py import_ghost`): every table checked, every problem named by its place
(`data.posts[3]`), before anything is written.

A Ghost export is one JSON document, read whole: files over `max_bytes` are
refused before they are read (the command's `--max-mb`, 50 MB by default; a Ghost
export holds no images, so that is tens of thousands of posts).

What becomes what:
- `posts` with `type: "page"` (Ghost 3: `page: true`) are pages, the rest posts.
- `status`: `published` -> published; `scheduled` -> published at its future time
  (scheduled here too; one whose time has passed unpublished is a draft);
  `draft` and `sent` (sent by e-mail only) -> draft. A post whose `visibility` is
  not `public` (members, paid, tiers) is a draft too: its readers had to sign in.
- The body from `html`, else rendered from `lexical` or `mobiledoc`
  (`blog.ghost_cards`), then `blog.html_bodies`. `__GHOST_URL__` becomes
  `--site-url` (or nothing: a root-relative link).
- Tags from `tags` and `posts_tags` (internal `#tags` skipped), bylines from
  `users` and `posts_authors` in `sort_order`; of a user only the name, slug, bio,
  website, location, images and `twitter`/`facebook` handles (as links): never an
  e-mail, a password or any login.
- `custom_excerpt` -> summary; the SEO fields from the post (Ghost 3) or
  `posts_meta` (Ghost 4 and later); `feature_image`, `og_image`, `twitter_image`,
  tags' `og_image`/`twitter_image` and authors' `profile_image`/`cover_image` as
  remote images.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from blog.ghost_cards import lexical_html, mobiledoc_html
from blog.html_bodies import body_from_html, plain_text
from blog.import_records import (
    AUTHOR_NAME_MAX_LENGTH,
    BIO_MAX_LENGTH,
    SUMMARY_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    AuthorRecord,
    ImageRecord,
    ImportError_,
    Problems,
    RedirectRecord,
    TagRecord,
    WritingRecord,
)
from blog.import_writer import SlugIndex
from blog.link_lists import profile_link
from blog.models import Post
from blog.slugs import is_valid_slug

SUPPORTED_MAJOR_VERSIONS = (3, 4, 5, 6)
GHOST_URL = "__GHOST_URL__"
_HTTP_URL = URLValidator(schemes=["http", "https"])
_PATTERN = re.compile(r"[()\[\]*+?{}|\\]")
_OBJECT_ID = re.compile(r"\A[0-9a-f]{24}\Z")


@dataclass
class GhostExport:
    version: str = ""
    tags: list[TagRecord] = field(default_factory=list)
    authors: list[AuthorRecord] = field(default_factory=list)
    writings: list[WritingRecord] = field(default_factory=list)
    index: SlugIndex = field(default_factory=SlugIndex)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    bodies_kept_as_html: int = 0


def parse_date(value: Any) -> datetime:
    """Ghost's dates: ISO 8601 (`2024-05-01T10:00:00.000Z`), the database's
    `2024-05-01 10:00:00` (UTC), or milliseconds since 1970 (Ghost 0.x). ValueError
    for anything else."""
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    if not isinstance(value, str):
        raise ValueError
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_http_url(value: str) -> bool:
    try:
        _HTTP_URL(value)
    except ValidationError:
        return False
    return True


class _Reader:
    def __init__(self, path: Path, site_url: str) -> None:
        self.path = path
        self.site_url = site_url.rstrip("/")
        self.problems = Problems(str(path))
        self.export = GhostExport()

    def url(self, value: Any) -> str:
        if not isinstance(value, str):
            return ""
        return value.replace(GHOST_URL, self.site_url).strip()

    def profiles(self, where: str, row: dict) -> list[dict[str, str]]:
        """A user's `twitter` and `facebook` handles as links."""
        links = []
        for network in ("twitter", "facebook"):
            value = row.get(network)
            if not value:
                continue
            link = profile_link(network, value) if isinstance(value, str) else None
            if link is None:
                self.export.skipped.append(
                    (f"{network} {value!r}", f"{where}: not a handle or a URL")
                )
            else:
                links.append(link)
        return links

    def image(self, where: str, url: Any, alt: Any = "", caption: Any = ""):
        url = self.url(url)
        if not url:
            return None
        if not _is_http_url(url):
            why = "not an absolute http(s) URL"
            if url.startswith("/"):
                why += " (give --site-url, the old blog's address)"
            self.export.skipped.append((f"image {url}", f"{where}: {why}"))
            return None
        return ImageRecord(
            url=url,
            alt=plain_text(alt if isinstance(alt, str) else "")[:300],
            caption=plain_text(caption if isinstance(caption, str) else "")[:500],
        )

    def table(self, data: dict, name: str, *, required: bool = False) -> list[dict]:
        rows = data.get(name)
        if rows is None:
            if required:
                self.problems.add(f"data.{name}", "missing: not a Ghost export?")
            return []
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            self.problems.add(f"data.{name}", "must be a list of objects")
            return []
        return rows

    def identifier(self, where: str, row: dict) -> str:
        value = row.get("id")
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value:
            self.problems.add(where, "id is missing")
            return ""
        return value

    @staticmethod
    def key(identifier: str, row: dict, extra: str) -> str:
        """What finds the object again on the next import: Ghost's id, which is
        unique across sites (an ObjectId) except for the small numbers of old
        installs (the owner is user "1" everywhere), which are qualified."""
        if _OBJECT_ID.match(identifier):
            return identifier
        return f"{identifier}:{row.get(extra) or ''}"

    # --- The document ----------------------------------------------------------------

    def read(self, max_bytes: int) -> GhostExport:
        size = self.path.stat().st_size
        if size > max_bytes:
            raise ImportError_(
                f"{self.path}: the file is {size / 1_000_000:.1f} MB, over the limit "
                f"of {max_bytes / 1_000_000:g} MB (a Ghost export is read whole); "
                "nothing was imported. Raise it with --max-mb if the file is right."
            )
        raw = self.path.read_bytes()
        try:
            document = json.loads(raw)
        except UnicodeDecodeError as error:
            raise ImportError_(f"{self.path}: not UTF-8 text ({error}).") from error
        except json.JSONDecodeError as error:
            truncated = error.pos >= len(raw.rstrip())
            raise ImportError_(
                f"{self.path}: line {error.lineno}, column {error.colno}: "
                + ("the file ends too soon (truncated?)" if truncated else error.msg)
                + "; not a complete Ghost export, nothing was imported."
            ) from error
        meta, data = self.envelope(document)
        self.export.version = self.version(meta)
        self.tables(data)
        if self.problems:
            raise self.problems.error()
        return self.export

    def envelope(self, document: Any) -> tuple[dict, dict]:
        if isinstance(document, dict) and isinstance(document.get("db"), list):
            document = document["db"][0] if document["db"] else None
        if (
            isinstance(document, dict)
            and isinstance(document.get("meta"), dict)
            and isinstance(document.get("data"), dict)
        ):
            return document["meta"], document["data"]
        raise ImportError_(
            f"{self.path}: not a Ghost export: expected "
            '{"db": [{"meta": {...}, "data": {...}}]} or {"meta": ..., "data": ...} '
            "at the top; nothing was imported."
        )

    def version(self, meta: dict) -> str:
        version = meta.get("version")
        major = None
        if isinstance(version, str):
            found = re.match(r"\A(\d+)\.", version + ".")
            major = int(found.group(1)) if found else None
        if major not in SUPPORTED_MAJOR_VERSIONS:
            raise ImportError_(
                f"{self.path}: meta.version: unknown Ghost version {version!r}; this "
                "importer reads exports of Ghost 3 to 6. Nothing was imported."
            )
        return version

    def tables(self, data: dict) -> None:
        posts = self.table(data, "posts", required=True)
        tags = self.tags(self.table(data, "tags"))
        users = self.users(self.table(data, "users"))
        meta_by_post = {
            row.get("post_id"): row for row in self.table(data, "posts_meta")
        }
        writings = {}  # by Ghost's id, as the link tables name them
        for number, row in enumerate(posts):
            record = self.post(number, row, meta_by_post)
            writings[str(row.get("id"))] = record
        self.links(data, "posts_tags", "tag_id", tags, writings, "tags")
        if "posts_authors" in data:
            self.links(data, "posts_authors", "author_id", users, writings, "authors")
        else:  # before Ghost 1.22: one author, on the post
            for number, row in enumerate(posts):
                record = writings.get(str(row.get("id")))
                author = row.get("author_id")
                if record is not None and author is not None:
                    if str(author) not in users:
                        self.problems.add(
                            f"data.posts[{number}]",
                            f"author_id {author!r} is not among the export's users",
                        )
                    else:
                        record.authors.append(users[str(author)])
        records = list(writings.values())
        for kind in ("post", "page"):
            self.problems.unique_slugs([r for r in records if r.kind == kind], kind)
        self.problems.unique_slugs(self.export.tags, "tag")
        self.problems.unique_slugs(self.export.authors, "author")
        self.export.writings = records
        for record in records:
            self.export.index.add(record)

    # --- Tables ----------------------------------------------------------------------

    def tags(self, rows: list[dict]) -> dict[str, str | None]:
        """Tag ids -> the tag's key, or None for an internal tag (skipped)."""
        found: dict[str, str | None] = {}
        internal = 0
        for number, row in enumerate(rows):
            where = f"data.tags[{number}]"
            identifier = self.identifier(where, row)
            key = self.key(identifier, row, "slug")
            name = self.problems.text(
                where,
                "name",
                row.get("name"),
                required=True,
                max_length=TAG_NAME_MAX_LENGTH,
            )
            if row.get("visibility") == "internal" or name.startswith("#"):
                found[identifier] = None
                internal += 1
                continue
            slug = self.problems.slug(where, row.get("slug") or "")
            self.export.tags.append(
                TagRecord(
                    key=key,
                    slug=slug,
                    name=name,
                    description=self.problems.text(
                        where, "description", row.get("description")
                    ),
                    seo=self.problems.seo(where, row),
                    og_image=self.image(where, row.get("og_image")),
                    twitter_image=self.image(where, row.get("twitter_image")),
                    where=where,
                )
            )
            found[identifier] = key
        if internal:
            self.export.skipped.append(
                (
                    f"{internal} internal tag(s)",
                    "Ghost's #tags are not shown to readers",
                )
            )
        return found

    def users(self, rows: list[dict]) -> dict[str, str]:
        found = {}
        for number, row in enumerate(rows):
            where = f"data.users[{number}]"
            identifier = self.identifier(where, row)
            key = self.key(identifier, row, "slug")
            website = self.url(row.get("website"))
            if website and not _is_http_url(website):
                self.problems.add(where, f"website {website!r} is not an http(s) URL")
            self.export.authors.append(
                AuthorRecord(
                    key=key,
                    slug=self.problems.slug(where, row.get("slug") or ""),
                    name=self.problems.text(
                        where,
                        "name",
                        row.get("name"),
                        required=True,
                        max_length=AUTHOR_NAME_MAX_LENGTH,
                    ),
                    bio=self.problems.text(
                        where, "bio", row.get("bio"), max_length=BIO_MAX_LENGTH
                    ),
                    website=website[:500],
                    location=self.problems.text(
                        where, "location", row.get("location"), max_length=100
                    ),
                    avatar=self.image(where, row.get("profile_image")),
                    cover_image=self.image(where, row.get("cover_image")),
                    links=self.profiles(where, row),
                    seo=self.problems.seo(where, row),
                    where=where,
                )
            )
            found[identifier] = key
        return found

    def status(self, where: str, row: dict, published_at) -> tuple[str, Any]:
        status = row.get("status")
        draft = Post.Status.DRAFT
        if status not in ("published", "scheduled", "draft", "sent"):
            self.problems.add(where, f"unknown status {status!r}")
            return draft, None
        if status in ("draft", "sent"):
            if status == "sent":
                self.export.notes.append((where, "sent by e-mail only: a draft here"))
            return draft, None
        if published_at is None:
            self.problems.add(where, f"{status} without a published_at")
            return draft, None
        visibility = row.get("visibility") or "public"
        if visibility != "public":
            self.export.notes.append(
                (where, f"visibility {visibility!r} at the source: imported as a draft")
            )
            return draft, None
        if status == "scheduled" and published_at <= timezone.now():
            self.export.notes.append(
                (where, "scheduled for a time that has passed: imported as a draft")
            )
            return draft, None
        return Post.Status.PUBLISHED, published_at

    def body(self, where: str, row: dict) -> str:
        html = row.get("html")
        rendered = None
        try:
            if not (isinstance(html, str) and html.strip()):
                if row.get("lexical"):
                    rendered = lexical_html(row["lexical"])
                elif row.get("mobiledoc"):
                    rendered = mobiledoc_html(row["mobiledoc"])
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as error:
            name = "lexical" if row.get("lexical") else "mobiledoc"
            self.problems.add(where, f"{name} cannot be read ({type(error).__name__})")
            return ""
        if rendered is not None:
            html = rendered.html
            if rendered.unknown:
                self.export.notes.append(
                    (
                        where,
                        "left out unknown card(s): "
                        + ", ".join(sorted(set(rendered.unknown))),
                    )
                )
        if not isinstance(html, str):
            return ""
        body = body_from_html(self.url(html))
        self.export.bodies_kept_as_html += body.kept_as_html
        return body.source

    def post(self, number: int, row: dict, meta_by_post: dict) -> WritingRecord | None:
        slug = row.get("slug") or ""
        where = f"data.posts[{number}] ({slug!r})" if slug else f"data.posts[{number}]"
        key = self.key(self.identifier(where, row), row, "uuid")
        kind = (
            "page"
            if row.get("type") == "page" or row.get("page") in (True, 1)
            else "post"
        )
        published_at = None
        if row.get("published_at") is not None:
            try:
                published_at = parse_date(row["published_at"])
            except ValueError:
                self.problems.add(
                    where,
                    f"published_at {row['published_at']!r} is not a date Ghost writes "
                    "(ISO 8601, such as 2024-05-01T10:00:00.000Z)",
                )
        status, published_at = self.status(where, row, published_at)
        # Ghost 4 and later keep these in posts_meta; Ghost 3 on the post.
        meta = {
            **row,
            **{
                k: v
                for k, v in meta_by_post.get(row.get("id"), {}).items()
                if v not in (None, "")
            },
        }
        featured = row.get("featured", False)
        if featured not in (True, False, 0, 1):
            self.problems.add(where, f"featured {featured!r} is not true or false")
        summary = self.problems.text(
            where,
            "custom_excerpt",
            row.get("custom_excerpt"),
            max_length=SUMMARY_MAX_LENGTH,
        )
        return WritingRecord(
            kind=kind,
            key=key,
            slug=self.problems.slug(where, slug),
            title=self.problems.text(
                where,
                "title",
                row.get("title"),
                required=True,
                max_length=TITLE_MAX_LENGTH,
            ),
            summary=summary,
            body=self.body(where, row),
            status=status,
            published_at=published_at,
            featured=bool(featured) if kind == "post" else False,
            feature_image=self.image(
                where,
                row.get("feature_image"),
                meta.get("feature_image_alt"),
                meta.get("feature_image_caption"),
            ),
            og_image=self.image(where, meta.get("og_image")),
            twitter_image=self.image(where, meta.get("twitter_image")),
            seo=self.problems.seo(where, meta),
            where=where,
        )

    def links(self, data, table, column, known, writings, attribute) -> None:
        rows = self.table(data, table)
        ordered = sorted(
            enumerate(rows),
            key=lambda item: (item[1].get("sort_order") or 0, item[0]),
        )
        noun = "tags" if attribute == "tags" else "users"
        for number, row in ordered:
            where = f"data.{table}[{number}]"
            post_id, target = row.get("post_id"), row.get(column)
            record = writings.get(str(post_id))
            if record is None:
                self.problems.add(
                    where, f"post_id {post_id!r} is not among the export's posts"
                )
                continue
            if str(target) not in known:
                self.problems.add(
                    where,
                    f"{column} {target!r} of {record.where} is not among the "
                    f"export's {noun}",
                )
                continue
            key = known[str(target)]
            if key is not None and record.kind == "post":
                getattr(record, attribute).append(key)


def read_export(path: Path, *, max_bytes: int, site_url: str = "") -> GhostExport:
    return _Reader(path, site_url).read(max_bytes)


# --- Redirects ---------------------------------------------------------------------


def _redirect_rows(path: Path) -> list[tuple[str, str, bool]]:
    """(from, to, permanent) of a `redirects.yaml` or `redirects.json`."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix.lower() == ".json":
            rows = json.loads(text)
            if not isinstance(rows, list) or not all(
                isinstance(r, dict)
                and isinstance(r.get("from"), str)
                and isinstance(r.get("to"), str)
                for r in rows
            ):
                raise ValueError(
                    'expected [{"from": ..., "to": ..., "permanent": ...}]'
                )
            return [(r["from"], r["to"], bool(r.get("permanent"))) for r in rows]
        document = yaml.safe_load(text) or {}
        if not isinstance(document, dict) or not set(map(str, document)) <= {
            "301",
            "302",
        }:
            raise ValueError("expected the sections 301: and 302: of from: to lines")
        found = []
        for status, pairs in document.items():
            if not isinstance(pairs, dict):
                raise ValueError(f"section {status}: expected from: to lines")
            found += [(str(a), str(b), str(status) == "301") for a, b in pairs.items()]
        return found
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as error:
        raise ImportError_(
            f"{path}: not a Ghost redirects file ({error}); nothing was imported."
        ) from error


def _last_segment(path: str) -> str:
    parts = [part for part in urlsplit(path).path.split("/") if part]
    return parts[-1] if parts else ""


def read_redirects(
    path: Path, export: GhostExport, site_url: str = ""
) -> list[RedirectRecord]:
    """The redirects that lead to an imported post or page, from one old slug;
    the rest are reported as skipped, with the reason."""
    by_slug = {}
    for record in export.writings:
        by_slug.setdefault(record.slug, record)  # a post before a page
    site_host = urlsplit(site_url).hostname
    found = []
    for source, target, permanent in _redirect_rows(path):
        what = f"redirect {source} -> {target}"
        pattern = source.removeprefix("^").removesuffix("$").removesuffix("/?")
        if not permanent:
            export.skipped.append((what, "temporary (302): slug redirects are 301"))
            continue
        if _PATTERN.search(pattern):
            export.skipped.append((what, "a pattern, not one address"))
            continue
        old_slug = _last_segment(pattern)
        if not is_valid_slug(old_slug):
            export.skipped.append((what, "its old address ends in no valid slug"))
            continue
        parts = urlsplit(target)
        if parts.hostname and parts.hostname != site_host:
            export.skipped.append((what, "it leads to another site"))
            continue
        record = by_slug.get(_last_segment(target))
        if record is None:
            export.skipped.append((what, "its target is not an imported post or page"))
            continue
        found.append(RedirectRecord(record.kind, old_slug, record.key, path.name))
    return found
