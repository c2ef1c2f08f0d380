"""An old slug's detail paths answer 301 to the current ones (the contract's "Slug
changes"); `/api/v1/redirects/` lists them."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.urls import reverse

from api.caching import SENT_QUERY_ENVIRON
from api.errors import Moved
from blog import derived
from blog.public_urls import public_url
from blog.redirects import DETAIL_VIEWS


def moved_location(request: HttpRequest, kind: str, slug: str) -> str | None:
    """Where the old `slug` of a `kind` now lives: the request's own path with the
    slug replaced (so `/tags/old/posts/` leads to `/tags/new/posts/`), query string
    kept, absolute. None when the slug is no redirect readers may follow."""
    current = derived.redirects().get((kind, slug))
    if current is None:
        return None
    path = request.path.replace(f"/{kind}s/{slug}/", f"/{kind}s/{current}/", 1)
    meta = request.META
    query = meta.get(SENT_QUERY_ENVIRON, meta.get("QUERY_STRING", ""))
    return request.build_absolute_uri(path + (f"?{query}" if query else ""))


def not_found(request: HttpRequest, kind: str, slug: str):
    """The 404 of an unknown `slug`, or the 301 when it is an old one."""
    location = moved_location(request, kind, slug)
    if location is not None:
        raise Moved(location)
    raise Http404


def listing(request: HttpRequest) -> list[dict]:
    """Every redirect readers may follow, by kind and old slug."""
    views = DETAIL_VIEWS
    results = []
    for (kind, old), new in sorted(derived.redirects().items()):
        results.append(
            {
                "type": kind,
                "from": reverse(views[kind], kwargs={"slug": old}),
                "to": reverse(views[kind], kwargs={"slug": new}),
                "from_public": public_url(kind, old),
                "to_public": public_url(kind, new),
            }
        )
    return results
