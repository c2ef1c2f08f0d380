"""Ghost's Content API (`/ghost/api/content/`, and `/ghost/api/v2|v3|v4/content/`)
over the same visible content, caching, versioning and surrogate keys as v1.

Each resource is browsed (`posts/`) and read by id (`posts/{id}/`) or slug
(`posts/slug/{slug}/`); `settings/` is browsed only. Every request needs a
Content API key (`?key=`, `blog.content_keys`). The parameters are Ghost's:
`include`, `fields`, `formats`, `filter` (`api.ghost.filters`), `limit` (default
15, `all` up to `GHOST_LIMIT_ALL_MAX`), `page` and `order`; the answers are Ghost's
envelopes, `{"posts": [...], "meta": {"pagination": {...}}}`, and its errors,
`{"errors": [{"message", "context", "type", ...}]}`.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from api.caching import public
from api.ghost import errors, shapes
from api.ghost.filters import FILTERS
from api.ghost.nql import FilterError
from api.parameters import QueryParameters
from api.renderers import render_json
from api.surrogate import SurrogateKeys
from blog import derived
from blog.models import Page, Post
from blog.related import AUTHORS, TAGS, Related

DEFAULT_LIMIT = 15
# What Ghost 5's Content API answers with; clients compare it with Accept-Version.
CONTENT_VERSION = "v5.0"
PARAMETERS = QueryParameters(
    single=frozenset(
        {"key", "include", "fields", "formats", "filter", "limit", "page", "order"}
    )
)
_ORDER = re.compile(r"\s*([a-z_]+)(?:\s+(asc|desc))?\s*", re.IGNORECASE)


# --- Parameters -----------------------------------------------------------------------


def _list(request: HttpRequest, name: str) -> list[str]:
    return [
        part.strip() for part in request.GET.get(name, "").split(",") if part.strip()
    ]


def _positive(request: HttpRequest, name: str, default: int) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 0 < int(raw) < 10**9:
        raise errors.validation(f"Validation (isInt) failed for {name}")
    return int(raw)


def _limit(request: HttpRequest) -> int | None:
    """The page size; None for `all`."""
    if request.GET.get("limit", "").strip().lower() == "all":
        return None
    return min(_positive(request, "limit", DEFAULT_LIMIT), settings.GHOST_LIMIT_ALL_MAX)


def _order(request: HttpRequest, allowed: dict[str, str], default: list[str]):
    """`order=published_at desc, title asc` as ORM orderings."""
    raw = request.GET.get("order", "").strip()
    if not raw:
        return default
    fields = []
    for part in raw.split(","):
        found = _ORDER.fullmatch(part)
        if found is None or found[1].lower() not in allowed:
            raise errors.bad_request(
                "Invalid order", f"Cannot order by '{part.strip()}'."
            )
        column = allowed[found[1].lower()]
        fields.append(f"-{column}" if (found[2] or "asc").lower() == "desc" else column)
    return fields


# --- Resources ----------------------------------------------------------------------


@dataclass(frozen=True)
class Resource:
    """One of Ghost's resources: its rows, how it orders, how one is shown."""

    name: str  # posts, pages, tags, authors
    singular: str  # the message of its 404: "Post not found."
    orders: dict[str, str]
    default_order: list[str]
    rows: Callable[[], object]
    show: Callable[..., dict]
    related: Related | None = None  # tags and authors: their directory
    tie_breaker: str = "-id"

    @property
    def kind(self) -> str:
        return self.name[:-1]


IMAGES = ("feature_image", "og_image", "twitter_image")


def _page_rows():
    return Page.objects.published().select_related(*IMAGES).only(*shapes.WRITING_FIELDS)


def _post_rows():
    rows = Post.objects.published().select_related(*IMAGES)
    return rows.only(*shapes.POST_FIELDS).with_link_ids()


WRITING_ORDERS = {
    "published_at": "published_at",
    "updated_at": "updated_at",
    "created_at": "created_at",
    "title": "title",
    "slug": "slug",
    "featured": "featured",
}
LINKED_ORDERS = {"name": "name", "slug": "slug"}


class Answer:
    """Builds one request's objects, sharing the directories and the shapes of the
    tags and authors it shows many times."""

    def __init__(self, request: HttpRequest, resource: Resource) -> None:
        self.request = request
        self.resource = resource
        self.include = set(_list(request, "include"))
        self.formats = set(_list(request, "formats")) or {"html"}
        self._linked: dict[tuple[str, int], dict] = {}
        self._directories: dict[str, object] = {}

    def directory(self, related: Related):
        found = self._directories.get(related.name)
        if found is None:
            found = self._directories[related.name] = derived.directory(related)
        return found

    def linked(self, related: Related, ids) -> list[dict]:
        directory = self.directory(related)
        show = shapes.tag if related is TAGS else shapes.author
        found = []
        for entry in directory.entries_for(ids):
            key = (related.name, entry.pk)
            if key not in self._linked:
                self._linked[key] = show(entry, self.request)
            found.append(self._linked[key])
        return found

    def show(self, obj) -> dict:
        resource = self.resource
        if resource.related is not None:
            count = None
            if "count.posts" in self.include:
                counts = derived.visible_post_counts(resource.related)
                count = counts.get(obj.pk, 0)
            return resource.show(obj, self.request, count)
        tags = authors = None
        if resource.name == "posts":
            if "tags" in self.include:
                tags = self.linked(TAGS, obj.tag_ids)
            if "authors" in self.include:
                authors = self.linked(AUTHORS, obj.author_ids)
        return resource.show(
            obj, resource.kind, self.request, formats=self.formats, tags=tags,
            authors=authors,
        )  # fmt: skip

    def fields(self, shape: dict) -> dict:
        wanted = _list(self.request, "fields")
        if not wanted:
            return shape
        return {name: shape[name] for name in wanted if name in shape}


def _linked_rows(related: Related):
    def rows():
        return related.model.objects.seen_by_readers()

    return rows


RESOURCES = {
    "posts": Resource(
        "posts", "Post", WRITING_ORDERS, ["-published_at"], _post_rows,
        shapes.writing,
    ),
    "pages": Resource(
        "pages", "Page", WRITING_ORDERS, ["-published_at"],
        _page_rows, shapes.writing,
    ),
    "tags": Resource(
        "tags", "Tag", LINKED_ORDERS, ["name"], _linked_rows(TAGS),
        shapes.tag, TAGS, "id",
    ),
    "authors": Resource(
        "authors", "Author", LINKED_ORDERS, ["name"], _linked_rows(AUTHORS),
        shapes.author, AUTHORS, "id",
    ),
}  # fmt: skip


def _entries(resource: Resource, rows) -> list:
    """Tags and authors as the directory holds them (their images loaded), in the
    order of `rows`' ids."""
    by_id = derived.directory(resource.related).by_id
    return [by_id[pk] for pk in rows.values_list("pk", flat=True) if pk in by_id]


def _filtered(request: HttpRequest, resource: Resource):
    rows = resource.rows()
    text = request.GET.get("filter", "").strip()
    if text:
        try:
            rows = FILTERS[resource.name](derived.directory).apply(rows, text)
        except FilterError as error:
            raise errors.bad_filter(str(error)) from None
    return rows


def browse(request: HttpRequest, resource: Resource) -> dict:
    rows = _filtered(request, resource)
    # The tie-breaker last, so pages never overlap.
    order = _order(request, resource.orders, resource.default_order)
    rows = rows.order_by(*order, resource.tie_breaker)
    total = derived.count(rows)
    limit = _limit(request)
    page = _positive(request, "page", 1)
    cap = settings.GHOST_LIMIT_ALL_MAX
    size = min(total, cap) if limit is None else limit
    shown_limit: int | str = "all" if limit is None and total <= cap else max(size, 1)
    size = max(size, 1)
    start = (page - 1) * size
    chunk = rows[start : start + size]
    found = _entries(resource, chunk) if resource.related else list(chunk)
    answer = Answer(request, resource)
    pages = max(1, math.ceil(total / size)) if total else 1
    return {
        resource.name: [answer.fields(answer.show(obj)) for obj in found],
        "meta": {
            "pagination": {
                "page": page,
                "limit": shown_limit,
                "pages": pages,
                "total": total,
                "next": page + 1 if page < pages else None,
                "prev": page - 1 if page > 1 else None,
            }
        },
    }


def read(request: HttpRequest, resource: Resource, *, by: str, value: str) -> dict:
    rows = resource.rows()
    if by == "id":
        try:
            rows = rows.filter(uuid=uuid.UUID(value))
        except ValueError:
            rows = rows.none()
    else:
        rows = rows.filter(slug=value)
    found = _entries(resource, rows) if resource.related else list(rows[:1])
    if not found:
        raise errors.not_found(f"{resource.singular} not found.")
    answer = Answer(request, resource)
    return {resource.name: [answer.fields(answer.show(found[0]))]}


def settings_of(request: HttpRequest) -> dict:
    site = derived.site()
    return {
        "settings": shapes.settings(site, request, site_url=settings.SITE_URL or None),
        "meta": {},
    }


# --- Views -------------------------------------------------------------------------


def respond(data: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(
        render_json(data), status=status, content_type="application/json; charset=utf-8"
    )
    response.data = data  # the surrogate keys are read from it (api.surrogate)
    response["Content-Version"] = CONTENT_VERSION
    return response


def _shows(name: str):
    def shows(data: dict):
        for item in data.get(name, ()):
            yield f"{name[:-1]}-{item['id']}" if "id" in item else name
            for linked in ("tags", "authors"):
                for entry in item.get(linked) or ():
                    if "id" in entry:
                        yield f"{linked[:-1]}-{entry['id']}"

    return shows


def _policy(collections: tuple[str, ...], shows=None):
    return public(
        PARAMETERS,
        keys=SurrogateKeys(collections, shows),
        negotiated=False,
        max_age=settings.GHOST_CACHE_MAX_AGE,
    )


def _view(answer: Callable[..., dict], policy):
    @csrf_exempt
    def view(request: HttpRequest, **kwargs) -> HttpResponse:
        try:
            if request.method not in ("GET", "HEAD"):
                raise errors.not_found("Resource not found")
            errors.authenticate(request)
            return respond(answer(request, **kwargs))
        except errors.GhostError as error:
            return error.response(respond)

    view.http_cache = policy
    return view


def browse_view(name: str):
    resource = RESOURCES[name]
    return _view(
        lambda request: browse(request, resource), _policy((name,), _shows(name))
    )


def read_view(name: str, by: str):
    resource = RESOURCES[name]
    return _view(
        lambda request, value: read(request, resource, by=by, value=value),
        _policy((name,), _shows(name)),
    )


settings_view = _view(settings_of, _policy(("site",)))


@csrf_exempt
def unknown(request: HttpRequest, **kwargs) -> HttpResponse:
    return errors.not_found("Resource not found").response(respond)


unknown.http_cache = _policy(())
