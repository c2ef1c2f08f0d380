"""Sitemaps of the front-end's pages (the contract's "Sitemaps"), on Django's sitemap
framework: an index, and a section per kind of page whose front-end template
(`FRONTEND_POST_URL`, `FRONTEND_TAG_URL`, `FRONTEND_AUTHOR_URL`,
`FRONTEND_PAGE_URL`) is set, split every 50,000 URLs. Content hidden from search
engines (`noindex`) is left out of the sections and of the index's `lastmod` of its
own section (a `noindex` post still dates the tag and author pages that list it).

The site and the API do not share a host: each section's protocol and domain come
from its template (`get_protocol`/`get_domain`), its paths from the template with
the slug filled in. The index's `lastmod` of a section is one aggregate query.

The framework's index view writes the index. A section page is written here, from
the section's own paginator, `location` and `lastmod`: its template took 3.5 s for
a page of 50,000 URLs (the template engine's loop and `date` filter, and a model
instance per row), this writes the same `<urlset>` from plain rows in a tenth of it.
"""

from __future__ import annotations

from datetime import UTC
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.paginator import InvalidPage
from django.db.models import F, Max, Q
from django.db.models.functions import Greatest
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from api.caching import public
from api.errors import json_error, refuse_unsafe_method
from api.parameters import QueryParameters, positive_integer
from api.schema import PlainOperation, path_parameter
from api.surrogate import SurrogateKeys
from blog.models import Page, Post
from blog.related import AUTHORS, TAGS

URLS_PER_SITEMAP = 50_000


class FrontEndSitemap(Sitemap):
    limit = URLS_PER_SITEMAP
    setting = ""

    def template(self) -> str:
        return getattr(settings, self.setting)

    def get_protocol(self, protocol=None) -> str:
        return urlsplit(self.template()).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(self.template()).netloc

    def location(self, item) -> str:
        parts = urlsplit(self.template().replace("{slug}", item["slug"]))
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def lastmod(self, item):
        return item["changed"]

    def url(self, item) -> str:
        return f"{self.get_protocol()}://{self.get_domain()}{self.location(item)}"


class PostSitemap(FrontEndSitemap):
    setting = "FRONTEND_POST_URL"

    def items(self):
        return (
            Post.objects.published()
            .filter(noindex=False)
            .annotate(changed=Greatest(F("updated_at"), F("published_at")))
            .newest_first()
            .values("slug", "changed")
        )

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("changed"))["latest"]


class LinkedSitemap(FrontEndSitemap):
    """Tags (or authors) with a visible post, but not those hidden from search
    engines (`noindex`); their page changes when one of its posts does (a
    `noindex` post too: the page still lists it)."""

    related = TAGS

    def items(self):
        return (
            self.related.model.objects.filter(noindex=False)
            .annotate(
                changed=Max(
                    Greatest(F("posts__updated_at"), F("posts__published_at")),
                    filter=Q(posts__in=Post.objects.published()),
                )
            )
            .filter(changed__isnull=False)
            .order_by("name", "pk")
            .values("slug", "changed")
        )

    def get_latest_lastmod(self):
        linked = {f"{self.related.name}__noindex": False}  # linked, and indexed
        return (
            Post.objects.published()
            .filter(**linked)
            .aggregate(latest=Max(Greatest(F("updated_at"), F("published_at"))))
        )["latest"]


class TagSitemap(LinkedSitemap):
    setting = "FRONTEND_TAG_URL"
    related = TAGS


class AuthorSitemap(LinkedSitemap):
    setting = "FRONTEND_AUTHOR_URL"
    related = AUTHORS


class PageSitemap(FrontEndSitemap):
    setting = "FRONTEND_PAGE_URL"

    def items(self):
        return (
            Page.objects.published()
            .filter(noindex=False)
            .annotate(changed=Greatest(F("updated_at"), F("published_at")))
            .in_navigation_order()
            .values("slug", "changed")
        )

    def get_latest_lastmod(self):
        return self.items().aggregate(latest=Max("changed"))["latest"]


SECTIONS = {
    "posts": PostSitemap,
    "tags": TagSitemap,
    "authors": AuthorSitemap,
    "pages": PageSitemap,
}


def configured_sections() -> dict[str, Sitemap]:
    """The sections whose front-end template is set."""
    return {
        name: section()
        for name, section in SECTIONS.items()
        if getattr(settings, section.setting)
    }


def _xml(response: HttpResponse) -> HttpResponse:
    response["Content-Type"] = "application/xml; charset=utf-8"
    return response


@csrf_exempt  # read-only: any other method is the JSON 405, not CSRF's 403
def index(request: HttpRequest) -> HttpResponse:
    refused = refuse_unsafe_method(request)
    if refused is not None:
        return refused
    response = sitemap_views.index(
        request, configured_sections(), sitemap_url_name="api:sitemap-section"
    )
    response.render()
    return _xml(response)


@csrf_exempt
def section(request: HttpRequest, section: str) -> HttpResponse:
    refused = refuse_unsafe_method(request)
    if refused is not None:
        return refused
    sections = configured_sections()
    if section not in sections:
        return json_error(404, "Not found.")
    page = request.GET.get("p") or "1"  # an empty parameter is ignored, as elsewhere
    if not page.isascii() or not page.isdigit() or int(page) < 1:
        return json_error(
            400,
            "Invalid parameter.",
            [
                {
                    "parameter": "p",
                    "code": "invalid",
                    "detail": "A page number: 1, 2, 3 ...",
                }
            ],
        )
    sitemap = sections[section]
    try:
        items = sitemap.paginator.page(int(page)).object_list
    except InvalidPage:
        return json_error(404, f"Page {page} of this sitemap is empty.")
    return _xml(HttpResponse(urlset(sitemap, items)))


def _w3c(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def urlset(sitemap: FrontEndSitemap, items) -> str:
    """The sitemap protocol's `<urlset>` of `items`: each one's `loc` and `lastmod`
    (to the second, in UTC)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
    ]
    for item in items:
        parts.append(
            f"<url><loc>{escape(sitemap.url(item))}</loc>"
            f"<lastmod>{_w3c(sitemap.lastmod(item))}</lastmod></url>\n"
        )
    parts.append("</urlset>\n")
    return "".join(parts)


_XML = {"type": "string", "description": "The XML document."}
index.openapi = PlainOperation(
    operation_id="getSitemapIndex",
    description="A sitemap index (sitemaps.org protocol) of the sections whose "
    "front-end template is set (`FRONTEND_POST_URL`, `FRONTEND_TAG_URL`, "
    "`FRONTEND_AUTHOR_URL`, `FRONTEND_PAGE_URL`), each with "
    "the `lastmod` of its newest change; the posts section is split every 50,000 "
    "URLs (`?p=2`...).",
    returns="The sitemap index.",
    tag="sitemaps",
    media_type="application/xml",
    schema=_XML,
)
section.openapi = PlainOperation(
    operation_id="getSitemap",
    description="One page of a sitemap section: the front-end URL (`<loc>`) and last "
    "change (`<lastmod>`) of every visible post or tag, at most 50,000.",
    returns="The sitemap (a `<urlset>`).",
    tag="sitemaps",
    media_type="application/xml",
    schema=_XML,
    parameters=(
        path_parameter(
            "section", "The section.", {"type": "string", "enum": list(SECTIONS)}
        ),
        {
            "in": "query",
            "name": "p",
            "required": False,
            "description": "The page of the section, from 1.",
            "schema": {"type": "integer", "minimum": 1, "default": 1},
            "allowEmptyValue": True,  # the contract: an empty parameter is ignored
        },
    ),
    not_found="The section's front-end template is unset, or the page is past the "
    "last.",
)
index.http_cache = public(keys=SurrogateKeys(("sitemap",)), negotiated=False)
section.http_cache = public(
    QueryParameters(single=frozenset({"p"}), normalisers={"p": positive_integer(1)}),
    keys=SurrogateKeys(("sitemap",)),
    negotiated=False,
)
