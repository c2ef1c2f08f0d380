"""The rules of content, as chainable queryset adjectives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Now

if TYPE_CHECKING:
    from blog.models import Tag


LISTING_FIELDS = (
    "id", "slug", "title", "summary", "published_at", "updated_at",
    "reading_time_minutes", "featured",
)  # fmt: skip


class PostQuerySet(models.QuerySet):
    def published(self) -> PostQuerySet:
        """Posts a reader may see: published, and the publish time has passed."""
        from blog.models import Post

        # Now() is evaluated by the database when the query runs: a queryset built
        # once (a view's class attribute) must not freeze the clock at import time.
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=Now())

    def scheduled(self) -> PostQuerySet:
        """Published posts whose publish time is still in the future."""
        from blog.models import Post

        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=Now())

    def drafts(self) -> PostQuerySet:
        """Posts not yet published."""
        from blog.models import Post

        return self.filter(status=Post.Status.DRAFT)

    def newest_first(self) -> PostQuerySet:
        """Newest first, with the id as a tie-breaker so pages never overlap."""
        return self.order_by("-published_at", "-id")

    def with_any_tag(self, tags: list[Tag]) -> PostQuerySet:
        """Posts carrying at least one of `tags` (an EXISTS: no duplicate rows)."""
        return self.filter(Exists(self._tag_links(tags)))

    def with_all_tags(self, tags: list[Tag]) -> PostQuerySet:
        """Posts carrying every one of `tags`."""
        queryset = self
        for tag in tags:
            queryset = queryset.filter(Exists(self._tag_links([tag])))
        return queryset

    def without_tags(self, tags: list[Tag]) -> PostQuerySet:
        """Posts carrying none of `tags`."""
        return self.exclude(Exists(self._tag_links(tags)))

    def published_between(
        self, after: datetime | None = None, before: datetime | None = None
    ) -> PostQuerySet:
        """Posts published within the inclusive bounds given."""
        queryset = self
        if after is not None:
            queryset = queryset.filter(published_at__gte=after)
        if before is not None:
            queryset = queryset.filter(published_at__lte=before)
        return queryset

    def in_year(self, year: int) -> PostQuerySet:
        """Posts published in that UTC calendar year (a range: the index applies)."""
        queryset = self.filter(published_at__gte=datetime(year, 1, 1, tzinfo=UTC))
        if year < 9999:
            queryset = queryset.filter(
                published_at__lt=datetime(year + 1, 1, 1, tzinfo=UTC)
            )
        return queryset

    def matching(self, query: str, ranked: bool = True) -> PostQuerySet:
        """Full-text search: web-search syntax on PostgreSQL, a substring on others."""
        from blog.search import search_posts

        return search_posts(self, query, ranked=ranked)

    def with_tag_ids(self) -> PostQuerySet:
        """Annotate `tag_ids`, the ids of each post's tags, in the same query."""
        from blog.expressions import TagIds

        return self.annotate(tag_ids=TagIds())

    def for_listing(self) -> PostQuerySet:
        """Everything a list serializer reads, in one query (tags by id)."""
        return self.only(*LISTING_FIELDS).with_tag_ids()

    def index_rows(self) -> QuerySet:
        """The writing index as plain tuples: no bodies, no model instances."""
        from blog.expressions import TagIds

        return self.newest_first().values_list(
            "slug", "title", "summary", "published_at", TagIds()
        )

    def neighbours_of(self, post) -> tuple:
        """The next older and the next newer post than `post`, by (date, id)."""
        fields = ("slug", "title", "published_at")
        older = (
            self.filter(
                Q(published_at__lt=post.published_at)
                | Q(published_at=post.published_at, id__lt=post.id)
            )
            .order_by("-published_at", "-id")
            .only(*fields)
            .first()
        )
        newer = (
            self.filter(
                Q(published_at__gt=post.published_at)
                | Q(published_at=post.published_at, id__gt=post.id)
            )
            .order_by("published_at", "id")
            .only(*fields)
            .first()
        )
        return older, newer

    def related_to(self, post, limit: int = 3) -> PostQuerySet:
        """Up to `limit` other posts sharing a tag with `post`, newest first."""
        from blog.models import Post

        shared = Post.tags.through.objects.filter(
            post_id=OuterRef("pk"),
            tag_id__in=Post.tags.through.objects.filter(post_id=post.pk).values(
                "tag_id"
            ),
        )
        return (
            self.exclude(pk=post.pk)
            .filter(Exists(shared))
            .for_listing()
            .newest_first()[:limit]
        )

    @staticmethod
    def _tag_links(tags: list[Tag]) -> QuerySet:
        from blog.models import Post

        return Post.tags.through.objects.filter(
            post_id=OuterRef("pk"), tag_id__in=[tag.id for tag in tags]
        )


class TagQuerySet(models.QuerySet):
    def with_post_counts(self) -> TagQuerySet:
        """Annotate `post_count`: the number of visible posts carrying each tag."""
        from blog.models import Post

        visible = Post.objects.published().filter(tags=OuterRef("pk"))
        counts = visible.order_by().values("tags").annotate(n=Count("pk")).values("n")
        return self.annotate(
            post_count=models.functions.Coalesce(
                models.Subquery(counts, output_field=models.IntegerField()), 0
            )
        )
