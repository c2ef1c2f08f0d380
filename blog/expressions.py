"""A post's tag ids as one list column, on PostgreSQL and SQLite alike."""

from django.db import models
from django.db.models import Aggregate, OuterRef, Subquery


class CollectIds(Aggregate):
    """`array_agg` on PostgreSQL, `json_group_array` on SQLite."""

    function = "json_group_array"
    output_field = models.JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, function="array_agg", **extra_context)


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
