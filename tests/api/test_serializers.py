"""The serializers' direct paths give exactly what DRF's field-by-field path gives
for the same declared fields."""

from datetime import datetime, timedelta, timezone

import pytest
from rest_framework import serializers as drf
from rest_framework.test import APIRequestFactory

from api.serializers import ImageRefSerializer, PostSerializer, PostSummarySerializer
from blog import post_page
from blog.models import Image, Post
from tests.factories import PostFactory, TagFactory, make_image

pytestmark = pytest.mark.django_db


def page_of(post):
    return post_page.page(post_page.visible_post(post.slug))


def test_the_summary_fast_path_matches_drf_field_by_field():
    tags = [TagFactory(slug="zeta", name="Zeta"), TagFactory(slug="beta", name="Beta")]
    # An offset datetime: the output must still be UTC, whole seconds, with a Z.
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    cover = make_image(alt="A cover", caption="Its caption")
    PostFactory(slug="one", tags=tags, published_at=at, featured=True)
    PostFactory(slug="two", tags=[], feature_image=cover)
    pending = make_image(alt="")
    Image.objects.filter(pk=pending.pk).update(
        status=Image.Status.PENDING, renditions=[], placeholder_data_uri=""
    )
    PostFactory(slug="three", feature_image=pending)
    request = APIRequestFactory().get("/api/v1/posts/")
    context = {"request": request}
    posts = Post.objects.published().for_listing().newest_first()

    compared_images = 0
    for post in posts:
        if post.feature_image_id:
            compared_images += 1
            image = post.feature_image
            fast_image = ImageRefSerializer(context=context).to_representation(image)
            assert fast_image == dict(
                drf.Serializer.to_representation(
                    ImageRefSerializer(context=context), image
                )
            )
        serializer = PostSummarySerializer(context=context)
        fast = serializer.to_representation(post)
        generic = drf.Serializer.to_representation(serializer, post)
        assert fast == dict(generic)
        assert list(fast) == list(generic)  # same keys in the same order
    assert compared_images == 2  # a ready image and a pending one
    first = PostSummarySerializer(posts.get(slug="one"), context=context).data
    assert first["published_at"] == "2026-03-01T07:30:15Z"
    assert first["url"] == "http://testserver/api/v1/posts/one/"
    assert [tag["slug"] for tag in first["tags"]] == ["beta", "zeta"]


def test_the_post_fast_path_matches_drf_field_by_field():
    tag = TagFactory(slug="ops", name="Ops")
    body = "## First\n\nText.\n\n### Deeper\n\nMore.\n\n## Second\n\nEnd.\n"
    images = [make_image(alt=f"Figure {n}", caption="A caption" * n) for n in range(2)]
    inline = f"\n\n![](image:{images[0].uuid})\n\nText ![x](image:{images[1].uuid})."
    posts = [
        PostFactory(tags=[tag], body=body + inline, feature_image=images[n % 2])
        for n in range(5)
    ]
    PostFactory(tags=[], body="No headings at all.")
    request = APIRequestFactory().get("/api/v1/posts/")
    context = {"request": request}

    compared = 0
    for listed in Post.objects.published():
        # Loaded twice: each path reads its own neighbours and related posts.
        fast_post = post_page.page(post_page.visible_post(listed.slug))
        generic_post = post_page.page(post_page.visible_post(listed.slug))
        serializer = PostSerializer(context=context)
        fast = serializer.to_representation(fast_post)
        generic = drf.Serializer.to_representation(serializer, generic_post)
        assert fast == dict(generic)
        assert list(fast) == list(generic)
        compared += 1
    assert compared == 6
    shown = PostSerializer(page_of(posts[0]), context=context).data
    assert [image["id"] for image in shown["images"]] == [
        str(image.uuid) for image in images
    ]
    assert shown["feature_image"]["srcset"]["image/avif"].endswith(" 640w")
    middle = PostSerializer(page_of(posts[2]), context=context).data
    assert [entry["level"] for entry in middle["toc"]] == [2, 3, 2]
    assert middle["previous"]["slug"] == posts[1].slug
    assert middle["next"]["slug"] == posts[3].slug
    assert [related["slug"] for related in middle["related"]] == [
        posts[4].slug,
        posts[3].slug,
        posts[1].slug,
    ]
