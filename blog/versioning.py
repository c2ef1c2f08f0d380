"""The content version: one token that changes whenever anything a reader sees does.

HTTP validators (ETag, Last-Modified) and the response cache are keyed by it, so a
cached answer is never served after a change. It lives in Django's cache (Redis in
production, shared by every worker) and is bumped after the writing transaction
commits, never before: a reader that re-rendered from pre-commit data would otherwise
store old content under the new version.

Scheduled posts change what is visible with no write at all, so the version also
carries `rollover_at`, the next scheduled publish time; the first reader after it
renews the version.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

VERSION_KEY = "content-version:v1"
# Kept much longer than any response; if it is evicted anyway, a new token is made,
# which only costs a cache miss.
VERSION_TIMEOUT = 7 * 24 * 3600


@dataclass(frozen=True)
class ContentVersion:
    token: str
    last_modified: int
    rollover_at: float | None

    def is_due(self, now: float) -> bool:
        return self.rollover_at is not None and now >= self.rollover_at

    def as_tuple(self) -> tuple:
        return (self.token, self.last_modified, self.rollover_at)


def _next_scheduled_publish() -> float | None:
    from blog.models import Post

    upcoming = (
        Post.objects.scheduled()
        .order_by("published_at")
        .values_list("published_at", flat=True)
        .first()
    )
    return upcoming.timestamp() if upcoming else None


def renew(previous: ContentVersion | None = None) -> ContentVersion:
    """Make and store a new version: called after every committed change."""
    now = time.time()
    floor = previous.last_modified + 1 if previous else 0
    version = ContentVersion(
        token=secrets.token_hex(8),
        # Strictly increasing, so an If-Modified-Since from the same second as an
        # earlier change can never hide a later one.
        last_modified=max(math.floor(now), floor),
        rollover_at=_next_scheduled_publish(),
    )
    cache.set(VERSION_KEY, version.as_tuple(), VERSION_TIMEOUT)
    return version


def parse(raw: tuple | None) -> ContentVersion | None:
    if not raw:
        return None
    return ContentVersion(*raw)


def current(raw: tuple | None = None, *, fetched: bool = False) -> ContentVersion:
    """The version in force now (pass `raw` when it was already read from the cache)."""
    version = parse(raw if fetched else cache.get(VERSION_KEY))
    if version is None or version.is_due(time.time()):
        version = renew(version)
    return version


_pinned: ContextVar[ContentVersion | None] = ContextVar("content_version", default=None)


@contextmanager
def pinning(version: ContentVersion) -> Iterator[ContentVersion]:
    """Read under `version`: it was read before any query of this unit of work
    (a request), so whatever is derived here is at least as new as it."""
    reset = _pinned.set(version)
    try:
        yield version
    finally:
        _pinned.reset(reset)


def pinned() -> ContentVersion | None:
    """The version pinned by the request being served, if any (`blog.derived`)."""
    return _pinned.get()


def content_changed() -> None:
    """Renew the version once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: renew(parse(cache.get(VERSION_KEY))))


def _on_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    content_changed()


def _on_tags_changed(sender, action: str, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        content_changed()


def connect_signals() -> None:
    from blog.models import Post, Tag

    for model in (Post, Tag):
        post_save.connect(_on_change, sender=model, dispatch_uid=f"version-{model}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"version-d{model}")
    m2m_changed.connect(
        _on_tags_changed, sender=Post.tags.through, dispatch_uid="version-tags"
    )
