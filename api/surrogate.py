"""Surrogate keys: which content each cacheable answer shows (the contract's
"Surrogate keys and CDN purges"), in the header `CACHE_TAG_HEADER` names.

A view declares its keys with its cache policy (`public(..., keys=...)`): the
collections it belongs to, and how to find the posts, tags and authors in what it
rendered. `blog.event_rules.surrogate_keys` names the same keys for each change, and
the worker purges them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings

# Over this many bytes (Varnish's default header limit is 8 KB, Fastly's and
# Cloudflare's 16 KB) a list keeps its collection keys only: they are purged with
# every change of what it lists.
HEADER_BUDGET = 7000


def _tags_of(post: dict) -> Iterator[str]:
    for tag in post.get("tags", ()):
        yield f"tag-{tag['id']}"


def _authors_of(post: dict) -> Iterator[str]:
    for author in post.get("authors", ()):
        yield f"author-{author['id']}"


def _post(post: dict) -> Iterator[str]:
    yield f"post-{post['id']}"
    yield from _tags_of(post)
    yield from _authors_of(post)


def post_page(data: dict) -> Iterator[str]:
    """A post, its neighbours (their links show their titles) and related posts."""
    yield from _post(data)
    for link in (data.get("previous"), data.get("next")):
        if link:
            yield f"post-{link['id']}"
    for related in data.get("related", ()):
        yield from _post(related)


def post_list(data: dict) -> Iterator[str]:
    for post in data.get("results", ()):
        yield from _post(post)


def tag(data: dict) -> Iterator[str]:
    yield f"tag-{data['id']}"


def tag_list(data: dict) -> Iterator[str]:
    for item in data.get("results", ()):
        yield f"tag-{item['id']}"


def page(data: dict) -> Iterator[str]:
    yield f"page-{data['id']}"


def page_list(data: dict) -> Iterator[str]:
    for item in data.get("results", ()):
        yield f"page-{item['id']}"


def author(data: dict) -> Iterator[str]:
    yield f"author-{data['id']}"


def author_list(data: dict) -> Iterator[str]:
    for item in data.get("results", ()):
        yield f"author-{item['id']}"


@dataclass(frozen=True)
class SurrogateKeys:
    """Collection keys every answer (errors included) carries, and the keys of
    what a successful answer shows."""

    collections: tuple[str, ...]
    shows: Callable[[dict], Iterable[str]] | None = None

    def for_answer(self, status: int, data) -> list[str]:
        keys = list(self.collections)
        if status == 200 and self.shows is not None and isinstance(data, dict):
            shown = list(dict.fromkeys(self.shows(data)))
            if len(header_value(keys + shown)) <= HEADER_BUDGET:
                keys += shown
        return list(dict.fromkeys(keys))


def header_name() -> str:
    return settings.CACHE_TAG_HEADER


def header_value(keys: list[str]) -> str:
    separator = "," if header_name().lower() == "cache-tag" else " "
    return separator.join(keys)


def annotate(response, keys: SurrogateKeys | None) -> None:
    """Set the header on a response about to be stored or sent."""
    name = header_name()
    if not name or keys is None:
        return
    data = getattr(response, "data", None)
    values = keys.for_answer(response.status_code, data)
    if values:
        response[name] = header_value(values)
