"""Loading many posts at once (`seed_demo --posts`, `import_posts`), derived fields
and search vectors included, in a fixed number of statements per batch."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from django.db import transaction
from django.utils import timezone

from blog import events
from blog.models import Post, Tag
from blog.search import refresh_search_vectors
from blog.versioning import content_changed

BATCH_SIZE = 500
_UPSERT_FIELDS = [
    "title", "summary", "body", "status", "published_at", "featured", "body_html",
    "toc", "word_count", "reading_time_minutes", "updated_at",
]  # fmt: skip


@dataclass
class PostData:
    slug: str
    title: str
    summary: str = ""
    body: str = ""
    status: str = Post.Status.DRAFT
    published_at: datetime | None = None
    featured: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass
class TagData:
    slug: str
    name: str
    description: str = ""


def upsert_tags(tags: Iterable[TagData]) -> int:
    """Create or update tags by slug."""
    objects = [Tag(slug=t.slug, name=t.name, description=t.description) for t in tags]
    Tag.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=["name", "description"],
        batch_size=BATCH_SIZE,
    )
    return len(objects)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _as_post(data: PostData, now: datetime) -> Post:
    post = Post(
        slug=data.slug,
        title=data.title,
        summary=data.summary,
        body=data.body,
        status=data.status,
        published_at=data.published_at,
        featured=data.featured,
        created_at=now,
        updated_at=now,
    )
    post.apply_derived_fields()
    return post


def upsert_posts(posts: Iterable[PostData], batch_size: int = BATCH_SIZE) -> int:
    """Create or update posts by slug, with their tags, inside one transaction.

    Every tag a post names must exist already (see `upsert_tags`).
    """
    tag_ids = dict(Tag.objects.values_list("slug", "id"))
    now = timezone.now()
    total = 0
    written: list[int] = []
    with transaction.atomic():
        for batch in _batches(posts, batch_size):
            written += write_post_batch(batch, tag_ids, now).values()
            total += len(batch)
        content_changed()
        events.bulk_change(written)
    return total


def write_post_batch(
    batch: list[PostData], tag_ids: dict[str, int], now: datetime
) -> dict[str, int]:
    """Create or update one batch of posts by slug (fields, derived fields, search
    vectors, tag links) in a fixed number of statements; their ids by slug. The
    caller renews the content version."""
    links = Post.tags.through
    posts = [_as_post(data, now) for data in batch]
    Post.objects.bulk_create(
        posts,
        update_conflicts=True,
        unique_fields=["slug"],
        update_fields=_UPSERT_FIELDS,
    )
    ids = dict(
        Post.objects.filter(slug__in=[d.slug for d in batch]).values_list("slug", "id")
    )
    refresh_search_vectors(Post.objects.filter(id__in=ids.values()))
    links.objects.filter(post_id__in=ids.values()).delete()
    links.objects.bulk_create(
        [
            links(post_id=ids[data.slug], tag_id=tag_ids[slug])
            for data in batch
            for slug in dict.fromkeys(data.tags)
        ]
    )
    # The library images each body shows (`![alt](image:<id>)`), as `Post.save`
    # links them.
    shown = Post.images.through
    shown.objects.filter(post_id__in=ids.values()).delete()
    shown.objects.bulk_create(
        [
            shown(post_id=ids[post.slug], image_id=image.pk)
            for post in posts
            for image in post._body_images
        ]
    )
    return ids
