"""Values derived from the content (counts, the directories of tags and authors,
the site's settings), computed once per content version in each process.

A count or a directory changes only when the content does, and every change renews
the content version (`blog.versioning`), so a value kept under the version it was
computed for can never be stale. The API reads the version at the start of each
request and pins it (`versioning.pinning`) before any query runs; outside a pinned
request (the admin, commands, the shell) every value is computed afresh.

This is what keeps a cache miss flat: a list page costs one query for its rows,
whatever the size of the blog, instead of also counting every matching post.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db.models import QuerySet

from blog import versioning

if TYPE_CHECKING:
    from blog.related import Directory, Related
    from blog.site import Site

T = TypeVar("T")
_EVERY: list[PerVersion] = []


def forget_everything() -> None:
    """Empty every map of per-version values (a test whose rolled-back
    transaction brings an old version token back)."""
    for values in _EVERY:
        values.clear()


class PerVersion:
    """A bounded map of values keyed by (content version token, key)."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self.entries: OrderedDict[tuple[str, Hashable], object] = OrderedDict()
        self.lock = threading.Lock()
        _EVERY.append(self)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        version = versioning.pinned()
        if version is None:
            return compute()
        full_key = (version.token, key)
        with self.lock:
            if full_key in self.entries:
                self.entries.move_to_end(full_key)
                return self.entries[full_key]
        # Computed after the version was read: the value is at least as new as the
        # version, and a commit since has renewed it, orphaning this entry.
        value = compute()
        with self.lock:
            self.entries[full_key] = value
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)
        return value

    def known(self, keys: Iterable[Hashable]) -> dict[Hashable, object]:
        """Those of `keys` kept for the pinned version (none outside a pinned
        request): what `remember` kept, for a caller that loads the rest at once."""
        version = versioning.pinned()
        if version is None:
            return {}
        found = {}
        with self.lock:
            for key in keys:
                full_key = (version.token, key)
                if full_key in self.entries:
                    self.entries.move_to_end(full_key)
                    found[key] = self.entries[full_key]
        return found

    def remember(self, values: dict[Hashable, object]) -> None:
        """Keep `values`, loaded after the pinned version was read, for that
        version (nothing outside a pinned request)."""
        version = versioning.pinned()
        if version is None:
            return
        with self.lock:
            for key, value in values.items():
                self.entries[(version.token, key)] = value
                self.entries.move_to_end((version.token, key))
            while len(self.entries) > self.max_entries:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


# Small values only (integers, the directories, the site's row): a few hundred
# kilobytes at most.
MEMO = PerVersion(max_entries=1024)
# Image rows by id (a few kilobytes each, with their renditions), for
# `blog.images.attach`: the covers a list page shows are often shown again, and
# loading them was a query of its own. Shared by every request of a version: read
# them, never change them.
IMAGES = PerVersion(max_entries=256)
# Every visible post's tag slugs and byline slugs (`slugs_by_post`): about a
# megabyte each at 10,000 posts, so only the current and the previous version's.
LINKS = PerVersion(max_entries=4)


def count(queryset: QuerySet) -> int:
    """`queryset.count()`, once per version for each distinct set of filters."""
    try:
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:  # `.none()`: nothing to ask the database
        return 0
    key = ("count", queryset.db, sql, repr(params))
    return MEMO.get(key, queryset.count)


def directory(related: Related) -> Directory:
    """Every tag (or author, ...) by id and slug (`blog.related`)."""
    from blog.related import Directory

    return MEMO.get(("directory", related.name), lambda: Directory.load(related))


def slugs_by_post(related: Related) -> dict[int, list[str]]:
    """`{post id: the slugs of its tags (or byline)}` for every post, in the
    order readers see them (`Directory.slugs_by_post`). Shared by every request
    of a version: read it, never change it."""
    return LINKS.get(
        related.name, lambda: directory(related).slugs_by_post(related.links())
    )


def visible_post_counts(related: Related) -> dict[int, int]:
    """Visible posts per tag (or author) id; one with none may be missing."""
    return MEMO.get(
        ("visible-post-counts", related.name),
        related.model.objects.visible_post_counts,
    )


def visibility_counts(related: Related) -> dict[int, int]:
    """What a directory needs to tell which entries readers see: the visible post
    counts when an entry exists only with a visible post (authors), else nothing
    (tags exist on their own: no query)."""
    if related.listed_without_posts:
        return {}
    return visible_post_counts(related)


def redirects() -> dict[tuple[str, str], str]:
    """`{(kind, old slug): current slug}` of the redirects readers may follow."""
    from blog import redirects as slug_redirects

    return MEMO.get("redirects", slug_redirects.moves)


def site() -> Site:
    """The site's settings with the images they show, as readers see them
    (`Site.as_readers_see()`: the defaults before the row is made)."""
    from blog.site import Site

    return MEMO.get("site", Site.as_readers_see)


def content_api_keys() -> frozenset[str]:
    """The secrets of the Content API keys (`api.ghost`)."""
    from blog.content_keys import known_secrets

    return MEMO.get("content_api_keys", known_secrets)
