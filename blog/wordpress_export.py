"""Reading a WordPress export (WXR, `manage.py import_wordpress`), streamed.

The file is parsed by expat through defusedxml, a chunk at a time, and each
`<item>` is handed on as soon as it ends, so memory does not grow with the file.
It is read twice: once to check everything (and keep only what the write needs
in advance: slugs, authors, terms, attachments, redirects), once to convert the
bodies and write them. A DTD that declares entities (external entities, or
"billion laughs" expansion) is refused at the declaration, before anything is
expanded; so is any external reference.

What becomes what:
- `post` and `page` items; `attachment` items are images (remote, downloaded by
  `fetch_remote_images`); every other type (menus, revisions, blocks, custom
  types) is skipped and counted.
- `wp:status`: `publish` -> published, `future` -> scheduled (a draft when its time
  has passed), `draft`, `pending`, `private` -> draft; a password-protected post is
  a draft too; `trash`, `auto-draft` and `inherit` are skipped.
- Dates from `wp:post_date_gmt`; WordPress writes `0000-00-00 00:00:00` there for
  drafts (no date), and a published post without it falls back on `wp:post_date`,
  taken as UTC (noted).
- Categories and tags both become tags, merged by slug (and by name: tag names
  are unique here). The default category, `uncategorized`, is left out: WordPress
  puts it on every post that has no other, so it says nothing (`--keep-uncategorized`
  keeps it). A term an item names without the channel declaring it is made from
  the item's own name and slug.
- Authors from `<wp:author>`: the display name and a slug made from it; never the
  login or the e-mail. An item whose `dc:creator` is not declared is an error.
- `excerpt:encoded` -> summary; `wp:is_sticky` -> featured; `_thumbnail_id` -> the
  feature image; a page's `wp:menu_order` -> its nav order.
- Old addresses: the last segment of `<link>` when it is not the slug, and every
  `_wp_old_slug`, become the post's old slugs (redirects).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException, EntitiesForbidden
from defusedxml.ElementTree import DefusedXMLParser
from django.utils import timezone

from blog.html_bodies import body_from_html, plain_text, wordpress_html
from blog.import_records import (
    AUTHOR_NAME_MAX_LENGTH,
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
from blog.models import Post
from blog.seo import shorten
from blog.slugs import is_valid_slug, slug_from_text

CHUNK_BYTES = 64 * 1024
NO_DATE = "0000-00-00 00:00:00"
STATUSES = {
    "publish": "published",
    "future": "scheduled",
    "draft": "draft",
    "pending": "draft",
    "private": "draft",
}
SKIPPED_STATUSES = {"trash", "auto-draft", "inherit"}
DEFAULT_CATEGORY = "uncategorized"
_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\Z")


def _name(tag: str) -> str:
    """`{namespace}local` as `wp:local`, `content:local`..."""
    if not tag.startswith("{"):
        return tag
    namespace, local = tag[1:].split("}", 1)
    if namespace.startswith("http://wordpress.org/export/"):
        prefix = "excerpt" if namespace.rstrip("/").endswith("excerpt") else "wp"
    elif namespace == "http://purl.org/rss/1.0/modules/content/":
        prefix = "content"
    elif namespace == "http://purl.org/dc/elements/1.1/":
        prefix = "dc"
    else:
        prefix = "other"
    return f"{prefix}:{local}"


_CHANNEL_BLOCKS = {"wp:author", "wp:category", "wp:tag", "wp:term", "item"}


class _Target:
    """Builds one small dict per channel-level block (`item`, `wp:author`...),
    and drops it once handed on."""

    def __init__(self) -> None:
        self.parser = None  # set once the parser exists (for line numbers)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.block: dict | None = None
        self.meta: dict | None = None
        self.done: list[tuple[str, dict]] = []
        self.channel: dict[str, str] = {}
        self.root_seen = False

    def line(self) -> int:
        return self.parser.parser.CurrentLineNumber

    def start(self, tag: str, attrib: dict) -> None:
        name = _name(tag)
        if not self.stack and name != "rss":
            local = name.split(":")[-1]
            raise ImportError_(
                f"line {self.line()}: not a WordPress export (WXR): the document is "
                f"<{local}>, a WXR file is <rss>"
            )
        self.stack.append(name)
        self.text = []
        depth = len(self.stack)
        if depth == 3 and self.stack[1] == "channel" and name in _CHANNEL_BLOCKS:
            self.block = {
                "kind": name,
                "line": self.line(),
                "category": [],
                "postmeta": [],
            }
        elif self.block is not None and name == "category":
            self.block["category"].append(
                {
                    "domain": attrib.get("domain", ""),
                    "nicename": attrib.get("nicename", ""),
                }
            )
        elif self.block is not None and name == "wp:postmeta":
            self.meta = {}

    def data(self, text: str) -> None:
        self.text.append(text)

    def end(self, tag: str) -> None:
        name = self.stack.pop()
        text = "".join(self.text)
        self.text = []
        depth = len(self.stack)
        if self.block is None:
            if depth == 2 and self.stack[1] == "channel":
                self.channel[name] = text.strip()
                self.done.append(("field", {"name": name, "value": text.strip()}))
            return
        if depth == 2:  # the block itself ends
            self.done.append((self.block["kind"], self.block))
            self.block = None
        elif self.meta is not None and name in ("wp:meta_key", "wp:meta_value"):
            self.meta[name] = text
        elif name == "wp:postmeta":
            self.block["postmeta"].append(
                (self.meta.get("wp:meta_key", ""), self.meta.get("wp:meta_value", ""))
            )
            self.meta = None
        elif name == "category":
            self.block["category"][-1]["name"] = text.strip()
        elif depth == 3:
            self.block[name] = text

    def close(self) -> None:
        return None


def stream(path: Path) -> Iterator[tuple[str, dict]]:
    """(kind, fields) for each `item`, `wp:author`, `wp:category`, `wp:tag` and
    `wp:term`, and ("field", {"name", "value"}) for each of the channel's own
    fields, in file order, then ("channel", all its fields). `ImportError_` with
    the line for anything unreadable."""
    target = _Target()
    parser = DefusedXMLParser(target=target, forbid_dtd=False)
    target.parser = parser
    try:
        with path.open("rb") as stream_:
            while chunk := stream_.read(CHUNK_BYTES):
                parser.feed(chunk)
                yield from target.done
                target.done = []
            parser.close()
    except EntitiesForbidden as error:
        raise ImportError_(
            f"{path}: line {target.line()}: the file declares the entity "
            f"{error.name!r}. Entity declarations (external entities, entity "
            'expansion such as "billion laughs") are refused; nothing was '
            "expanded and nothing was imported."
        ) from error
    except DefusedXmlException as error:
        raise ImportError_(
            f"{path}: line {target.line()}: {error}: refused (external references "
            "are never followed); nothing was imported."
        ) from error
    except ParseError as error:
        line, column = error.position
        message = str(error).split(":")[0]
        if message == "no element found":
            message = "the file ends too soon (truncated?)"
        raise ImportError_(
            f"{path}: line {line}, column {column}: {message}; not a complete "
            "WordPress export, nothing was imported."
        ) from error
    except ImportError_ as error:
        raise ImportError_(f"{path}: {error}; nothing was imported.") from error
    yield from target.done
    if "wp:wxr_version" not in target.channel:
        raise ImportError_(
            f"{path}: not a WordPress export (WXR): its channel has no "
            "<wp:wxr_version>; nothing was imported."
        )
    yield "channel", target.channel


def parse_gmt(value: str) -> datetime | None:
    """`wp:post_date_gmt`; None for WordPress's no-date. ValueError otherwise."""
    value = (value or "").strip()
    if not value or value == NO_DATE:
        return None
    if not _DATE.match(value):
        raise ValueError(value)
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)


def _slug_of(text: str) -> str:
    return unquote(text or "").strip().lower()


@dataclass
class WxrScan:
    """The first reading: what the write needs before it starts."""

    site: str = ""
    version: str = ""
    authors: dict[str, AuthorRecord] = field(default_factory=dict)  # by login
    tags: dict[str, TagRecord] = field(default_factory=dict)  # by slug
    tag_alias: dict[str, str] = field(default_factory=dict)  # slug -> kept slug
    attachments: dict[str, ImageRecord] = field(default_factory=dict)  # by post id
    index: SlugIndex = field(default_factory=SlugIndex)
    redirects: list[RedirectRecord] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


class WxrReader:
    def __init__(self, path: Path, *, keep_uncategorized: bool = False) -> None:
        self.path = path
        self.keep_uncategorized = keep_uncategorized
        self.scan = WxrScan()

    # --- First reading -----------------------------------------------------------

    def check(self) -> WxrScan:
        problems = Problems(str(self.path))
        seen: dict[tuple[str, str], str] = {}
        skipped_types: Counter = Counter()
        thumbnails: list[tuple[str, str]] = []
        # WordPress writes the channel's fields, then authors and terms, then the
        # items: each is checked as it ends, and only its outline is kept.
        for kind, block in stream(self.path):
            where = f"line {block.get('line', '?')}"
            if kind == "field":
                if block["name"] in ("wp:base_blog_url", "wp:base_site_url"):
                    self.scan.site = self.scan.site or block["value"].rstrip("/")
                elif block["name"] == "wp:wxr_version":
                    self.scan.version = block["value"]
            elif kind == "wp:author":
                self.author(problems, where, block)
            elif kind in ("wp:category", "wp:tag", "wp:term"):
                self.term(problems, where, block)
            elif kind == "item":
                outline = self.item_outline(problems, where, block, skipped_types)
                record = outline and self.record(problems, outline, with_body=False)
                if not record:
                    continue
                thumbnail = dict(block["postmeta"]).get("_thumbnail_id", "").strip()
                if thumbnail:
                    thumbnails.append((where, thumbnail))
                first = seen.get((record.kind, record.slug))
                if first is not None:
                    problems.add(
                        record.where,
                        f"{record.kind} slug {record.slug!r} is also the slug of "
                        f"the {record.kind} at {first}",
                    )
                seen.setdefault((record.kind, record.slug), record.where)
                self.scan.index.add(record)
                self.scan.counts[record.kind] += 1
        for where, thumbnail in thumbnails:
            if thumbnail not in self.scan.attachments:
                self.scan.notes.append(
                    (where, f"_thumbnail_id {thumbnail} is not an attachment")
                )
        for post_type, count in sorted(skipped_types.items()):
            self.scan.skipped.append(
                (f"{count} item(s) of type {post_type!r}", "not a post, page or image")
            )
        if problems:
            raise problems.error()
        return self.scan

    def author(self, problems: Problems, where: str, block: dict) -> None:
        login = block.get("wp:author_login", "").strip()
        if not login:
            problems.add(where, "an author without wp:author_login")
            return
        first_last = " ".join(
            part
            for part in (
                block.get("wp:author_first_name", "").strip(),
                block.get("wp:author_last_name", "").strip(),
            )
            if part
        )
        name = block.get("wp:author_display_name", "").strip() or first_last
        name = problems.text(
            where,
            "wp:author_display_name",
            name or "Author",
            max_length=AUTHOR_NAME_MAX_LENGTH,
        )
        slug = slug_from_text(name, fallback="author")
        taken = {a.slug for a in self.scan.authors.values()}
        base, number = slug, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        identifier = block.get("wp:author_id", "").strip() or slug
        self.scan.authors[login] = AuthorRecord(
            key=f"{self.scan.site}|author:{identifier}",
            slug=slug,
            name=name,
            where=where,
        )

    def term(self, problems, where, block, *, name=None, slug=None) -> str | None:
        """The kept slug of a category or tag (None: left out)."""
        kind = block.get("kind", "")
        if slug is None:
            if kind == "wp:category":
                slug = block.get("wp:category_nicename", "")
                name = block.get("wp:cat_name", "")
            elif kind == "wp:tag":
                slug, name = block.get("wp:tag_slug", ""), block.get("wp:tag_name", "")
            else:
                if block.get("wp:term_taxonomy") not in ("category", "post_tag"):
                    return None  # menus, formats...
                slug, name = (
                    block.get("wp:term_slug", ""),
                    block.get("wp:term_name", ""),
                )
        slug = _slug_of(slug)
        name = (name or "").strip() or slug
        if slug == DEFAULT_CATEGORY and not self.keep_uncategorized:
            return None
        if not is_valid_slug(slug):
            slug = slug_from_text(name, fallback="tag")
        if slug in self.scan.tag_alias:
            return self.scan.tag_alias[slug]
        by_name = {t.name: t.slug for t in self.scan.tags.values()}
        if name in by_name:  # a category and a tag of one name: one tag here
            self.scan.tag_alias[slug] = by_name[name]
            return by_name[name]
        name = problems.text(where, "term name", name, max_length=TAG_NAME_MAX_LENGTH)
        description = block.get("wp:category_description") or block.get(
            "wp:tag_description", ""
        )
        self.scan.tags[slug] = TagRecord(
            key=f"{self.scan.site}|term:{slug}",
            slug=slug,
            name=name,
            description=plain_text(description),
            where=where,
        )
        self.scan.tag_alias[slug] = slug
        return slug

    def item_outline(self, problems, where, block, skipped_types) -> dict | None:
        post_type = block.get("wp:post_type", "").strip()
        post_id = block.get("wp:post_id", "").strip()
        if not post_id.isdigit():
            problems.add(where, f"wp:post_id {post_id!r} is not a number")
            return None
        if post_type == "attachment":
            url = block.get("wp:attachment_url", "").strip()
            if url.startswith(("http://", "https://")):
                meta = dict(block["postmeta"])
                self.scan.attachments[post_id] = ImageRecord(
                    url=url,
                    alt=plain_text(meta.get("_wp_attachment_image_alt", ""))[:300],
                    caption=plain_text(block.get("excerpt:encoded", ""))[:500],
                )
            else:
                self.scan.skipped.append((f"attachment {url!r}", f"{where}: no URL"))
            return None
        if post_type not in ("post", "page"):
            skipped_types[post_type or "(none)"] += 1
            return None
        return {**block, "where": where}

    # --- One item ---------------------------------------------------------------------

    def record(self, problems, block: dict, *, with_body: bool) -> WritingRecord | None:
        """A post or page item as a record (its body converted only when asked:
        the first reading checks, the second writes)."""
        where = block["where"]
        kind = block["wp:post_type"].strip()
        post_id = block["wp:post_id"].strip()
        raw_status = block.get("wp:status", "").strip()
        if raw_status in SKIPPED_STATUSES:
            if not with_body:
                self.scan.skipped.append((f"{kind} {where}", f"status {raw_status!r}"))
            return None
        if raw_status not in STATUSES:
            problems.add(where, f"unknown wp:status {raw_status!r}")
            return None
        notes = self.scan.notes if not with_body else []
        status = STATUSES[raw_status]
        try:
            published_at = parse_gmt(block.get("wp:post_date_gmt", ""))
            if published_at is None and status in ("published", "scheduled"):
                published_at = parse_gmt(block.get("wp:post_date", ""))
                if published_at is not None:
                    notes.append((where, "no wp:post_date_gmt: wp:post_date as UTC"))
        except ValueError as error:
            problems.add(
                where,
                f"date {error.args[0]!r} is not WordPress's YYYY-MM-DD HH:MM:SS",
            )
            return None
        if status in ("published", "scheduled") and published_at is None:
            problems.add(where, f"{raw_status} without a date")
            return None
        if block.get("wp:post_password", "").strip() and status != "draft":
            notes.append((where, "password-protected at the source: a draft here"))
            status = "draft"
        if status == "scheduled" and published_at <= timezone.now():
            notes.append((where, "scheduled for a time that has passed: a draft here"))
            status = "draft"
        if status == "published" and published_at > timezone.now():
            status = "scheduled"  # a future date on a published post
        title = plain_text(block.get("title", "")) or "(no title)"
        title = problems.text(where, "title", title, max_length=TITLE_MAX_LENGTH)
        slug = _slug_of(block.get("wp:post_name", ""))
        if not is_valid_slug(slug):
            made = slug_from_text(slug or title, fallback=kind)
            if not slug:  # WordPress leaves drafts without a name
                made = f"{made[:180]}-{post_id}"
            slug = made
        key = f"{self.scan.site}|{kind}:{post_id}"
        summary = plain_text(block.get("excerpt:encoded", ""))
        if len(summary) > SUMMARY_MAX_LENGTH:
            notes.append((where, f"excerpt cut to {SUMMARY_MAX_LENGTH} characters"))
            summary = shorten(summary, SUMMARY_MAX_LENGTH)
        tags, authors = [], []
        if kind == "post":
            for category in block.get("category", []):
                if category.get("domain") not in ("category", "post_tag"):
                    continue
                kept = self.term(
                    problems,
                    where,
                    {},
                    name=category.get("name"),
                    slug=category.get("nicename") or category.get("name"),
                )
                if kept is not None:
                    tags.append(self.scan.tags[kept].key)
            creator = block.get("dc:creator", "").strip()
            if creator:
                author = self.scan.authors.get(creator)
                if author is None:
                    problems.add(
                        where,
                        f"dc:creator {creator!r} is not among the export's "
                        "<wp:author>s",
                    )
                else:
                    authors.append(author.key)
        meta = block.get("postmeta", [])
        if not with_body:
            old = [_slug_of(v) for k, v in meta if k == "_wp_old_slug"]
            link_parts = [
                p for p in urlsplit(block.get("link", "")).path.split("/") if p
            ]
            if link_parts:
                old.append(_slug_of(link_parts[-1]))
            for old_slug in dict.fromkeys(old):
                if is_valid_slug(old_slug) and old_slug != slug:
                    self.scan.redirects.append(
                        RedirectRecord(kind, old_slug, key, where)
                    )
        thumbnail = dict(meta).get("_thumbnail_id", "").strip()
        feature_image = self.scan.attachments.get(thumbnail) if thumbnail else None
        try:
            nav_order = min(max(int(block.get("wp:menu_order", "0") or 0), 0), 32767)
        except ValueError:
            nav_order = 0
        body = ""
        if with_body:
            html, shortcodes = wordpress_html(block.get("content:encoded", ""))
            converted = body_from_html(html)
            body = converted.source
            self.kept_as_html += converted.kept_as_html
            if shortcodes:
                self.shortcodes.update(shortcodes)
        return WritingRecord(
            kind=kind,
            key=key,
            slug=slug,
            title=title,
            summary=summary,
            body=body,
            status=Post.Status.DRAFT if status == "draft" else Post.Status.PUBLISHED,
            published_at=None if status == "draft" else published_at,
            featured=block.get("wp:is_sticky", "0").strip() == "1",
            nav_order=nav_order,
            tags=tags,
            authors=authors,
            feature_image=feature_image,
            where=where,
        )

    # --- Second reading -------------------------------------------------------------

    kept_as_html = 0
    shortcodes: Counter

    def writings(self) -> Iterator[WritingRecord]:
        """Every post and page again, bodies converted, one at a time."""
        self.kept_as_html = 0
        self.shortcodes = Counter()
        problems = Problems(str(self.path))
        for kind, block in stream(self.path):
            if kind != "item":
                continue
            where = f"line {block.get('line', '?')}"
            if block.get("wp:post_type", "").strip() not in ("post", "page"):
                continue
            record = self.record(problems, {**block, "where": where}, with_body=True)
            if problems:  # the file changed since it was checked
                raise problems.error()
            if record is not None:
                yield record
