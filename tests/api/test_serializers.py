"""The list serializer's direct path gives exactly what DRF's field-by-field path
gives for the same declared fields."""

from datetime import datetime, timedelta, timezone

import pytest
from rest_framework import serializers as drf
from rest_framework.test import APIRequestFactory

from api.serializers import PostSummarySerializer
from blog.models import Post
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_the_summary_fast_path_matches_drf_field_by_field():
    tags = [TagFactory(slug="zeta", name="Zeta"), TagFactory(slug="beta", name="Beta")]
    # An offset datetime: the output must still be UTC, whole seconds, with a Z.
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    PostFactory(slug="one", tags=tags, published_at=at, featured=True)
    PostFactory(slug="two", tags=[])
    request = APIRequestFactory().get("/api/v1/posts/")
    context = {"request": request}
    posts = Post.objects.published().for_listing().newest_first()

    for post in posts:
        serializer = PostSummarySerializer(context=context)
        fast = serializer.to_representation(post)
        generic = drf.Serializer.to_representation(serializer, post)
        assert fast == dict(generic)
        assert list(fast) == list(generic)  # same keys in the same order
    first = PostSummarySerializer(posts.get(slug="one"), context=context).data
    assert first["published_at"] == "2026-03-01T07:30:15Z"
    assert first["url"] == "http://testserver/api/v1/posts/one/"
    assert [tag["slug"] for tag in first["tags"]] == ["beta", "zeta"]
