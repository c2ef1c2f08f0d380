"""A post's page read through compiled statements equals what the ORM reads."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.db import models
from django.db.models.functions import Now

from blog import post_page
from blog.models import Post
from blog.post_page import LINK_FIELDS
from blog.querysets import LISTING_FIELDS
from blog.statements import Param, Statement, instances
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db

DETAIL_FIELDS = [
    field.attname
    for field in Post._meta.concrete_fields
    if field.name != "search_vector"
]


def _loaded(post: Post, fields) -> dict:
    return {name: getattr(post, name) for name in fields}


@pytest.fixture
def shuffled_blog():
    """Posts with random tags, drafts, scheduled posts and shared publish times."""
    chance = random.Random(7)
    tags = [TagFactory() for _ in range(4)]
    start = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    for n in range(30):
        # Every third time is used twice: ties are broken by the id.
        at = start + timedelta(hours=n // 3 * 2 + (n % 3 == 2))
        kind = chance.choice(["visible"] * 6 + ["draft", "scheduled"])
        chosen = chance.sample(tags, chance.randint(0, 3))
        if kind == "visible":
            PostFactory(tags=chosen, published_at=at)
        else:
            PostFactory(tags=chosen, **{kind: True})
    return tags


def test_the_post_is_loaded_as_the_orm_loads_it(shuffled_blog):
    for expected in Post.objects.published().for_detail():
        post = post_page.visible_post(expected.slug)
        assert post.get_deferred_fields() == expected.get_deferred_fields()
        assert _loaded(post, DETAIL_FIELDS) == _loaded(expected, DETAIL_FIELDS)
        assert sorted(post.tag_ids or []) == sorted(expected.tag_ids or [])
        assert post._state.adding is False
        assert post._state.db == "default"


def test_hidden_and_unknown_posts_are_not_found(shuffled_blog):
    hidden = Post.objects.exclude(pk__in=Post.objects.published())
    assert hidden.filter(status=Post.Status.DRAFT).exists()
    assert hidden.filter(published_at__gt=Now()).exists()
    for slug in [*hidden.values_list("slug", flat=True), "no-such-post"]:
        assert post_page.visible_post(slug) is None


def test_neighbours_walk_the_visible_order_through_ties(shuffled_blog):
    order = list(Post.objects.published().order_by("published_at", "id"))
    assert len({post.published_at for post in order}) < len(order)  # ties exist
    for i, post in enumerate(order):
        older, newer = post_page.neighbours(post)
        assert older == (order[i - 1] if i else None)
        assert newer == (order[i + 1] if i + 1 < len(order) else None)
        for link in (older, newer):
            if link is not None:
                assert link.get_deferred_fields() == (
                    Post.objects.only(*LINK_FIELDS)
                    .get(pk=link.pk)
                    .get_deferred_fields()
                )
                assert _loaded(link, LINK_FIELDS) == _loaded(
                    Post.objects.get(pk=link.pk), LINK_FIELDS
                )


def test_related_posts_are_the_orms_related_posts(shuffled_blog):
    for post in Post.objects.published():
        tags = set(post.tags.values_list("pk", flat=True))
        candidates = Post.objects.published().newest_first().prefetch_related("tags")
        expected = [
            other
            for other in candidates
            if other.pk != post.pk and tags & {tag.pk for tag in other.tags.all()}
        ][: post_page.RELATED_LIMIT]
        related = post_page.related(post)
        assert related == expected
        listed = Post.objects.for_listing().get(pk=post.pk)
        for loaded in related:
            assert loaded.get_deferred_fields() == listed.get_deferred_fields()
        for loaded, other in zip(related, expected, strict=True):
            assert _loaded(loaded, LISTING_FIELDS) == _loaded(other, LISTING_FIELDS)
            assert sorted(loaded.tag_ids) == sorted(t.pk for t in other.tags.all())


def test_a_statement_is_compiled_once_and_bound_on_every_run():
    first, second = PostFactory(), PostFactory()
    builds = []

    def build():
        builds.append(1)
        return Post.objects.filter(slug=Param("slug", models.CharField())).values_list(
            "id"
        )

    statement = Statement(build)
    assert statement.rows(slug=first.slug) == [(first.pk,)]
    assert statement.rows(slug=second.slug) == [(second.pk,)]
    assert statement.rows(slug="no-such-post") == []
    assert len(builds) == 1


def test_a_datetime_parameter_is_bound_as_the_orm_binds_it():
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    before = PostFactory(published_at=at - timedelta(seconds=1))
    PostFactory(published_at=at)
    statement = Statement(
        lambda: Post.objects.filter(
            published_at__lt=Param("at", models.DateTimeField())
        ).values_list("id", "published_at")
    )
    # Converted back to an aware datetime, as the ORM would return it.
    assert statement.rows(at=at) == [(before.pk, before.published_at)]


def test_instances_need_the_models_fields_in_order():
    with pytest.raises(ValueError, match="in its order"):
        instances(Post, ("title", "id"), [])
    with pytest.raises(ValueError, match="in its order"):
        instances(Post, ("id", "tag_ids", "title"), [])
    (post,) = instances(Post, ("id", "title", "tag_ids"), [(5, "A title", [1])])
    assert (post.pk, post.title, post.tag_ids) == (5, "A title", [1])
    assert post.get_deferred_fields() >= {"slug", "body"}


def test_a_hidden_posts_neighbours_are_visible_posts(shuffled_blog):
    # The preview shows a scheduled or draft post with the visible posts around it.
    newest = Post.objects.published().order_by("-published_at", "-id").first()
    scheduled = PostFactory(scheduled=True)
    assert post_page.neighbours(scheduled) == (newest, None)
    undated = PostFactory(draft=True)
    assert post_page.neighbours(undated) == (None, None)


def test_a_statement_must_select_what_it_orders_by():
    statement = Statement(
        lambda: Post.objects.distinct().order_by("title").values_list("slug")
    )
    with pytest.raises(ValueError, match="orders by"):
        statement.rows()


@pytest.mark.parametrize("limit", [20, 5])
def test_feed_posts_are_the_orms_newest_posts(shuffled_blog, settings, limit):
    from blog import feed_posts
    from blog.querysets import FEED_FIELDS

    settings.FEED_ITEMS = limit
    newest = Post.objects.published().for_feed().newest_first()
    for tag in [None, *shuffled_blog]:
        expected = list((newest if tag is None else newest.with_any_tag([tag]))[:limit])
        assert expected, "every tag has a visible post"
        posts = feed_posts.newest_posts(None if tag is None else "tag", tag)
        assert posts == expected
        for loaded, other in zip(posts, expected, strict=True):
            assert loaded.get_deferred_fields() == other.get_deferred_fields()
            assert _loaded(loaded, FEED_FIELDS) == _loaded(other, FEED_FIELDS)
            assert sorted(loaded.tag_ids or []) == sorted(other.tag_ids or [])
    assert len(feed_posts.newest_posts()) == min(limit, newest.count())
