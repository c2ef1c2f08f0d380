"""RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest visible posts, site-wide, per
tag and per author (the contract's "Feeds"), on Django's syndication framework.

The framework writes the XML; its documented hooks add what it leaves out: the full
content (`content:encoded`, Atom `content type="html"`, JSON Feed `content_html`),
`updated` on every entry, stable GUIDs (`urn:uuid:<post id>`) and the JSON Feed
generator. Text that XML 1.0 cannot carry (control characters) is dropped, so no
post can break a feed, and every relative URL in a post's HTML is made absolute
against `SITE_URL`: a feed reader has no page to resolve it against.
"""

from __future__ import annotations

import io
import re
from datetime import UTC
from urllib.parse import urljoin

import orjson
from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed
from django.utils.functional import cached_property
from django.views.decorators.csrf import csrf_exempt

from api.caching import public
from api.errors import json_error, moved_response, refuse_unsafe_method
from api.redirects import moved_location
from api.schema import PlainOperation, path_parameter
from api.surrogate import SurrogateKeys
from blog import derived, feed_posts
from blog.models import Post
from blog.public_urls import public_url
from blog.related import AUTHORS, RELATED
from blog.site import Site

# Outside XML 1.0's characters: C0 controls but tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_URL_ATTRIBUTE = re.compile(r'\b(href|src)="([^"]*)"')
_HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def xml_text(value: str | None) -> str:
    return _NOT_XML.sub("", value or "")


def absolute_html(html: str) -> str:
    """Relative `href`/`src` values made absolute against `SITE_URL` (left as they
    are when it is unset); fragments and URLs with a scheme are kept."""
    base = settings.SITE_URL
    if not base:
        return html

    def absolute(match: re.Match) -> str:
        name, value = match.groups()
        if not value or value.startswith("#") or _HAS_SCHEME.match(value):
            return match.group(0)
        return f'{name}="{urljoin(base.rstrip("/") + "/", value)}"'

    return _URL_ATTRIBUTE.sub(absolute, html)


class WrittenOnce:
    """Django's XML generators write every tag to the response: hundreds of small
    writes, each re-encoded and copied. Build the document in memory, write it once."""

    def write(self, outfile, encoding) -> None:
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


class RssWithContent(WrittenOnce, Rss201rev2Feed):
    content_type = "application/rss+xml; charset=utf-8"

    def rss_attributes(self) -> dict:
        attributes = super().rss_attributes()
        attributes["xmlns:content"] = "http://purl.org/rss/1.0/modules/content/"
        attributes["xmlns:dc"] = "http://purl.org/dc/elements/1.1/"
        return attributes

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)  # the first author as dc:creator
        for name in item["author_names"][1:]:
            handler.addQuickElement("dc:creator", name)
        handler.addQuickElement("content:encoded", item["content_html"])


class AtomWithContent(WrittenOnce, Atom1Feed):
    content_type = "application/atom+xml; charset=utf-8"

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, item)  # the first author
        for name in item["author_names"][1:]:
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")
        handler.addQuickElement("content", item["content_html"], {"type": "html"})


def _iso(moment) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


class JsonFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding) -> None:
        feed = self.feed
        document = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": feed["title"],
            "home_page_url": feed["link"],
            "feed_url": feed["feed_url"],
            "description": feed["description"],
            "language": feed["language"],
            "authors": [{"name": feed["author_name"]}] if feed["author_name"] else [],
            "items": [
                {
                    "id": item["unique_id"],
                    "url": item["link"],
                    "title": item["title"],
                    "summary": item["description"],
                    "content_html": item["content_html"],
                    "date_published": _iso(item["pubdate"]),
                    "date_modified": _iso(item["updateddate"]),
                    "authors": [{"name": name} for name in item["author_names"]],
                    "tags": list(item["categories"]),
                }
                for item in self.items
            ],
        }
        outfile.write(orjson.dumps(document).decode())


FORMATS = {"rss": RssWithContent, "atom": AtomWithContent, "json": JsonFeed}

_TEXT = {"type": "string"}
# Every key JsonFeed.write sends, always.
_JSON_FEED_REQUIRED = [
    "version", "title", "home_page_url", "feed_url", "description", "language",
    "authors", "items",
]  # fmt: skip
_JSON_FEED_ITEM_REQUIRED = [
    "id", "url", "title", "summary", "content_html", "date_published",
    "date_modified", "authors", "tags",
]  # fmt: skip
_TIME = {"type": "string", "format": "date-time"}
JSON_FEED_COMPONENTS = {
    "JsonFeed": {
        "type": "object",
        "description": "A JSON Feed 1.1 document (https://jsonfeed.org/version/1.1).",
        "required": _JSON_FEED_REQUIRED,
        "properties": {
            "version": {"type": "string", "enum": ["https://jsonfeed.org/version/1.1"]},
            "title": _TEXT,
            "home_page_url": {"type": "string", "format": "uri"},
            "feed_url": {"type": "string", "format": "uri"},
            "description": _TEXT,
            "language": _TEXT,
            "authors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": _TEXT},
                },
            },
            "items": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/JsonFeedItem"},
            },
        },
    },
    "JsonFeedItem": {
        "type": "object",
        "required": _JSON_FEED_ITEM_REQUIRED,
        "properties": {
            "id": {
                "type": "string",
                "description": "`urn:uuid:<post id>`: never changes.",
                "example": "urn:uuid:5f0c6a8e-3b1d-4c47-9a51-2f7e1c9d0b42",
            },
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The post's `public_url`, else its `url`.",
            },
            "title": _TEXT,
            "summary": _TEXT,
            "content_html": {
                "type": "string",
                "description": "The sanitised `body_html`, relative URLs made "
                "absolute against `SITE_URL`.",
            },
            "date_published": _TIME,
            "date_modified": _TIME,
            "authors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name"],
                    "properties": {"name": _TEXT},
                },
                "description": "The byline, in order.",
            },
            "tags": {"type": "array", "items": _TEXT, "description": "Tag names."},
        },
    },
}
JSON_FEED_REF = "#/components/schemas/JsonFeed"
_XML_DOCUMENT = {"type": "string", "description": "The XML document."}
_MEDIA = {
    "rss": ("RSS 2.0", "application/rss+xml", _XML_DOCUMENT),
    "atom": ("Atom 1.0", "application/atom+xml", _XML_DOCUMENT),
    "json": ("JSON Feed 1.1", "application/feed+json", {"$ref": JSON_FEED_REF}),
}


def feed_operation(format_name: str, kind: str | None) -> PlainOperation:
    """`kind`: None for the site's feed, `tag` or `author` for one of theirs."""
    label, media_type, schema = _MEDIA[format_name]
    whose = f"one {kind}'s" if kind else "the site's"
    return PlainOperation(
        operation_id=f"get{(kind or '').title()}{label.split()[0].title()}Feed",
        description=f"{label} of {whose} newest `FEED_ITEMS` (default 20) visible "
        "posts, with their full content; ETag, Last-Modified and 304 as on the JSON "
        "endpoints.",
        returns=f"The {label} document.",
        tag="feeds",
        media_type=media_type,
        schema=schema,
        parameters=(path_parameter("slug", f"The {kind}'s slug."),) if kind else (),
        components=JSON_FEED_COMPONENTS if format_name == "json" else {},
        not_found=f"No visible {kind} with this slug." if kind else None,
    )


def public_post_url(post: Post, request: HttpRequest) -> str:
    """The post's page on the front-end (`FRONTEND_POST_URL`), else its API URL."""
    found = public_url("post", post.slug)
    if found:
        return found
    return request.build_absolute_uri(
        reverse("api:post-detail", kwargs={"slug": post.slug})
    )


class PostFeed(Feed):
    """The newest `FEED_ITEMS` visible posts, full content, in one format; of one
    tag or author when the feed's `kind` is `tag` or `author`."""

    def __init__(self, format_name: str, kind: str | None, request: HttpRequest):
        # One per request: its methods read the request (absolute URLs).
        self.format_name = format_name
        self.feed_type = FORMATS[format_name]
        self.kind = kind
        self.request = request

    def get_object(self, request, *args, **kwargs):
        return kwargs.get("entry")

    def items(self, entry) -> list[Post]:
        return feed_posts.newest_posts(self.kind, entry)  # compiled once

    @cached_property
    def site(self) -> Site:
        """The site's settings: kept per content version, no query per feed."""
        return derived.site()

    def title(self, entry) -> str:
        name = xml_text(self.site.title)
        return name if entry is None else f"{name}: {xml_text(entry.name)}"

    def description(self, entry) -> str:
        own = (
            ""
            if entry is None
            else (entry.bio if self.kind == "author" else entry.description)
        )
        return xml_text(own or self.site.description)

    def link(self, entry) -> str:
        return settings.SITE_URL or self.request.build_absolute_uri(reverse("api:root"))

    def feed_url(self, entry) -> str:
        """`FEED_PUBLIC_URL` when its placeholders fit this feed (`{tag}` for a tag's,
        `{author}` for an author's, neither for the site's), else the request URL."""
        template = settings.FEED_PUBLIC_URL
        wanted = {f"{{{self.kind}}}"} if self.kind else set()
        present = {p for p in ("{tag}", "{author}") if p in template}
        if template and present == wanted:
            url = template.replace("{format}", self.format_name)
            return url.replace(f"{{{self.kind}}}", entry.slug) if self.kind else url
        return self.request.build_absolute_uri(self.request.path)

    def author_name(self, entry) -> str:
        if self.kind == "author":
            return xml_text(entry.name)
        return xml_text(self.site.title)

    def item_title(self, post: Post) -> str:
        return xml_text(post.title)

    def item_description(self, post: Post) -> str:
        return xml_text(post.summary)

    def item_link(self, post: Post) -> str:
        return public_post_url(post, self.request)

    def item_guid(self, post: Post) -> str:
        return f"urn:uuid:{post.uuid}"

    item_guid_is_permalink = False

    def item_pubdate(self, post: Post):
        return post.published_at

    def item_updateddate(self, post: Post):
        return max(post.updated_at, post.published_at)

    def item_author_name(self, post: Post) -> str | None:
        names = self._author_names(post)
        return names[0] if names else None

    def _author_names(self, post: Post) -> list[str]:
        directory = derived.directory(AUTHORS)
        return [xml_text(a.name) for a in directory.entries_for(post.author_ids)]

    def item_categories(self, post: Post) -> list[str]:
        directory = derived.directory(RELATED["tags"])
        return [xml_text(tag.name) for tag in directory.entries_for(post.tag_ids)]

    def item_extra_kwargs(self, post: Post) -> dict:
        return {
            "content_html": xml_text(absolute_html(post.body_html)),
            "author_names": self._author_names(post),
        }


def feed_view(format_name: str, kind: str | None):
    """A feed as a view of the API: GET and HEAD only, an unknown tag or author is
    the JSON 404, and the response cache, validators and surrogate keys apply."""
    related = RELATED[f"{kind}s"] if kind else None
    keys = ("posts",) if kind is None else ("posts", f"{kind}s")

    @csrf_exempt  # read-only: any other method is the JSON 405, not CSRF's 403
    def view(request: HttpRequest, slug: str | None = None) -> HttpResponse:
        refused = refuse_unsafe_method(request)
        if refused is not None:
            return refused
        entry = None
        if related is not None:
            counts = derived.visibility_counts(related)
            found = derived.directory(related).counted_one(slug, counts)
            if found is None:
                moved = moved_location(request, kind, slug)
                if moved is not None:
                    return moved_response(moved)
                return json_error(404, "Not found.")
            entry = found.entry
        feed = PostFeed(format_name, kind, request)
        return feed(request, entry=entry)

    view.http_cache = public(keys=SurrogateKeys(keys), negotiated=False)
    view.openapi = feed_operation(format_name, kind)
    return view
