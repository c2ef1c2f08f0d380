"""Full-text search: a stored weighted tsvector on PostgreSQL, a substring elsewhere."""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet

SEARCH_CONFIG = "english"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def weighted_vector() -> SearchVector:
    """Title weighs most, then the summary, then the body."""
    return (
        SearchVector("title", weight="A", config=SEARCH_CONFIG)
        + SearchVector("summary", weight="B", config=SEARCH_CONFIG)
        + SearchVector("body", weight="C", config=SEARCH_CONFIG)
    )


def refresh_search_vectors(queryset: QuerySet) -> None:
    """Recompute the stored vector of these posts (one UPDATE; PostgreSQL only)."""
    if is_postgresql():
        queryset.update(search_vector=weighted_vector())


def indexable_part(query: str) -> str:
    """What of a web-search query the GIN index can look up (PostgreSQL's
    `querytree`): "" when nothing is left (only stop words: it matches nothing),
    "T" when no term is required (`-word`, `a or -b`: it matches nearly everything
    and the index cannot help), else the required terms."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT querytree(websearch_to_tsquery(%s::regconfig, %s))",
            [SEARCH_CONFIG, query],
        )
        return cursor.fetchone()[0]


def search_posts(queryset: QuerySet, query: str, ranked: bool = True) -> QuerySet:
    """Posts matching `query`. On PostgreSQL, ranked by relevance when `ranked`,
    except for a query that requires no term: ranking it would score every post
    for nothing, so it keeps the queryset's order (newest first), and a query of
    stop words only matches nothing without reading any post."""
    if not is_postgresql():
        return queryset.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(body__icontains=query)
        )
    required = indexable_part(query)
    if required == "":
        return queryset.none()
    search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    queryset = queryset.filter(search_vector=search)
    if ranked and required != "T":
        queryset = queryset.annotate(
            rank=SearchRank(F("search_vector"), search)
        ).order_by("-rank", "-published_at", "-id")
    return queryset
