"""The serializers' direct paths give exactly what DRF's field-by-field path gives
for the same declared fields."""

from datetime import datetime, timedelta, timezone

import pytest
from rest_framework import serializers as drf
from rest_framework.test import APIRequestFactory

from api.context import directory
from api.serializers import ImageRefSerializer, PostSerializer, PostSummarySerializer
from blog import post_page
from blog.models import Image, Post
from blog.related import AUTHORS, TAGS
from tests.factories import AuthorFactory, PostFactory, TagFactory, make_image

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


def _post_with_byline_and_cover(slug: str) -> Post:
    authors = [AuthorFactory(avatar=make_image()), AuthorFactory()]
    return PostFactory(slug=slug, feature_image=make_image(), authors=authors)


def _byline_and_cover_urls(rendered: dict) -> list[str]:
    """Every absolute URL of a post's summary: the post's, its cover's, each
    author's and the first author's avatar (six in all)."""
    return [
        rendered["url"],
        rendered["feature_image"]["url"],
        *(author["url"] for author in rendered["authors"]),
        rendered["primary_author"]["url"],
        rendered["primary_author"]["avatar"]["url"],
    ]


def test_the_shared_field_trees_read_each_render_its_own_request(settings):
    settings.ALLOWED_HOSTS = ["*"]
    # The field trees are built once per process; what they show of the request
    # (its host, in every absolute URL) must be this render's, never an earlier one's.
    post = _post_with_byline_and_cover("shared")
    factory = APIRequestFactory()
    shown = {}
    for host in ("one.example", "two.example", "one.example"):
        request = factory.get("/api/v1/posts/", HTTP_HOST=host)
        page = page_of(post)
        shown.setdefault(host, []).append(
            PostSerializer(page, context={"request": request}).data
        )
    for host, renders in shown.items():
        for rendered in renders:
            urls = _byline_and_cover_urls(rendered)
            assert len(urls) == 6
            assert all(url.startswith(f"http://{host}/") for url in urls), urls


def test_renders_in_other_threads_do_not_see_each_others_requests(settings):
    import threading

    settings.ALLOWED_HOSTS = ["*"]
    post = _post_with_byline_and_cover("threaded")
    factory = APIRequestFactory()
    page = page_of(post)
    requests = {}
    for n in range(4):
        host = f"host{n}.example"
        request = requests[host] = factory.get("/api/v1/posts/", HTTP_HOST=host)
        # Loaded here, so that the threads below need no database connection.
        for related in (AUTHORS, TAGS):
            directory(request, related)
    failures: list[str] = []
    done: list[str] = []
    barrier = threading.Barrier(4)

    def render(host: str) -> None:
        request = requests[host]
        barrier.wait()
        for _ in range(25):
            rendered = PostSummarySerializer(page, context={"request": request}).data
            wrong = [
                url
                for url in _byline_and_cover_urls(rendered)
                if not url.startswith(f"http://{host}/")
            ]
            if wrong:
                failures.append(f"{host}: {wrong}")
        done.append(host)

    threads = [threading.Thread(target=render, args=(host,)) for host in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(done) == 4
    assert failures == []


def test_a_shape_whose_fields_depend_on_more_than_its_class_is_refused():
    # The fast path builds a class's fields once per process: a serializer that
    # chose its fields per instance would be rendered with the first one's.
    with pytest.raises(TypeError, match="get_fields"):

        class PerInstance(PostSummarySerializer):
            def get_fields(self):
                return super().get_fields()
