"""What one post's page reads: the post, its neighbours, its related posts and the
images they show, all loaded before the serializer runs (`page()`).

Each is an ordinary queryset (`Post.objects.published()` and its adjectives)
compiled once (`blog.statements`): a post's page is the API's most requested
uncached read, and building these four querysets cost the ORM more than running
them cost the database.
"""

from __future__ import annotations

from functools import cache

from django.db import models

from blog import derived
from blog.statements import Param, Statement, instances, loaded_columns

RELATED_LIMIT = 3
LINK_FIELDS = ("uuid", "slug", "title", "published_at")


def _post_id() -> Param:
    return Param("post_id", models.BigIntegerField())


def _published_at() -> Param:
    return Param("published_at", models.DateTimeField())


def _visible() -> models.QuerySet:
    from blog.models import Post

    return Post.objects.published()


# Each statement loads what the ORM's own queryset for that use loads.
_SHAPES = {
    "detail": lambda: _visible().for_detail(),
    "link": lambda: _visible().only(*LINK_FIELDS),
    "listing": lambda: _visible().for_listing(),
}


@cache
def _columns(kind: str) -> tuple[str, ...]:
    return loaded_columns(_SHAPES[kind]())


# Each builds its queryset on first use, when the models are loaded.
DETAIL = Statement(
    lambda: (
        _SHAPES["detail"]()
        .filter(slug=Param("slug", models.CharField()))
        .order_by()
        .values_list(*_columns("detail"))
    )
)
OLDER = Statement(
    lambda: (
        _SHAPES["link"]()
        .older_than(_published_at(), _post_id())
        .values_list(*_columns("link"))[:1]
    )
)
NEWER = Statement(
    lambda: (
        _SHAPES["link"]()
        .newer_than(_published_at(), _post_id())
        .values_list(*_columns("link"))[:1]
    )
)
RELATED = Statement(
    lambda: (
        _SHAPES["listing"]()
        .related_to(_post_id())
        .values_list(*_columns("listing"))[:RELATED_LIMIT]
    )
)


def _posts(statement: Statement, kind: str, using: str, **values) -> list:
    from blog.models import Post

    return instances(Post, _columns(kind), statement.rows(using, **values), using)


def visible_post(slug: str, using: str | None = None):
    """The visible post with this slug, loaded as `published().for_detail()`
    would load it, or None."""
    found = _posts(DETAIL, "detail", using, slug=slug)
    return found[0] if found else None


def neighbours(post, using: str | None = None) -> tuple:
    """(next older, next newer) visible posts than `post`, None where there is
    none; each with its slug, title and date."""
    values = {"published_at": post.published_at, "post_id": post.pk}
    older = _posts(OLDER, "link", using, **values)
    newer = _posts(NEWER, "link", using, **values)
    return (older[0] if older else None, newer[0] if newer else None)


def related(post, using: str | None = None) -> list:
    """Up to three visible posts sharing a tag with `post`, newest first, loaded
    as `for_listing()` loads them."""
    return _posts(RELATED, "listing", using, post_id=post.pk)


def page(post, using: str | None = None):
    """`post` with everything its page shows besides itself loaded:
    `previous_post` and `next_post` (None at either end, and for an undated
    draft), `related_posts`, and every image these and its body show (one query,
    none when they show none). The `Post` serializers read only these."""
    from blog.images import attach

    if post.published_at is None:
        post.previous_post = post.next_post = None
    else:
        post.previous_post, post.next_post = neighbours(post, using)
    post.related_posts = related(post, using)
    attach(post.related_posts, body_of=post, kept=derived.IMAGES)
    return post
