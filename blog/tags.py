"""A request-sized directory of every tag, so lists resolve tags without joins.

Posts carry the ids of their tags (`PostQuerySet.with_tag_ids`); one small query
loads the directory that turns slugs into tags (validating filters) and ids into
`{slug, name}` pairs (rendering posts). A list page therefore costs the same number
of queries whatever its size or the number of tags.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TagEntry:
    id: int
    slug: str
    name: str


class TagDirectory:
    def __init__(self, entries: list[TagEntry]) -> None:
        self.by_id = {entry.id: entry for entry in entries}
        self.by_slug = {entry.slug: entry for entry in entries}
        by_name = sorted(entries, key=lambda entry: entry.name)
        # Position in name order, so a post's few tags sort without comparing names.
        self._rank = {entry.id: position for position, entry in enumerate(by_name)}

    @classmethod
    def load(cls) -> TagDirectory:
        from blog.models import Tag

        rows = Tag.objects.order_by().values_list("id", "slug", "name")
        return cls([TagEntry(*row) for row in rows])

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
