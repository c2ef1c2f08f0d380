"""Content in its API shapes outside a request: what webhooks carry.

The serializers are the contract's one definition of each shape; here they run
against an offline request whose absolute URLs start at `API_PUBLIC_URL`, with the
directories of tags and authors read afresh (inside the change's transaction, so
they see the change).
"""

from __future__ import annotations

from django.conf import settings

from api import serializers
from api.site import SiteSerializer
from blog import post_page
from blog.related import AUTHORS, RELATED, TAGS, Directory


class OfflineRequest:
    """What the serializers read from a request, for content rendered by the
    worker or a signal handler."""

    versioning_scheme = None
    GET: dict = {}

    def __init__(self, *, directories: bool = True) -> None:
        self._directories = (
            {name: Directory.load(related) for name, related in RELATED.items()}
            if directories
            else {}
        )

    def build_absolute_uri(self, location: str) -> str:
        return settings.API_PUBLIC_URL.rstrip("/") + location


def post_shape(post, request: OfflineRequest | None = None) -> dict:
    """`Post` as readers get it from `/api/v1/posts/{slug}/`."""
    context = {"request": request or OfflineRequest()}
    post_page.page(post, post._state.db)
    return serializers.PostSerializer(post, context=context).data


def tag_shape(tag, request: OfflineRequest | None = None) -> dict:
    """`Tag`, with its count of visible posts."""
    from blog.models import Tag

    request = request or OfflineRequest()
    counts = Tag.objects.visible_post_counts()
    counted = request._directories[TAGS.name].counted_one(tag.slug, counts)
    return dict(serializers.TagSerializer(counted, context={"request": request}).data)


def author_shape(author, request: OfflineRequest | None = None) -> dict | None:
    """`Author`, with its count of visible posts; None while it has none (readers
    do not see such an author)."""
    from blog.models import Author

    request = request or OfflineRequest()
    counts = Author.objects.filter(pk=author.pk).visible_post_counts()
    counted = request._directories[AUTHORS.name].counted_one(author.slug, counts)
    if counted is None:
        return None
    return dict(
        serializers.AuthorSerializer(counted, context={"request": request}).data
    )


def page_shape(page, request: OfflineRequest | None = None) -> dict:
    """`Page` as readers get it from `/api/v1/pages/{slug}/`."""
    from blog.models import Page

    page = Page.objects.using(page._state.db).for_detail().get(pk=page.pk)
    context = {"request": request or OfflineRequest()}
    return dict(serializers.PageSerializer(page, context=context).data)


def site_shape(site=None, request: OfflineRequest | None = None) -> dict:
    """`Site` as readers get it from `/api/v1/site/` (the row as stored now when
    `site` is None)."""
    from blog.site import Site

    site = site or Site.current()
    request = request or OfflineRequest(directories=False)  # it shows no tags
    return dict(SiteSerializer(site, context={"request": request}).data)
