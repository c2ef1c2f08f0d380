"""What a feed reads: the newest visible posts, site-wide or of one tag.

The ordinary querysets (`Post.objects.published().for_feed()`), compiled once
(`blog.statements`): building them cost the ORM about a quarter of an uncached
feed's time.
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, models

from blog.statements import Param, Statement, instances, loaded_columns


def _newest():
    from blog.models import Post

    return Post.objects.published().for_feed().newest_first()


@cache
def _columns() -> tuple[str, ...]:
    return loaded_columns(_newest())


@cache
def _statement(tagged: bool, limit: int) -> Statement:
    """One compiled statement per shape and `FEED_ITEMS` (a slice is not a
    parameter)."""
    if tagged:
        return Statement(
            lambda: (
                _newest()
                .with_tag(Param("tag_id", models.BigIntegerField()))
                .values_list(*_columns())[:limit]
            )
        )
    return Statement(lambda: _newest().values_list(*_columns())[:limit])


def newest_posts(tag=None, using: str = DEFAULT_DB_ALIAS) -> list:
    """The newest `FEED_ITEMS` visible posts (of `tag`, when given), loaded as
    `published().for_feed()` loads them."""
    from blog.models import Post

    limit = settings.FEED_ITEMS
    if tag is None:
        rows = _statement(False, limit).rows(using)
    else:
        rows = _statement(True, limit).rows(using, tag_id=tag.id)
    return instances(Post, _columns(), rows, using)
