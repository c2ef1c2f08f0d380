from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from blog import post_page
from blog.models import Post, Tag
from blog.slugs import slug_from_text
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_published_excludes_drafts_and_future_posts():
    visible = PostFactory()
    PostFactory(draft=True)
    PostFactory(scheduled=True)
    assert list(Post.objects.published()) == [visible]


def test_a_scheduled_post_becomes_visible_once_its_time_has_passed():
    post = PostFactory(scheduled=True)
    assert not Post.objects.published().filter(pk=post.pk).exists()
    Post.objects.filter(pk=post.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert Post.objects.published().filter(pk=post.pk).exists()


def test_states_read_as_editors_expect():
    assert PostFactory(draft=True).state == "draft"
    assert PostFactory(scheduled=True).state == "scheduled"
    assert PostFactory().state == "published"


def test_publishing_without_a_date_stamps_now():
    before = timezone.now()
    post = Post.objects.create(title="Hello", status=Post.Status.PUBLISHED)
    assert before <= post.published_at <= timezone.now()


def test_a_blank_slug_is_made_from_the_title():
    post = Post.objects.create(title="Why Go? Because: binaries_and daemons!")
    assert post.slug == "why-go-because-binaries-and-daemons"


def test_slugs_made_from_titles_stay_unique():
    first = Post.objects.create(title="Same title")
    second = Post.objects.create(title="Same title")
    assert (first.slug, second.slug) == ("same-title", "same-title-2")


def test_a_title_with_no_latin_letters_still_gets_a_valid_slug():
    assert Post.objects.create(title="日本語").slug == "post"


@pytest.mark.parametrize(
    ("text", "slug"),
    [("Hello  World", "hello-world"), ("--a__b--", "a-b"), ("Ünïcode", "unicode")],
)
def test_slug_from_text_matches_the_slug_pattern(text, slug):
    assert slug_from_text(text) == slug


def test_unique_suffixes_keep_slugs_within_200_characters():
    title = ("word " * 40)[:200]
    first = Post.objects.create(title=title)
    second = Post.objects.create(title=title)
    assert len(first.slug) <= 200
    assert len(second.slug) <= 200
    assert second.slug.endswith("-2")


def test_the_database_rejects_a_duplicate_post_slug():
    PostFactory(slug="taken")
    with pytest.raises(IntegrityError), transaction.atomic():
        PostFactory(slug="taken")


@pytest.mark.parametrize("bad", ["Upper-Case", "double--hyphen", "-leading", "sp ace"])
def test_the_database_rejects_a_malformed_slug(bad):
    post = PostFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(slug=bad)


def test_the_database_rejects_a_published_post_without_a_date():
    post = PostFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(published_at=None)


def test_the_database_rejects_a_duplicate_tag_name_or_slug():
    TagFactory(name="Go", slug="go")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="Go", slug="golang")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="Golang", slug="go")


def test_a_tag_without_a_slug_gets_one_from_its_name():
    assert Tag.objects.create(name="Distributed Systems").slug == "distributed-systems"


def test_derived_fields_are_computed_on_save():
    post = PostFactory(body="## Intro\n\n" + "word " * 460)
    assert post.word_count == 461
    assert post.reading_time_minutes == 3
    assert post.toc == [{"level": 2, "id": "intro", "text": "Intro"}]
    assert '<h2 id="intro">Intro</h2>' in post.body_html


def test_derived_fields_follow_an_edit():
    post = PostFactory(body="## Old\n\nold words")
    post.body = "## New heading\n\nnew"
    post.save()
    post.refresh_from_db()
    assert post.toc == [{"level": 2, "id": "new-heading", "text": "New heading"}]
    assert "old" not in post.body_html


def test_tag_post_counts_count_visible_posts_only():
    tag = TagFactory()
    PostFactory(tags=[tag])
    PostFactory(tags=[tag], draft=True)
    PostFactory(tags=[tag], scheduled=True)
    assert Tag.objects.with_post_counts().get(pk=tag.pk).post_count == 1


def test_neighbours_and_related_ignore_hidden_posts():
    tag = TagFactory()
    older = PostFactory(tags=[tag])
    PostFactory(tags=[tag], draft=True)
    post = PostFactory(tags=[tag])
    PostFactory(tags=[tag], scheduled=True)
    post_page.page(post)
    assert post.previous_post == older
    assert post.next_post is None
    assert post.related_posts == [older]


def test_a_post_loads_no_page_by_itself():
    """Neighbours and related posts are loaded before serializing (`post_page.page`),
    never by reading an attribute while a serializer renders."""
    post = PostFactory()
    for name in ("previous_post", "next_post", "related_posts"):
        assert not hasattr(post, name)


@pytest.mark.postgres
def test_the_search_vector_is_stored_on_save():
    post = PostFactory(title="Supervision trees", body="Erlang restarts children.")
    assert Post.objects.matching("supervision").get() == post
    assert Post.objects.matching("restart").get() == post  # English stemming
