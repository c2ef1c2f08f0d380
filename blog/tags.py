"""A directory of every tag, so lists resolve tags without joins.

Posts carry the ids of their tags (`PostQuerySet.with_tag_ids`); one small query
loads the directory that turns slugs into tags (validating filters) and ids into
`{slug, name}` pairs (rendering posts), and with the visible post counts it is the
tag list itself. It is loaded once per content version (`blog.derived`), so a list
page costs the same queries whatever its size or the number of tags.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TagEntry:
    id: int
    slug: str
    name: str
    description: str


@dataclass(frozen=True, slots=True)
class CountedTag:
    """A tag as the API lists it, with its number of visible posts."""

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

        rows = Tag.objects.order_by().values_list("id", "slug", "name", "description")
        return cls([TagEntry(*row) for row in rows])

    def counted(self, post_counts: dict[int, int]) -> list[CountedTag]:
        """Every tag in name order, with its count from `post_counts`."""
        return [self._counted(entry, post_counts) for entry in self.in_order]

    def counted_one(self, slug: str, post_counts: dict[int, int]) -> CountedTag | None:
        entry = self.by_slug.get(slug)
        return None if entry is None else self._counted(entry, post_counts)

    @staticmethod
    def _counted(entry: TagEntry, post_counts: dict[int, int]) -> CountedTag:
        count = post_counts.get(entry.id, 0)
        return CountedTag(entry.slug, entry.name, entry.description, count)

    def unknown_slugs(self, slugs: list[str]) -> list[str]:
        return [slug for slug in slugs if slug not in self.by_slug]

    def find(self, slugs: list[str]) -> list[TagEntry]:
        return [self.by_slug[slug] for slug in slugs if slug in self.by_slug]

    def in_name_order(self, links) -> list[tuple[int, int]]:
        """`(tag_id, post_id)` pairs of known tags, sorted by the tag's name."""
        rank = self._rank
        return sorted(
            (link for link in links if link[0] in rank), key=lambda link: rank[link[0]]
        )

    def entries_for(self, ids: list[int] | None) -> list[TagEntry]:
        """The tags with these ids, ordered by name."""
        if not ids:
            return []
        rank = self._rank
        known = sorted(
            (tag_id for tag_id in ids if tag_id in rank), key=rank.__getitem__
        )
        return [self.by_id[tag_id] for tag_id in known]
