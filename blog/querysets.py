"""The rules of content, as chainable queryset adjectives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import (
    Count,
    Exists,
    Expression,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Now

from blog.expressions import LinkedIds
from blog.related import AUTHORS, RELATED, TAGS, Related

if TYPE_CHECKING:
    from blog.models import Tag


LISTING_FIELDS = (
    "id", "uuid", "slug", "title", "summary", "published_at", "updated_at",
    "reading_time_minutes", "featured", "feature_image",
)  # fmt: skip
# What the writing index reads besides the visible-order keys; an index carries
# them (see Post.Meta), so building the index never reads the table.
INDEX_ENTRY_COLUMNS = ("slug", "title", "summary")
# What a feed entry shows: a listing's fields and the rendered body, not its source.
FEED_FIELDS = (*LISTING_FIELDS, "body_html")


class WritingQuerySet(models.QuerySet):
    """The rule of visibility, once, for everything written (posts and pages)."""

    def published(self):
        """What a reader may see: published, and the publish time has passed."""
        # Now() is evaluated by the database when the query runs: a queryset built
        # once (a view's class attribute) must not freeze the clock at import time.
        return self.filter(status=self.model.Status.PUBLISHED, published_at__lte=Now())

    def seen_by_readers(self):
        """What readers see (`blog.redirects` asks every model alike)."""
        return self.published()

    def scheduled(self):
        """Published, with the publish time still in the future."""
        return self.filter(status=self.model.Status.PUBLISHED, published_at__gt=Now())

    def drafts(self):
        """Not yet published."""
        return self.filter(status=self.model.Status.DRAFT)


class PostQuerySet(WritingQuerySet):
    def newest_first(self) -> PostQuerySet:
        """Newest first, with the id as a tie-breaker so pages never overlap."""
        return self.order_by("-published_at", "-id")

    def with_any_tag(self, tags: list[Tag]) -> PostQuerySet:
        """Posts carrying at least one of `tags` (an EXISTS: no duplicate rows)."""
        return self.filter(Exists(self._tag_links(tags)))

    def with_tag(self, tag_id: int | Expression) -> PostQuerySet:
        """Posts carrying the tag with this id (or an expression of it: a `Param`
        in a compiled statement)."""
        return self.filter(Exists(self._links_to(tag_id)))

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

    def with_any_author(self, authors) -> PostQuerySet:
        """Posts with at least one of `authors` in their byline."""
        return self.filter(Exists(self._links_to([a.pk for a in authors], AUTHORS)))

    def with_author(self, author_id: int | Expression) -> PostQuerySet:
        """Posts with the author of this id (or an expression of it) in the byline."""
        return self.filter(Exists(self._links_to(author_id, AUTHORS)))

    def with_link_ids(self) -> PostQuerySet:
        """Annotate the ids of each post's links to every related model (`tag_ids`,
        `author_ids` in byline order), in the same query."""
        return self.annotate(
            **{
                related.ids_attribute: LinkedIds(
                    related.link_model, "post_id", related.target, related.link_ordering
                )
                for related in RELATED.values()
            }
        )

    def for_listing(self) -> PostQuerySet:
        """Everything a list serializer reads, in one query (links by id)."""
        return self.only(*LISTING_FIELDS).with_link_ids()

    def for_feed(self) -> PostQuerySet:
        """Everything a feed entry shows, in one query (links by id)."""
        return self.only(*FEED_FIELDS).with_link_ids()

    def for_detail(self) -> PostQuerySet:
        """Everything a full post shows, without the (large) stored search vector."""
        return self.defer("search_vector").with_link_ids()

    def older_than(self, at, pk) -> PostQuerySet:
        """Posts before (`at`, `pk`) in the visible order, the nearest first.

        A range on `published_at` plus a tie-break on the id, so the
        (status, published_at, id) index is walked from that point and stops as
        soon as a slice is full. `at` and `pk` may be values or expressions.
        """
        return (
            self.filter(published_at__lte=at)
            .exclude(published_at=at, id__gte=pk)
            .order_by("-published_at", "-id")
        )

    def newer_than(self, at, pk) -> PostQuerySet:
        """Posts after (`at`, `pk`) in the visible order, the nearest first."""
        return (
            self.filter(published_at__gte=at)
            .exclude(published_at=at, id__lte=pk)
            .order_by("published_at", "id")
        )

    def related_to(self, post_id) -> PostQuerySet:
        """Other posts sharing a tag with the post `post_id`, newest first.

        The post's tags are a subquery, so the SQL has one shape for every post
        (`blog.post_page` compiles it once); `post_id` may be an expression.
        """
        their_tags = TAGS.link_model.objects.filter(post_id=post_id).values("tag_id")
        shared = self._links_to(their_tags)
        return self.exclude(pk=post_id).filter(Exists(shared)).newest_first()

    @classmethod
    def _tag_links(cls, tags: list[Tag]) -> QuerySet:
        return cls._links_to([tag.id for tag in tags])

    @staticmethod
    def _links_to(
        ids: list[int] | QuerySet | int | Expression, related: Related = TAGS
    ) -> QuerySet:
        """The outer post's links to any of `ids` (ids, or a subquery of them), or
        to the one object with this id (or an expression of it)."""
        links = related.link_model.objects.filter(post_id=OuterRef("pk"))
        if isinstance(ids, list | QuerySet):
            return links.filter(**{f"{related.target}__in": ids})
        return links.filter(**{related.target: ids})


class PageQuerySet(WritingQuerySet):
    def for_detail(self) -> PageQuerySet:
        """With the images a page shows besides its body's: its cover and its
        social cards' (one query, joined)."""
        return self.select_related("feature_image", "og_image", "twitter_image")

    def in_navigation_order(self) -> PageQuerySet:
        """Navigation order, then title (the contract's order of `/pages/`)."""
        return self.order_by("nav_order", "title", "id")


class LinkedQuerySet(models.QuerySet):
    """What the models posts link to (`blog.related`) share: counts of the visible
    posts linking to each, and the directory's rows."""

    related: Related

    def for_directory(self) -> LinkedQuerySet:
        """What a directory entry holds (`blog.related.Directory`)."""
        return self

    def seen_by_readers(self) -> LinkedQuerySet:
        """What readers see: every row, or only rows with a visible post where the
        model exists for readers only with one (an author)."""
        if self.related.listed_without_posts:
            return self
        from blog.models import Post

        visible = Post.objects.published().values("pk")
        links = self.related.link_model.objects.filter(
            **{self.related.target: OuterRef("pk")}, post_id__in=visible
        )
        return self.filter(Exists(links))

    def with_post_counts(self) -> LinkedQuerySet:
        """Annotate `post_count`: the number of visible posts linking to each.

        A correlated count over the links whose post is in the set of visible
        posts. Being a subquery rather than a join, it is computed only for the rows
        a page returns, and `count()` leaves it out.
        """
        from blog.models import Post

        target = self.related.target
        visible = Post.objects.published().values("pk")
        links = (
            self.related.link_model.objects.filter(**{target: OuterRef("pk")})
            # The always-false `OR post_id IS NULL` keeps PostgreSQL from turning the
            # IN into a join it would redo for every row: as an OR it stays a hashed
            # subplan, built once per query (32 ms -> 7 ms for a page of 20 tags).
            .filter(Q(post_id__in=visible) | Q(post_id__isnull=True))
            .order_by()
            .values(target)
            .annotate(n=Count("*"))
            .values("n")
        )
        return self.annotate(
            post_count=Coalesce(Subquery(links, output_field=models.IntegerField()), 0)
        )

    def visible_post_counts(self) -> dict[int, int]:
        """`{id: number of visible posts}` for these rows, in one grouped count over
        the links (a row with no visible post is absent)."""
        from blog.models import Post

        target = self.related.target
        rows = (
            self.related.link_model.objects.filter(
                **{f"{target}__in": self.values("pk")},
                post_id__in=Post.objects.published(),
            )
            .order_by()
            .values(target)
            .annotate(n=Count("*"))
            .values_list(target, "n")
        )
        return dict(rows)


class TagQuerySet(LinkedQuerySet):
    related = TAGS

    def for_directory(self) -> TagQuerySet:
        """With the images a tag's social cards show."""
        return self.select_related("og_image", "twitter_image")


class AuthorQuerySet(LinkedQuerySet):
    related = AUTHORS

    def for_directory(self) -> AuthorQuerySet:
        """With the images an author and their social cards show."""
        return self.select_related("avatar", "cover_image", "og_image", "twitter_image")
