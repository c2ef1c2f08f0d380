"""Where a post, tag, author or page lives on the front-end (`public_url`)."""

from __future__ import annotations

from django.conf import settings

# The kind of resource -> the setting holding its page's URL template (`{slug}`).
TEMPLATES = {
    "post": "FRONTEND_POST_URL",
    "tag": "FRONTEND_TAG_URL",
    "author": "FRONTEND_AUTHOR_URL",
    "page": "FRONTEND_PAGE_URL",
}


def template(kind: str) -> str:
    return getattr(settings, TEMPLATES[kind])


def public_url(kind: str, slug: str) -> str | None:
    """The resource's page on the front-end, or None when its template is unset."""
    found = template(kind)
    return found.replace("{slug}", slug) if found else None
