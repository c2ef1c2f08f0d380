"""Structured data (schema.org JSON-LD) for a post, page, tag, author or the site,
built from its resolved `seo` (`blog.seo.resolve`), so that it repeats the same
title, description, canonical URL and image.

Every object is plain JSON (strings, numbers, lists, dicts) with `@context` and
`@type`; `REQUIRED_KEYS` names the keys each type always has. Optional keys are
left out rather than sent empty: `datePublished` / `dateModified` while there is
no such date (an undated draft's preview), `image` when there is none,
`publisher.logo` while the site has no logo, `mainEntity.image` for an author
without an avatar.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings

from blog.images import media_url
from blog.public_urls import api_url, is_http_url, page_url

CONTEXT = "https://schema.org"
TYPES = {
    "post": "BlogPosting",
    "page": "WebPage",
    "tag": "CollectionPage",
    "author": "ProfilePage",
    "site": "WebSite",
}
_COMMON = {"@context", "@type", "url", "description"}
REQUIRED_KEYS = {
    # author: [Person {"@type", "name", "url"}] in byline order; publisher:
    # Organization {"@type", "name"} (and "logo" once the site has one);
    # mainEntityOfPage: WebPage {"@type", "@id"}.
    "BlogPosting": _COMMON | {"headline", "author", "publisher", "mainEntityOfPage"},
    # isPartOf: WebSite {"@type", "name", "url"}.
    "WebPage": _COMMON | {"name", "headline", "isPartOf"},
    "CollectionPage": _COMMON | {"name", "isPartOf"},
    # mainEntity: Person {"@type", "name", "description", "url", "sameAs"}.
    "ProfilePage": _COMMON | {"name", "mainEntity", "isPartOf"},
    "WebSite": _COMMON | {"name", "inLanguage"},
}


def _timestamp(value: datetime | None) -> str | None:
    return (
        None if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def _image_object(picture: dict | None) -> dict | None:
    """A resolved `{"url", "width", "height", ...}` as a schema.org ImageObject."""
    if not picture:
        return None
    return {
        "@type": "ImageObject",
        "url": picture["url"],
        "width": picture["width"],
        "height": picture["height"],
    }


def _original(image, request) -> dict | None:
    """A library image as it was uploaded (a logo, an avatar: never cropped)."""
    if image is None:
        return None
    return _image_object(
        {
            "url": media_url(image.file, request),
            "width": image.width,
            "height": image.height,
        }
    )


def site_home(site, request=None) -> str:
    """The site's address: its `url` (`SITE_URL` for a site object without one)
    when absolute, else the API root."""
    url = getattr(site, "url", None) or settings.SITE_URL
    return url if is_http_url(url) else api_url("site", request=request)


def _website(site, request) -> dict:
    return {"@type": "WebSite", "name": site.title, "url": site_home(site, request)}


def _person(author, request) -> dict:
    return {
        "@type": "Person",
        "name": author.name,
        "url": page_url("author", author.slug, request),
    }


def _without_empty(data: dict) -> dict:
    return {key: value for key, value in data.items() if value is not None}


def json_ld(kind: str, obj, seo: dict, *, site, request=None, authors=()) -> dict:
    """The JSON-LD of `obj` (see `REQUIRED_KEYS` for each type's keys)."""
    base = {
        "@context": CONTEXT,
        "@type": TYPES[kind],
        "url": seo["canonical_url"],
        "description": seo["description"],
    }
    image = _image_object(seo["open_graph"]["image"])
    if kind == "post":
        publisher = _without_empty(
            {
                "@type": "Organization",
                "name": site.title,
                "logo": _original(getattr(site, "logo", None), request),
            }
        )
        return _without_empty(
            {
                **base,
                "headline": seo["title"],
                "datePublished": _timestamp(obj.published_at),
                "dateModified": _timestamp(obj.updated_at or obj.published_at),
                "author": [_person(author, request) for author in authors],
                "image": image,
                "mainEntityOfPage": {"@type": "WebPage", "@id": seo["canonical_url"]},
                "publisher": publisher,
            }
        )
    if kind == "page":
        return _without_empty(
            {
                **base,
                "name": seo["title"],
                "headline": seo["title"],
                "datePublished": _timestamp(getattr(obj, "published_at", None)),
                "dateModified": _timestamp(getattr(obj, "updated_at", None)),
                "image": image,
                "isPartOf": _website(site, request),
            }
        )
    if kind == "tag":
        return _without_empty(
            {
                **base,
                "name": seo["title"],
                "image": image,
                "isPartOf": _website(site, request),
            }
        )
    if kind == "author":
        website = getattr(obj, "website", "") or ""
        same_as = [link["url"] for link in (getattr(obj, "links", None) or [])]
        if is_http_url(website):
            same_as.append(website)
        person = _without_empty(
            {
                "@type": "Person",
                "name": obj.name,
                "description": seo["description"],
                "url": seo["canonical_url"],
                "image": _original(getattr(obj, "avatar", None), request),
                "sameAs": list(dict.fromkeys(same_as)),
            }
        )
        return {
            **base,
            "name": seo["title"],
            "mainEntity": person,
            "isPartOf": _website(site, request),
        }
    locale = (getattr(site, "locale", "") or "en").replace("_", "-")
    return {**base, "name": seo["title"], "inLanguage": locale}
