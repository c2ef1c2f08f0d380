"""The models posts link to (tags, authors), declared once, and a directory of each.

Each `Related` names its link table and how a post's links are ordered; the
querysets, the index, the filters and the serializers read these declarations, so
a model that posts link to is one entry here, not a copy of the tag machinery.

Posts carry the ids of their links (`PostQuerySet.with_link_ids`); one small query
loads the directory that turns slugs into objects (validating filters) and ids into
objects (rendering posts), and with the visible post counts it is the list itself.
A directory is loaded once per content version (`blog.derived`), so a list page
costs the same queries whatever its size or the number of tags and authors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models


@dataclass(frozen=True)
class Related:
    """A model posts link to, through a link table."""

    name: str  # the post's relation, and the key of everything below
    model_label: str
    link_label: str  # the link table: (post_id, <target>)
    target: str  # the link table's column naming the related object
    # A post's links in this column's order (a byline); None: by the object's name.
    link_ordering: str | None = None
    # Tags exist for readers on their own; an author only with a visible post.
    listed_without_posts: bool = True

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.model_label)

    @property
    def link_model(self) -> type[models.Model]:
        return apps.get_model(self.link_label)

    @property
    def kind(self) -> str:
        """`tag`, `author`: the singular (a redirect's kind, a URL's `{kind}s/`)."""
        return self.name[:-1]

    @property
    def ids_attribute(self) -> str:
        """The annotation on posts holding the ids (`tag_ids`, `author_ids`)."""
        return f"{self.kind}_ids"

    def links(self):
        """Every (target id, post id) pair, in the post's own order where it has one."""
        rows = self.link_model.objects.order_by()
        if self.link_ordering:
            rows = rows.order_by("post_id", self.link_ordering, self.target)
        return rows.values_list(self.target, "post_id")


TAGS = Related("tags", "blog.Tag", "blog.Post_tags", "tag_id")
AUTHORS = Related(
    "authors",
    "blog.Author",
    "blog.PostAuthor",
    "author_id",
    link_ordering="sort_order",
    listed_without_posts=False,
)
RELATED = {related.name: related for related in (TAGS, AUTHORS)}


class Counted:
    """A directory entry as the API lists it, with its number of visible posts."""

    __slots__ = ("entry", "post_count")

    def __init__(self, entry: models.Model, post_count: int) -> None:
        self.entry = entry
        self.post_count = post_count

    def __getattr__(self, name: str):
        return getattr(self.entry, name)


class Directory:
    """Every object of one related model, by id, by slug and in name order.

    The entries are model instances as `<Model>.objects.for_directory()` loads
    them, shared by every request of a content version: read them, never change
    them.
    """

    def __init__(self, related: Related, entries: Iterable[models.Model]) -> None:
        self.related = related
        entries = list(entries)
        self.by_id = {entry.pk: entry for entry in entries}
        self.by_slug = {entry.slug: entry for entry in entries}
        # Code-point order (as Python sorts), the same on every database.
        self.in_order = sorted(entries, key=lambda entry: (entry.name, entry.pk))
        # Position in name order, so a post's few tags sort without comparing names.
        self._rank = {
            entry.pk: position for position, entry in enumerate(self.in_order)
        }

    @classmethod
    def load(cls, related: Related) -> Directory:
        return cls(related, related.model.objects.order_by().for_directory())

    # Readers' view: `post_counts` are the visible posts per id
    # (`blog.derived.visible_post_counts`); an entry that exists only with a
    # visible post (an author) is unknown to readers without one.

    def _seen(self, entry: models.Model | None, post_counts: dict[int, int]) -> bool:
        if entry is None:
            return False
        return self.related.listed_without_posts or post_counts.get(entry.pk, 0) > 0

    def counted(self, post_counts: dict[int, int]) -> list[Counted]:
        """Every entry readers see, in name order, with its count."""
        return [
            Counted(entry, post_counts.get(entry.pk, 0))
            for entry in self.in_order
            if self._seen(entry, post_counts)
        ]

    def counted_one(self, slug: str, post_counts: dict[int, int]) -> Counted | None:
        entry = self.by_slug.get(slug)
        if not self._seen(entry, post_counts):
            return None
        return Counted(entry, post_counts.get(entry.pk, 0))

    def unknown_slugs(self, slugs: list[str], post_counts: dict[int, int]) -> list[str]:
        return [s for s in slugs if not self._seen(self.by_slug.get(s), post_counts)]

    def find(self, slugs: list[str]) -> list[models.Model]:
        return [self.by_slug[slug] for slug in slugs if slug in self.by_slug]

    def slugs_by_post(self, links) -> dict[int, list[str]]:
        """`{post id: its links' slugs}` from `(target id, post id)` pairs (in the
        post's order for an ordered link, else in name order); links to objects
        not in the directory are left out.

        Unordered links are grouped by target, then the targets read in name
        order: each post's list comes out sorted with no sort of the (tens of
        thousands of) links.
        """
        slugs: dict[int, list[str]] = defaultdict(list)
        if self.related.link_ordering:
            by_id = self.by_id
            for target_id, post_id in links:
                entry = by_id.get(target_id)
                if entry is not None:
                    slugs[post_id].append(entry.slug)
            return slugs
        posts_of: dict[int, list[int]] = defaultdict(list)
        for target_id, post_id in links:
            posts_of[target_id].append(post_id)
        for entry in self.in_order:
            slug = entry.slug
            for post_id in posts_of.get(entry.pk, ()):
                slugs[post_id].append(slug)
        return slugs

    def entries_for(self, ids: list[int] | None) -> list[models.Model]:
        """The entries with these ids: as given for an ordered link (a byline),
        else by name."""
        if not ids:
            return []
        if self.related.link_ordering:
            by_id = self.by_id
            return [by_id[pk] for pk in ids if pk in by_id]
        rank = self._rank
        known = sorted((pk for pk in ids if pk in rank), key=rank.__getitem__)
        return [self.by_id[pk] for pk in known]
