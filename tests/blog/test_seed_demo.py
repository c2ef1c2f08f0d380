import re

import pytest
from django.core.management import call_command

from blog.models import Author, Image, Page, Post, Tag

pytestmark = pytest.mark.django_db


def test_the_demo_has_the_shape_of_the_tag_page():
    call_command("seed_demo")
    engineering = Tag.objects.with_post_counts().get(slug="engineering")
    assert engineering.post_count == 11
    assert Tag.objects.count() >= 3
    assert Post.objects.drafts().count() >= 2
    assert Post.objects.scheduled().count() >= 1
    for post in Post.objects.all():
        assert post.title
        assert post.summary
        assert re.search(r"^## ", post.body, re.MULTILINE), post.slug
        assert '<pre><code class="language-' in post.body_html, post.slug
        assert post.toc
        assert post.word_count > 100
        assert post.authors.exists(), post.slug
    assert Author.objects.count() == 2
    assert (
        Post.objects.filter(authors__slug="maya-okafor")
        .filter(authors__slug="lars-lindqvist")
        .exists()
    )  # a byline of two
    assert set(Page.objects.published().values_list("slug", flat=True)) == {
        "about", "uses",
    }  # fmt: skip


def test_seed_demo_is_idempotent():
    call_command("seed_demo")
    counts = (
        Post.objects.count(),
        Tag.objects.count(),
        Post.tags.through.objects.count(),
        Image.objects.count(),
        Post.authors.through.objects.count(),
        Page.objects.count(),
    )
    call_command("seed_demo")
    assert (
        Post.objects.count(),
        Tag.objects.count(),
        Post.tags.through.objects.count(),
        Image.objects.count(),
        Post.authors.through.objects.count(),
        Page.objects.count(),
    ) == counts


def test_every_demo_post_has_a_cover_drawn_at_seed_time():
    call_command("seed_demo")
    assert not Post.objects.filter(feature_image__isnull=True).exists()
    covers = Image.objects.all()
    assert 1 < covers.count() <= 6  # one per topic, reused
    for cover in covers:
        assert cover.alt
        assert (cover.width, cover.height) == (1280, 720)
        assert cover.status == Image.Status.READY  # IMAGE_PROCESSING=sync here


def test_seed_demo_leaves_an_editors_changes_alone():
    call_command("seed_demo")
    post = Post.objects.get(slug=Post.objects.first().slug)
    post.title = "Edited by a human"
    post.save()
    call_command("seed_demo")
    post.refresh_from_db()
    assert post.title == "Edited by a human"


def test_synthetic_mode_makes_posts_with_tags_and_derived_fields():
    call_command("seed_demo", posts=60, tags=8)
    assert Post.objects.count() == 60
    assert Tag.objects.count() == 8
    post = Post.objects.exclude(status="draft").first()
    assert 700 <= post.word_count <= 1400
    assert 1 <= post.tags.count() <= 4
    assert post.toc
    assert "<h2 id=" in post.body_html
    dates = Post.objects.published().values_list("published_at", flat=True)
    assert (max(dates) - min(dates)).days > 10


def test_synthetic_mode_is_deterministic_and_idempotent():
    call_command("seed_demo", posts=20, tags=5)
    first = list(Post.objects.order_by("slug").values_list("slug", "title", "body"))
    call_command("seed_demo", posts=20, tags=5)
    assert (
        list(Post.objects.order_by("slug").values_list("slug", "title", "body"))
        == first
    )
    assert Post.objects.count() == 20


@pytest.mark.postgres
def test_synthetic_posts_are_searchable():
    call_command("seed_demo", posts=10, tags=5)
    title_word = Post.objects.published().first().title.split()[0]
    assert Post.objects.matching(title_word).exists()
