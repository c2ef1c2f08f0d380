"""A post's tag ids as one list column, on PostgreSQL and SQLite alike."""

from django.db import models
from django.db.models import Aggregate, Func, OuterRef, Subquery


class CollectIds(Aggregate):
    """`array_agg` on PostgreSQL, `json_group_array` on SQLite."""

    function = "json_group_array"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="array_agg", **extra_context)

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []  # array_agg arrives as a Python list already
        return super().get_db_converters(connection)


class TagIds(Subquery):
    """Correlated subquery: the ids of the outer post's tags, as a list (or None).

    A page of posts and all of their tag ids come back in a single query.
    """

    def __init__(self) -> None:
        from blog.models import Post

        links = (
            Post.tags.through.objects.filter(post_id=OuterRef("pk"))
            .order_by()
            .values("post_id")
            .annotate(ids=CollectIds("tag_id"))
            .values("ids")
        )
        super().__init__(links, output_field=models.JSONField())

    def get_db_converters(self, connection):
        if connection.vendor == "postgresql":
            return []  # array_agg arrives as a Python list already
        return super().get_db_converters(connection)


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
