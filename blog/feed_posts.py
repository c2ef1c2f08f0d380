"""What a feed reads: the newest visible posts, site-wide or of one tag or author.

The ordinary querysets (`Post.objects.published().for_feed()`), compiled once
(`blog.statements`): building them cost the ORM about a quarter of an uncached
feed's time.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import models

from blog.statements import Param, Statement, instances, loaded_columns


def _newest():
    from blog.models import Post

    return Post.objects.published().for_feed().newest_first()


@cache
def _columns() -> tuple[str, ...]:
    return loaded_columns(_newest())


# The feeds of one tag or author: the queryset adjective taking its id.
_OF = {"tag": "with_tag", "author": "with_author"}


@cache
def _statement(kind: str | None, limit: int) -> Statement:
    """One compiled statement per kind of feed and `FEED_ITEMS` (a slice is not a
    parameter)."""
    if kind is not None:
        adjective = _OF[kind]
        return Statement(
            lambda: getattr(_newest(), adjective)(
                Param("id", models.BigIntegerField())
            ).values_list(*_columns())[:limit]
        )
    return Statement(lambda: _newest().values_list(*_columns())[:limit])


def newest_posts(kind=None, entry=None, using: str | None = None) -> list:
    """The newest `FEED_ITEMS` visible posts (of the tag or author `entry`, when
    `kind` names one), loaded as `published().for_feed()` loads them."""
    from blog.models import Post

    limit = settings.FEED_ITEMS
    if kind is None:
        rows = _statement(None, limit).rows(using)
    else:
        rows = _statement(kind, limit).rows(using, id=entry.pk)
    return instances(Post, _columns(), rows, using)
