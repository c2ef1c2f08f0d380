"""A directory of every tag, so lists resolve tags without joins.

Posts carry the ids of their tags (`PostQuerySet.with_tag_ids`); one small query
loads the directory that turns slugs into tags (validating filters) and ids into
`{slug, name}` pairs (rendering posts), and with the visible post counts it is the
tag list itself. It is loaded once per content version (`blog.derived`), so a list
page costs the same queries whatever its size or the number of tags.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TagEntry:
    id: int
    uuid: str
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class CountedTag:
    """A tag as the API lists it, with its number of visible posts."""

    uuid: str
    slug: str
    name: str
    description: str
    post_count: int


class TagDirectory:
    def __init__(self, entries: list[TagEntry]) -> None:
        self.by_id = {entry.id: entry for entry in entries}
        self.by_slug = {entry.slug: entry for entry in entries}
        # Code-point order (as Python sorts), the same on every database.
        self.in_order = sorted(entries, key=lambda entry: (entry.name, entry.id))
        # Position in name order, so a post's few tags sort without comparing names.
        self._rank = {
            entry.id: position for position, entry in enumerate(self.in_order)
        }

    @classmethod
    def load(cls) -> TagDirectory:
        from blog.models import Tag

        rows = Tag.objects.order_by().values_list(
            "id", "uuid", "slug", "name", "description"
        )
        return cls([TagEntry(pk, str(uuid), *rest) for pk, uuid, *rest in rows])

    def counted(self, post_counts: dict[int, int]) -> list[CountedTag]:
        """Every tag in name order, with its count from `post_counts`."""
        return [self._counted(entry, post_counts) for entry in self.in_order]

    def counted_one(self, slug: str, post_counts: dict[int, int]) -> CountedTag | None:
        entry = self.by_slug.get(slug)
        return None if entry is None else self._counted(entry, post_counts)

    @staticmethod
    def _counted(entry: TagEntry, post_counts: dict[int, int]) -> CountedTag:
        count = post_counts.get(entry.id, 0)
        return CountedTag(entry.uuid, entry.slug, entry.name, entry.description, count)

    def unknown_slugs(self, slugs: list[str]) -> list[str]:
        return [slug for slug in slugs if slug not in self.by_slug]

    def find(self, slugs: list[str]) -> list[TagEntry]:
        return [self.by_slug[slug] for slug in slugs if slug in self.by_slug]

    def slugs_by_post(self, links) -> dict[int, list[str]]:
        """`{post id: its tags' slugs in name order}` from `(tag_id, post_id)` pairs;
        links to tags not in the directory are left out.

        The links are grouped by tag, then the tags are read in name order: each
        post's list comes out sorted with no sort of the (tens of thousands of)
        links.
        """
        posts_of: dict[int, list[int]] = defaultdict(list)
        for tag_id, post_id in links:
            posts_of[tag_id].append(post_id)
        slugs: dict[int, list[str]] = defaultdict(list)
        for entry in self.in_order:
            slug = entry.slug
            for post_id in posts_of.get(entry.id, ()):
                slugs[post_id].append(slug)
        return slugs

    def entries_for(self, ids: list[int] | None) -> list[TagEntry]:
        """The tags with these ids, ordered by name."""
        if not ids:
            return []
        rank = self._rank
        known = sorted(
            (tag_id for tag_id in ids if tag_id in rank), key=rank.__getitem__
        )
        return [self.by_id[tag_id] for tag_id in known]
