"""The writing index (`/api/v1/index/`): every visible post, compact, ready for JSON."""

from __future__ import annotations

from blog import derived
from blog.expressions import UTCTimestampText
from blog.querysets import INDEX_ENTRY_COLUMNS
from blog.related import AUTHORS, TAGS


def index_entries(posts) -> list[dict]:
    """`{slug, title, summary, published_at, tags, authors}` for every post of the
    queryset `posts`, newest first.

    At most three flat queries, all index-only on PostgreSQL (with the
    `random_page_cost` `config/settings.py` sets): the posts (dates formatted by
    the database) and every tag and byline link as a pair of ids
    (`post_author_in_order` keeps the bylines in order); the directories turn ids
    into slugs (tags in name order, authors in byline order). The slugs are kept
    for the content version (`derived.slugs_by_post`): once read, the index is one
    query. No bodies, no model instances, no datetime objects (ten thousand of
    those cost more than the queries).
    """
    tags = derived.slugs_by_post(TAGS)
    authors = derived.slugs_by_post(AUTHORS)
    rows = (
        posts.newest_first()
        .annotate(published=UTCTimestampText("published_at"))
        .values_list("id", *INDEX_ENTRY_COLUMNS, "published")
    )
    return [
        {
            "slug": slug,
            "title": title,
            "summary": summary,
            "published_at": published,
            "tags": tags.get(post_id, []),
            "authors": authors.get(post_id, []),
        }
        for post_id, slug, title, summary, published in rows
    ]
