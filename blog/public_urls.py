"""Where a post, tag, author or page lives: on the front-end (`public_url`) and in
this API (`api_url`)."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# The kind of resource -> the setting holding its page's URL template (`{slug}`).
TEMPLATES = {
    "post": "FRONTEND_POST_URL",
    "tag": "FRONTEND_TAG_URL",
    "author": "FRONTEND_AUTHOR_URL",
    "page": "FRONTEND_PAGE_URL",
}
# The API's detail view of each kind.
API_VIEWS = {
    "post": "api:post-detail",
    "page": "api:page-detail",
    "tag": "api:tag-detail",
    "author": "api:author-detail",
}
_PLACEHOLDER = "0slug0"


def template(kind: str) -> str:
    return getattr(settings, TEMPLATES[kind])


def public_url(kind: str, slug: str) -> str | None:
    """The resource's page on the front-end, or None when its template is unset."""
    found = template(kind)
    return found.replace("{slug}", slug) if found else None


def is_http_url(value: str | None) -> bool:
    return bool(value) and value.startswith(("https://", "http://"))


@lru_cache(maxsize=64)
def _api_path_template(kind: str, script_prefix: str, urlconf) -> tuple[str, str]:
    """The API path of `kind` around its slug (the root's for `site`): reversed
    once, not once per object."""
    if kind == "site":
        return reverse("api:root"), ""
    try:
        path = reverse(API_VIEWS[kind], kwargs={"slug": _PLACEHOLDER})
    except NoReverseMatch:  # a kind not routed (yet): the contract's path
        path = f"{reverse('api:root')}{kind}s/{_PLACEHOLDER}/"
    prefix, _, suffix = path.partition(_PLACEHOLDER)
    return prefix, suffix


def absolute(path: str, request=None) -> str:
    """`path` on this API's origin: the request's, else `API_PUBLIC_URL`."""
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.API_PUBLIC_URL.rstrip("/") + path


def api_url(kind: str, slug: str = "", request=None) -> str:
    """The absolute URL of the resource in this API; for the kind `site`, the API
    root."""
    prefix, suffix = _api_path_template(kind, get_script_prefix(), get_urlconf())
    return absolute(prefix if kind == "site" else f"{prefix}{slug}{suffix}", request)


def page_url(kind: str, slug: str, request=None) -> str:
    """Where readers find the resource: its `public_url` when that is an absolute
    http(s) URL, else its URL in this API."""
    found = public_url(kind, slug)
    return found if is_http_url(found) else api_url(kind, slug, request)
