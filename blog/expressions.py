"""Expressions the querysets share: a row's linked ids as one list column, and
timestamps formatted by the database; on PostgreSQL and SQLite alike."""

import json

from django.db import models
from django.db.models import Aggregate, Func, OuterRef, Subquery


class CollectIds(Aggregate):
    """The values of a group as one list, in `ordering` when given: `array_agg` on
    PostgreSQL; on SQLite (no ORDER BY in aggregates before 3.44) `json_group_array`
    of `[ordering, value]` pairs, sorted by `LinkedIds`' converter."""

    output_field = models.JSONField()

    def __init__(self, value: str, ordering: str | None = None) -> None:
        self.ordered = ordering is not None
        super().__init__(value, *([ordering] if self.ordered else []))

    def _parts(self, compiler) -> list[tuple[str, list]]:
        # The aggregate's own expressions; Django appends its filter (None here).
        own = self.get_source_expressions()[: 2 if self.ordered else 1]
        return [compiler.compile(expression) for expression in own]

    def as_postgresql(self, compiler, connection, **extra_context):
        parts = self._parts(compiler)
        (value, value_params), *rest = parts
        if not rest:
            return f"array_agg({value})", value_params
        ordering, ordering_params = rest[0]
        # The value again as a tie-break: equal positions still come out stable.
        return (
            f"array_agg({value} ORDER BY {ordering}, {value})",
            [*value_params, *ordering_params, *value_params],
        )

    def as_sql(self, compiler, connection, **extra_context):
        (value, value_params), *rest = self._parts(compiler)
        if not rest:
            return f"json_group_array({value})", value_params
        ordering, ordering_params = rest[0]
        return (
            f"json_group_array(json_array({ordering}, {value}))",
            [*ordering_params, *value_params],
        )


class LinkedIds(Subquery):
    """Correlated subquery: the ids a link table pairs with the outer row, as a
    list (or None when there are none), in `ordering` when given.

    `LinkedIds(Post.tags.through, "post_id", "tag_id")` is a post's tag ids;
    `LinkedIds(PostAuthor, "post_id", "author_id", "sort_order")` its byline. A
    page of posts and all of their links come back in the page's one query.
    """

    def __init__(
        self,
        link_model: type[models.Model],
        owner: str,
        target: str,
        ordering: str | None = None,
    ) -> None:
        self.ordered = ordering is not None
        links = (
            link_model.objects.filter(**{owner: OuterRef("pk")})
            .order_by()
            .values(owner)
            .annotate(ids=CollectIds(target, ordering))
            .values("ids")
        )
        super().__init__(links, output_field=models.JSONField())

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []  # array_agg arrives as a Python list, already in order
        return [self._from_json]

    def _from_json(self, value, expression, connection):
        if value is None:
            return None
        ids = json.loads(value)
        if self.ordered:
            ids = [target for _, target in sorted(ids)]
        return ids


class UTCTimestampText(Func):
    """A timestamp as the API prints it (`2026-11-20T09:00:00Z`), made by the database.

    Formatting in SQL spares the index ten thousand timezone-aware datetime objects
    that would only be turned back into the same text.
    """

    output_field = models.CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            template="to_char(%(expressions)s AT TIME ZONE 'UTC', "
            '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\')',
            **extra_context,
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            # %%%% survives two rounds of formatting as the single % SQLite needs.
            template="strftime('%%%%Y-%%%%m-%%%%dT%%%%H:%%%%M:%%%%SZ', "
            "%(expressions)s)",
            **extra_context,
        )
