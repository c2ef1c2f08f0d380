"""Content in its API shapes outside a request: what webhooks carry.

The serializers are the contract's one definition of each shape; here they run
against an offline request whose absolute URLs start at `API_PUBLIC_URL`, with a
tag directory read afresh (inside the change's transaction, so it sees the change).
"""

from __future__ import annotations

from django.conf import settings

from api import serializers
from blog.tags import TagDirectory


class OfflineRequest:
    """What the serializers read from a request, for content rendered by the
    worker or a signal handler."""

    versioning_scheme = None
    GET: dict = {}

    def __init__(self) -> None:
        self._tag_directory = TagDirectory.load()

    def build_absolute_uri(self, location: str) -> str:
        return settings.API_PUBLIC_URL.rstrip("/") + location


def post_shape(post, request: OfflineRequest | None = None) -> dict:
    """`Post` as readers get it from `/api/v1/posts/{slug}/`."""
    context = {"request": request or OfflineRequest()}
    return serializers.PostSerializer(post, context=context).data


def tag_shape(tag, request: OfflineRequest | None = None) -> dict:
    """`Tag`, with its count of visible posts."""
    from blog.models import Tag

    request = request or OfflineRequest()
    counts = Tag.objects.visible_post_counts()
    counted = request._tag_directory.counted_one(tag.slug, counts)
    return dict(serializers.TagSerializer(counted, context={"request": request}).data)
