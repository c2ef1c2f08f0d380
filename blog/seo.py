"""Search and social metadata (the contract's "SEO and social metadata"): the
fields editors may set on posts, pages, tags and authors (`SeoFields`), and the one
function that applies every fallback to them (`resolve`).

The site is taken as any object with `title`, `description`, `url`, `locale`,
`logo` and `default_social_image` (images or None): the site settings
(`blog.site.Site`, read once per content version by `blog.derived.site()`), or
`SiteDefaults` where there are none to read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models

from blog.images import media_url
from blog.json_ld import json_ld, site_home
from blog.public_urls import is_http_url, page_url

if TYPE_CHECKING:
    from blog.images import Image

# Ghost's limits for the same fields.
TITLE_MAX_LENGTH = 300
DESCRIPTION_MAX_LENGTH = 500
CANONICAL_URL_MAX_LENGTH = 2000
# What search results show before cutting (about 600 pixels of title; Google
# shows 150-160 characters of a description): the admin's counters warn past these.
RECOMMENDED_TITLE_LENGTH = 60
RECOMMENDED_DESCRIPTION_LENGTH = 155

KINDS = ("post", "page", "tag", "author", "site")
# Open Graph's type of each kind's page.
OPEN_GRAPH_TYPES = {"post": "article", "author": "profile"}

# --- Validation --------------------------------------------------------------------

# An HTML tag, closing tag, comment or doctype: "<" then a letter, "/" or "!".
_MARKUP = re.compile(r"<[A-Za-z/!]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _refuse_markup(value: str) -> None:
    found = _MARKUP.search(value)
    if found:
        raise ValidationError(
            "Plain text only: “%(markup)s” starts an HTML tag, which search engines "
            "and social networks would show as it is. Remove the markup (a “<” "
            "followed by a space is fine).",
            code="markup",
            params={"markup": value[found.start() : found.start() + 8]},
        )


def _refuse_control(value: str, pattern: re.Pattern) -> None:
    found = pattern.search(value)
    if found:
        raise ValidationError(
            "Remove the invisible control character U+%(code)04X at position "
            "%(position)d (often pasted in along with the text).",
            code="control_character",
            params={"code": ord(found.group()), "position": found.start() + 1},
        )


def validate_plain_line(value: str) -> None:
    """A title: plain text on one line (no HTML, no control characters)."""
    _refuse_markup(value)
    _refuse_control(value, _CONTROL)


def validate_plain_text(value: str) -> None:
    """A description: plain text (no HTML, no control characters but line breaks
    and tabs)."""
    _refuse_markup(value)
    _refuse_control(value, _CONTROL_IN_TEXT)


_ABSOLUTE_HTTP_URL = URLValidator(
    schemes=["http", "https"],
    message="An absolute http(s) address, such as https://www.example.com/original/ "
    "(relative paths and other schemes are not accepted).",
)


def validate_canonical_url(value: str) -> None:
    _ABSOLUTE_HTTP_URL(value)


class SeoFields(models.Model):
    """What editors may set for search engines and social networks; every one may
    stay empty, and `resolve` then falls back to the content's own fields."""

    meta_title = models.CharField(
        max_length=TITLE_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_line],
        help_text="The title search engines show. Empty: the title (or name).",
    )
    meta_description = models.CharField(
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_text],
        help_text="The description search engines show. Empty: the summary (a "
        "tag's description, an author's bio).",
    )
    og_title = models.CharField(
        "Open Graph title",
        max_length=TITLE_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_line],
        help_text="For Facebook, LinkedIn, Slack... Empty: the meta title.",
    )
    og_description = models.CharField(
        "Open Graph description",
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_text],
        help_text="Empty: the meta description.",
    )
    og_image = models.ForeignKey(
        "blog.Image",
        verbose_name="Open Graph image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an image in use is not deleted
        related_name="%(app_label)s_%(class)s_og_images",
        help_text="Shown cropped to 1200x630 around its focal point. Empty: the "
        "feature image, else the site's default.",
    )
    twitter_title = models.CharField(
        "X (Twitter) title",
        max_length=TITLE_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_line],
        help_text="Empty: the meta title.",
    )
    twitter_description = models.CharField(
        "X (Twitter) description",
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        validators=[validate_plain_text],
        help_text="Empty: the meta description.",
    )
    twitter_image = models.ForeignKey(
        "blog.Image",
        verbose_name="X (Twitter) image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_twitter_images",
        help_text="Empty: the feature image, else the site's default.",
    )
    canonical_url = models.CharField(
        "canonical URL",
        max_length=CANONICAL_URL_MAX_LENGTH,
        blank=True,
        validators=[validate_canonical_url],
        help_text="Only for content first published elsewhere: the original's "
        "absolute address. Empty: this page's own.",
    )
    noindex = models.BooleanField(
        "hide from search engines",
        default=False,
        help_text="Asks search engines not to index the page (links on it are "
        "still followed) and leaves it out of the sitemaps.",
    )

    class Meta:
        abstract = True


SEO_FIELD_NAMES = (
    "meta_title", "meta_description", "og_title", "og_description", "og_image",
    "twitter_title", "twitter_description", "twitter_image", "canonical_url",
    "noindex",
)  # fmt: skip


# --- The site ------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteDefaults:
    """The site as the settings describe it (`SITE_TITLE`, `SITE_DESCRIPTION`,
    `SITE_URL`), with no images."""

    title: str
    description: str
    url: str
    locale: str = "en"
    logo: Image | None = None
    default_social_image: Image | None = None

    @classmethod
    def from_settings(cls) -> SiteDefaults:
        return cls(
            title=settings.SITE_TITLE,
            description=settings.SITE_DESCRIPTION,
            url=settings.SITE_URL,
        )


# --- Resolving ---------------------------------------------------------------------


def _text(obj, name: str) -> str:
    """An attribute as one line of text, its whitespace collapsed."""
    return " ".join(str(getattr(obj, name, "") or "").split())


def shorten(text: str, limit: int = DESCRIPTION_MAX_LENGTH) -> str:
    """At most `limit` characters, cut between words with an ellipsis (as result
    pages and cards roughly cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


# The content's own fields each fallback ends on, per kind.
_TITLE_SOURCES = {"post": "title", "page": "title", "tag": "name", "author": "name"}
_DESCRIPTION_SOURCES = {
    "post": "summary",
    "page": "summary",
    "tag": "description",
    "author": "bio",
}


def _content_images(kind: str, obj) -> list:
    """The content's own images an `og_image` or `twitter_image` falls back to, in
    order."""
    if kind in ("post", "page"):
        return [getattr(obj, "feature_image", None)]
    if kind == "author":
        return [getattr(obj, "cover_image", None), getattr(obj, "avatar", None)]
    return []


def social_image(image: Image | None, request=None) -> dict | None:
    """`{"url", "width", "height", "alt"}` of an image as social cards show it: its
    1200x630 crop once the worker made it, else the original."""
    if image is None:
        return None
    crop = image.social or {}
    if crop.get("name"):
        name, width, height = crop["name"], crop["width"], crop["height"]
    else:
        name, width, height = image.file, image.width, image.height
    return {
        "url": media_url(name, request),
        "width": width,
        "height": height,
        "alt": image.alt,
    }


def _first(*candidates):
    return next((found for found in candidates if found is not None), None)


def resolve(kind: str, obj, *, site, request=None, authors=None) -> dict[str, Any]:
    """`seo` for one post, page, tag, author or the site (then `obj` is the site),
    every fallback applied:

    - `title` <- `meta_title` <- the title (a tag's or author's name; the site's
      title); `description` <- `meta_description` <- the summary (a tag's
      description, an author's bio, the site's description; cut to 500
      characters between words when longer).
    - Open Graph and Twitter texts <- their own fields <- `title`, `description`.
    - Each image <- its own field (`og_image`, `twitter_image`) <- the feature
      image (an author's cover image, then avatar; a tag has none) <- the site's
      `default_social_image`; shown as its 1200x630 crop once made, else the
      original with its own size.
    - `canonical_url` <- the editor's `canonical_url` <- `public_url` <- the API
      URL (the site's: its `url`, else `SITE_URL`, else the API root). Every URL
      is absolute http(s): API and media URLs are on the request's origin, else
      `API_PUBLIC_URL`.
    - `robots.index` is false with `noindex`; `robots.follow` is always true.
    - Open Graph `type`: `article` for a post, `profile` for an author,
      `website` for the rest. Twitter `card`: `summary_large_image` with an
      image, else `summary`.
    - `json_ld`: see `blog.json_ld.json_ld` for each kind's type and keys.

    `authors` are a post's bylines in order (the API passes those it already
    holds); None reads them from the post (a query, unless prefetched).
    """
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}: one of {', '.join(KINDS)}.")
    if kind == "site":
        default_title = _text(site, "title")
        default_description = _text(site, "description")
    else:
        default_title = _text(obj, _TITLE_SOURCES[kind])
        default_description = _text(obj, _DESCRIPTION_SOURCES[kind])
    title = _text(obj, "meta_title") or default_title
    description = _text(obj, "meta_description") or shorten(default_description)

    canonical = _text(obj, "canonical_url")
    if not is_http_url(canonical):
        if kind == "site":
            canonical = site_home(site, request)
        else:
            canonical = page_url(kind, obj.slug or "", request)

    fallback_images = [
        *_content_images(kind, obj),
        getattr(site, "default_social_image", None),
    ]
    og_image = _first(getattr(obj, "og_image", None), *fallback_images)
    twitter_image = _first(getattr(obj, "twitter_image", None), *fallback_images)
    og_picture = social_image(og_image, request)
    twitter_picture = social_image(twitter_image, request)

    resolved = {
        "title": title,
        "description": description,
        "canonical_url": canonical,
        "robots": {"index": not getattr(obj, "noindex", False), "follow": True},
        "open_graph": {
            "type": OPEN_GRAPH_TYPES.get(kind, "website"),
            "title": _text(obj, "og_title") or title,
            "description": _text(obj, "og_description") or description,
            "url": canonical,
            "site_name": _text(site, "title"),
            "image": og_picture,
        },
        "twitter": {
            "card": "summary_large_image" if twitter_picture else "summary",
            "title": _text(obj, "twitter_title") or title,
            "description": _text(obj, "twitter_description") or description,
            "image": twitter_picture
            and {"url": twitter_picture["url"], "alt": twitter_picture["alt"]},
        },
    }
    if kind == "post" and authors is None:
        authors = bylines(obj)
    resolved["json_ld"] = json_ld(
        kind, obj, resolved, site=site, request=request, authors=authors or []
    )
    return resolved


def bylines(post) -> list:
    """A post's authors in byline order: prefetched ones as they are, else one
    query; none for a post not saved yet."""
    if post.pk is None:
        return []
    prefetched = getattr(post, "_prefetched_objects_cache", {})
    if "authors" in prefetched:
        return list(prefetched["authors"])
    return list(post.authors.order_by("postauthor__sort_order", "postauthor__id"))
