"""What an import does to the posts that already exist (`manage.py import_posts`).

A record is merged over the stored post: the fields it carries replace the stored
ones, the fields it leaves out are kept. A record that would empty a post's body,
summary or tags (`"body": ""`, `"tags": []`) is refused, unless `--replace` is given;
with `--replace` a record replaces the whole post, and what it leaves out takes the
default (empty). Records that change nothing are not written. Every post created or
changed gets a history entry (the admin's History, where it can be reverted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from itertools import islice

from blog.bulk import PostData, TagData
from blog.models import Post, Tag

BATCH_SIZE = 500
# What a record may carry besides its slug, as PostData names it.
CONTENT_FIELDS = tuple(f.name for f in fields(PostData) if f.name != "slug")
# Emptying these loses writing; only `--replace` may.
GUARDED_FIELDS = ("body", "summary", "tags")
HISTORY_REASON = "import_posts"


@dataclass
class PostChange:
    data: PostData  # what will be stored
    fields: list[str]  # what changes (every field of a new post)
    existing: bool


def changed_tags(tags: list[TagData]) -> list[TagData]:
    """The tags that are new or differ from the stored ones."""
    stored = {
        slug: (name, description)
        for slug, name, description in Tag.objects.filter(
            slug__in=[tag.slug for tag in tags]
        ).values_list("slug", "name", "description")
    }
    return [tag for tag in tags if stored.get(tag.slug) != (tag.name, tag.description)]


@dataclass
class ImportPlan:
    created: list[str] = field(default_factory=list)
    tags_changed: int = 0
    changed: list[tuple[str, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changes_anything(self) -> bool:
        return bool(self.created or self.changed or self.tags_changed)

    def describe(self, limit: int = 20) -> list[str]:
        lines = [
            f"{len(self.created)} new post(s), {len(self.changed)} changed, "
            f"{self.unchanged} unchanged; {self.tags_changed} tag(s) new or changed."
        ]
        lines += [f"  new: {slug}" for slug in self.created[:limit]]
        lines += [
            f"  changed: {slug} ({', '.join(names)})"
            for slug, names in self.changed[:limit]
        ]
        if limit and (len(self.created) > limit or len(self.changed) > limit):
            lines.append("  ...")
        return lines


def _stored(slugs: list[str]) -> dict[str, PostData]:
    # Locked until the import commits: an editor's save meanwhile waits, rather
    # than being overwritten by a merge made from what it replaced.
    rows = (
        Post.objects.select_for_update()
        .filter(slug__in=slugs)
        .values_list(
            "slug", "title", "summary", "body", "status", "published_at", "featured"
        )
    )
    stored = {
        slug: PostData(slug, title, summary, body, status, published_at, featured, [])
        for slug, title, summary, body, status, published_at, featured in rows
    }
    links = Post.tags.through.objects.filter(post__slug__in=slugs)
    for post_slug, tag_slug in links.values_list("post__slug", "tag__slug"):
        stored[post_slug].tags.append(tag_slug)
    return stored


def _comparable(data: PostData, name: str):
    value = getattr(data, name)
    return sorted(set(value)) if name == "tags" else value


def plan_batches(
    records: dict[str, PostData],
    carried: dict[str, frozenset[str]],
    *,
    replace_posts: bool,
    plan: ImportPlan,
) -> Iterator[tuple[int, list[PostChange]]]:
    """(records read, posts to write), a batch at a time; `plan` collects what
    happens."""
    slugs = iter(records)
    while batch := list(islice(slugs, BATCH_SIZE)):
        stored = _stored(batch)
        changes = []
        for slug in batch:
            record, old = records[slug], stored.get(slug)
            if old is None:
                plan.created.append(slug)
                changes.append(PostChange(record, list(CONTENT_FIELDS), False))
                continue
            if replace_posts:
                new = record
            else:
                kept = {
                    n: getattr(old, n) for n in CONTENT_FIELDS if n not in carried[slug]
                }
                new = replace(record, **kept)
                emptied = [
                    name
                    for name in GUARDED_FIELDS
                    if getattr(old, name) and not getattr(new, name)
                ]
                if emptied:
                    plan.refused.append((slug, ", ".join(emptied)))
                    continue
            changed = [
                name
                for name in CONTENT_FIELDS
                if _comparable(new, name) != _comparable(old, name)
            ]
            if changed:
                plan.changed.append((slug, changed))
                changes.append(PostChange(new, changed, True))
            else:
                plan.unchanged += 1
        yield len(batch), changes


def record_history(changes: list[PostChange]) -> None:
    """A history entry for every post created or changed, as a save would make."""
    by_slug = {change.data.slug: change for change in changes}
    posts = Post.objects.filter(slug__in=by_slug).defer(
        "body_html", "toc", "search_vector"
    )
    created, updated = [], []
    for post in posts:
        (updated if by_slug[post.slug].existing else created).append(post)
    for objects, update in ((created, False), (updated, True)):
        if objects:
            Post.history.bulk_history_create(
                objects, update=update, default_change_reason=HISTORY_REASON
            )
