"""What the filter properties of each Ghost resource mean (`?filter=`, `api.ghost.nql`).

- posts: `tag`, `tags`, `tags.slug`, `author`, `authors`, `authors.slug`,
  `primary_tag`, `primary_author` (slugs; their `.slug` spellings too), `featured`,
  `slug`, `id`, `uuid`, `published_at`, `updated_at`, `created_at`, `feature_image`
  (`null`/`-null`), `visibility`, `status`;
- pages: the same without the links;
- tags, authors: `slug`, `id`, `uuid`, `visibility`, `status`.

Dates compare with `>`, `>=`, `<`, `<=` (ISO 8601, or Ghost's `'YYYY-MM-DD HH:MM:SS'`,
in UTC); everything else matches by value or `[list]`. Readers only ever see
published, public content, so `visibility:public` and `status:published` match
everything and any other value nothing. Any other property is an error.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.dateparse import parse_date, parse_datetime

from api.ghost.nql import Both, Either, FilterError, Match, parse
from blog.related import AUTHORS, TAGS, Directory, Related

DATES = ("published_at", "updated_at", "created_at")
ALWAYS = {"visibility": "public", "status": "published"}
# Explicit truths: Django drops an empty `Q()` from an OR instead of making it true.
EVERY = Q(pk__isnull=False)
NONE = Q(pk__in=[])


def _as_datetime(value) -> datetime:
    text = str(value) if value is not None else ""
    found = parse_datetime(text.replace(" ", "T", 1)) if text else None
    if found is None and text:
        day = parse_date(text)
        found = datetime(day.year, day.month, day.day) if day else None
    if found is None:
        raise FilterError(f"'{text}' is not a date.")
    return found if found.tzinfo else found.replace(tzinfo=UTC)


def _as_uuids(values) -> list[uuid.UUID]:
    found = []
    for value in values:
        with contextlib.suppress(ValueError):  # no object has it: it matches nothing
            found.append(uuid.UUID(str(value)))
    return found


def _as_bools(values) -> list[bool]:
    if any(value not in (True, False) for value in values):
        raise FilterError("featured is true or false.")
    return list(values)


class Filters:
    """The properties of one resource, each a function of a `Match` to a `Q`."""

    def __init__(self, directories: Callable[[Related], Directory]) -> None:
        self.directories = directories
        self.annotations: dict[str, object] = {}

    def apply(self, queryset: QuerySet, text: str) -> QuerySet:
        condition = self.condition(parse(text))
        if self.annotations:
            queryset = queryset.annotate(**self.annotations)
        return queryset.filter(condition)

    def condition(self, tree) -> Q:
        if isinstance(tree, Either | Both):
            parts = [self.condition(part) for part in tree.parts]
            result = parts[0]
            for part in parts[1:]:
                result = result | part if isinstance(tree, Either) else result & part
            return result
        return self.match(tree)

    def match(self, match: Match) -> Q:
        handler = self.properties().get(match.property)
        if handler is None:
            raise FilterError(f"Unknown property '{match.property}'.")
        if match.operator in (">", ">=", "<", "<=") and match.property not in DATES:
            raise FilterError(f"'{match.operator}' compares dates only.")
        condition = handler(match)
        return ~condition if match.negated else condition

    def properties(self) -> dict[str, Callable[[Match], Q]]:
        return {
            "slug": lambda m: Q(slug__in=[str(v) for v in m.values]),
            "id": self._ids,
            "uuid": self._ids,
            **{name: self._always(name) for name in ALWAYS},
        }

    @staticmethod
    def _ids(match: Match) -> Q:
        return Q(uuid__in=_as_uuids(match.values))

    @staticmethod
    def _always(name: str) -> Callable[[Match], Q]:
        def match(m: Match) -> Q:
            return EVERY if ALWAYS[name] in m.values else NONE

        return match


class WritingFilters(Filters):
    """Posts and pages."""

    def properties(self):
        return {
            **super().properties(),
            **{name: self._date(name) for name in DATES},
            "featured": self._featured,
            "feature_image": self._feature_image,
        }

    @staticmethod
    def _date(name: str) -> Callable[[Match], Q]:
        lookups = {"=": "", ">": "__gt", ">=": "__gte", "<": "__lt", "<=": "__lte"}

        def match(m: Match) -> Q:
            if m.operator == "in":
                return Q(**{f"{name}__in": [_as_datetime(v) for v in m.values]})
            return Q(**{f"{name}{lookups[m.operator]}": _as_datetime(m.values[0])})

        return match

    @staticmethod
    def _featured(match: Match) -> Q:
        return Q(featured__in=_as_bools(match.values))

    @staticmethod
    def _feature_image(match: Match) -> Q:
        if match.values != (None,):
            raise FilterError("feature_image is matched with null or -null only.")
        return Q(feature_image__isnull=True)


class PageFilters(WritingFilters):
    @staticmethod
    def _featured(match: Match) -> Q:
        return EVERY if False in _as_bools(match.values) else NONE  # never featured


class PostFilters(WritingFilters):
    def properties(self):
        linked = {
            **{name: self._linked(TAGS) for name in ("tag", "tags", "tags.slug")},
            **{
                name: self._linked(AUTHORS)
                for name in ("author", "authors", "authors.slug")
            },
            **{
                name: self._primary(TAGS)
                for name in ("primary_tag", "primary_tag.slug")
            },
            **{
                name: self._primary(AUTHORS)
                for name in ("primary_author", "primary_author.slug")
            },
        }
        return {**super().properties(), **linked}

    def _ids_of(self, related: Related, values) -> list[int]:
        directory = self.directories(related)
        return [entry.pk for entry in directory.find([str(v) for v in values])]

    def _linked(self, related: Related) -> Callable[[Match], Q]:
        def match(m: Match) -> Q:
            links = related.link_model.objects.filter(
                post_id=OuterRef("pk"),
                **{f"{related.target}__in": self._ids_of(related, m.values)},
            )
            return Q(Exists(links))

        return match

    def _primary(self, related: Related) -> Callable[[Match], Q]:
        """The first of a post's tags (by name, as it lists them) or of its byline."""
        name = f"primary_{related.kind}_id"

        def match(m: Match) -> Q:
            if name not in self.annotations:
                links = related.link_model.objects.filter(post_id=OuterRef("pk"))
                if related.link_ordering:
                    first = links.order_by(related.link_ordering, related.target)
                else:
                    first = links.order_by(f"{related.kind}__name", related.target)
                self.annotations[name] = Subquery(first.values(related.target)[:1])
            return Q(**{f"{name}__in": self._ids_of(related, m.values)})

        return match


FILTERS = {
    "posts": PostFilters,
    "pages": PageFilters,
    "tags": Filters,
    "authors": Filters,
}
