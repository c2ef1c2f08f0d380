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


def search_posts(queryset: QuerySet, query: str, ranked: bool = True) -> QuerySet:
    if not is_postgresql():
        return queryset.filter(
            Q(title__icontains=query)
            | Q(summary__icontains=query)
            | Q(body__icontains=query)
        )
    search = SearchQuery(query, search_type="websearch", config=SEARCH_CONFIG)
    queryset = queryset.filter(search_vector=search)
    if ranked:
        queryset = queryset.annotate(
            rank=SearchRank(F("search_vector"), search)
        ).order_by("-rank", "-published_at", "-id")
    return queryset
