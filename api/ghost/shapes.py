"""Ghost's Content API objects (posts, pages, tags, authors, settings), with Ghost's
field names and types, built from what the v1 API shows (the same rows, the same
sanitised HTML, the same image URLs).

What Ghost has and this blog does not is sent as Ghost sends an unset field: null
(`codeinjection_head`, `custom_template`, `accent_color`, ...), with `visibility`
"public", `access` true and `comments` false, since every reader sees everything.
The editor's SEO fields are sent as entered (null when empty), as Ghost's API does;
the resolved fallbacks are v1's `seo`.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

from blog.images import Image, media_url
from blog.link_lists import profile_handle
from blog.public_urls import page_url

EXCERPT_LENGTH = 500
_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|pre|blockquote|figure|tr)>")
_BR = re.compile(r"<br\s*/?>")


def timestamp(value: datetime | None) -> str | None:
    """Ghost's form: `2019-01-30T15:19:14.000+00:00`."""
    if value is None:
        return None
    value = value.astimezone(UTC)
    return (
        value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}+00:00"
    )


def plaintext(body_html: str) -> str:
    """The text of sanitised HTML (Ghost's `plaintext`): a block a paragraph, one
    blank line between them, each line stripped. (Spaces inside a line are kept:
    collapsing them cost more than the rest of the conversion, for text that
    rendered Markdown seldom has.)"""
    text = _BR.sub("\n", _BLOCK_END.sub("\n\n", body_html))
    text = html.unescape(_TAG.sub("", text))
    lines: list[str] = []
    for line in text.split("\n"):
        line = line.strip()
        if line or (lines and lines[-1]):
            lines.append(line)
    return "\n".join(lines).strip()


def _or_none(value) -> str | None:
    return value or None


def _image_url(image: Image | None, request) -> str | None:
    return None if image is None else media_url(image.file, request)


def _seo(obj, request) -> dict:
    return {
        "og_image": _image_url(obj.og_image, request),
        "og_title": _or_none(obj.og_title),
        "og_description": _or_none(obj.og_description),
        "twitter_image": _image_url(obj.twitter_image, request),
        "twitter_title": _or_none(obj.twitter_title),
        "twitter_description": _or_none(obj.twitter_description),
        "meta_title": _or_none(obj.meta_title),
        "meta_description": _or_none(obj.meta_description),
        "canonical_url": _or_none(obj.canonical_url),
    }


def tag(entry, request, count: int | None = None) -> dict:
    shape = {
        "id": str(entry.uuid),
        "name": entry.name,
        "slug": entry.slug,
        "description": _or_none(entry.description),
        "feature_image": None,
        "visibility": "public",
        **_seo(entry, request),
        "codeinjection_head": None,
        "codeinjection_foot": None,
        "accent_color": None,
        "url": page_url("tag", entry.slug, request),
    }
    if count is not None:
        shape["count"] = {"posts": count}
    return shape


def author(entry, request, count: int | None = None) -> dict:
    shape = {
        "id": str(entry.uuid),
        "name": entry.name,
        "slug": entry.slug,
        "profile_image": _image_url(entry.avatar, request),
        "cover_image": _image_url(entry.cover_image, request),
        "bio": _or_none(entry.bio),
        "website": _or_none(entry.website),
        "location": _or_none(entry.location),
        "facebook": profile_handle(entry.links, "facebook"),
        "twitter": profile_handle(entry.links, "x"),
        "meta_title": _or_none(entry.meta_title),
        "meta_description": _or_none(entry.meta_description),
        "url": page_url("author", entry.slug, request),
    }
    if count is not None:
        shape["count"] = {"posts": count}
    return shape


SEO_TEXT_FIELDS = (
    "og_title", "og_description", "twitter_title", "twitter_description",
    "meta_title", "meta_description", "canonical_url",
)  # fmt: skip
# What `writing` reads of a post or page, and of the images it joins: the rows are
# loaded with exactly these (`Model.objects.only(*WRITING_FIELDS)`).
WRITING_FIELDS = (
    "uuid", "title", "slug", "body_html", "summary", "created_at", "updated_at",
    "published_at", "reading_time_minutes", *SEO_TEXT_FIELDS,
    "feature_image__file", "feature_image__alt", "feature_image__caption",
    "og_image__file", "twitter_image__file",
)  # fmt: skip
POST_FIELDS = (*WRITING_FIELDS, "featured")


def writing(obj, kind: str, request, *, formats: set[str], tags=None, authors=None):
    """A post (`kind` "post") or page, with its tags and authors when given (lists
    of shapes: `include`)."""
    cover = obj.feature_image
    text = (
        plaintext(obj.body_html) if ("plaintext" in formats or not obj.summary) else ""
    )
    shape = {
        "id": str(obj.uuid),
        "uuid": str(obj.uuid),
        "title": obj.title,
        "slug": obj.slug,
    }
    if "html" in formats:
        shape["html"] = obj.body_html
    if "plaintext" in formats:
        shape["plaintext"] = text
    shape.update(
        {
            "comment_id": str(obj.uuid),
            "feature_image": _image_url(cover, request),
            "feature_image_alt": _or_none(cover.alt) if cover else None,
            "feature_image_caption": _or_none(cover.caption) if cover else None,
            "featured": bool(getattr(obj, "featured", False)),
            "visibility": "public",
            "created_at": timestamp(obj.created_at),
            "updated_at": timestamp(obj.updated_at),
            "published_at": timestamp(obj.published_at),
            "custom_excerpt": _or_none(obj.summary),
            "codeinjection_head": None,
            "codeinjection_foot": None,
            "custom_template": None,
            **_seo(obj, request),
            "email_subject": None,
            "frontmatter": None,
            "url": page_url(kind, obj.slug, request),
            "excerpt": obj.summary or text[:EXCERPT_LENGTH],
            "reading_time": obj.reading_time_minutes,
            "access": True,
            "comments": False,
        }
    )
    if tags is not None:
        shape["tags"] = tags
        shape["primary_tag"] = tags[0] if tags else None
    if authors is not None:
        shape["authors"] = authors
        shape["primary_author"] = authors[0] if authors else None
    return shape


def settings(site, request, *, site_url: str | None) -> dict:
    navigation = [
        {"label": item.get("label", ""), "url": item.get("url", "")}
        for item in site.navigation or ()
    ]
    return {
        "title": site.title,
        "description": site.description,
        "logo": _image_url(site.logo, request),
        "icon": _image_url(site.icon, request),
        "accent_color": None,
        "cover_image": None,
        "facebook": profile_handle(site.links, "facebook"),
        "twitter": profile_handle(site.links, "x"),
        "lang": site.locale,
        "locale": site.locale,
        "timezone": "Etc/UTC",
        "codeinjection_head": None,
        "codeinjection_foot": None,
        "navigation": navigation,
        "secondary_navigation": [],
        "meta_title": None,
        "meta_description": None,
        "og_image": _image_url(site.default_social_image, request),
        "og_title": None,
        "og_description": None,
        "twitter_image": _image_url(site.default_social_image, request),
        "twitter_title": None,
        "twitter_description": None,
        "members_support_address": None,
        "url": site_url,
    }
