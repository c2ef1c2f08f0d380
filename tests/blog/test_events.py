"""Content events: decided from what readers saw before and after, written in the
change's own transaction (`blog.events`)."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from blog import events, versioning
from blog.models import Post, Tag
from blog.outbox import Event, PendingPublish
from blog.webhook_types import EVENT_TYPES
from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Each `with commit():` block acts as one committed transaction (the test's
    own transaction never commits)."""

    def committed():
        return django_capture_on_commit_callbacks(execute=True)

    return committed


def types() -> list[str]:
    return list(Event.objects.order_by("id").values_list("type", flat=True))


def test_every_reader_model_is_declared_with_the_subject_of_its_events():
    assert set(versioning.READER_MODELS) <= set(events.EVENT_MODELS)
    subjects = {kind.split(".")[0] for kind in EVENT_TYPES}
    declared = {subject for kinds in events.EVENT_MODELS.values() for subject in kinds}
    assert declared <= subjects


def test_publishing_a_draft_is_post_published_with_the_post_as_readers_see_it(commit):
    with commit():
        tag = TagFactory(slug="engineering", name="Engineering")
        post = PostFactory(draft=True, slug="hello", tags=[tag])
    assert types() == ["tag.created"]
    Event.objects.all().delete()
    with commit():
        post.status = Post.Status.PUBLISHED
        post.save()
    event = Event.objects.get()
    assert event.type == "post.published"
    body = event.data["post"]
    assert body["id"] == str(post.uuid) == str(event.subject_id)
    assert body["slug"] == "hello"
    assert body["url"] == "http://127.0.0.1:8000/api/v1/posts/hello/"
    assert body["tags"] == [
        {"id": str(tag.uuid), "slug": "engineering", "name": "Engineering"}
    ]
    assert "body_html" in body
    assert body["previous"] is None
    assert {f"post-{post.uuid}", "posts", f"tag-{tag.uuid}"} <= set(
        event.data["surrogate_keys"]
    )


def test_editing_a_draft_sends_nothing(commit):
    with commit():
        post = PostFactory(draft=True)
        tag = TagFactory()
    Event.objects.all().delete()
    with commit():
        post.title = "Still a draft"
        post.save()
        post.tags.add(tag)
    assert types() == []


def test_an_edit_of_a_visible_post_lists_the_changed_fields_with_old_values(commit):
    with commit():
        post = PostFactory(title="Old title", slug="old-slug")
    Event.objects.all().delete()
    with commit():
        post.title = "New title"
        post.slug = "new-slug"
        post.save()
    event = Event.objects.get()
    assert event.type == "post.updated"
    assert event.data["previous"]["title"] == "Old title"
    assert event.data["previous"]["slug"] == "old-slug"
    assert event.data["post"]["slug"] == "new-slug"
    assert event.ghost_data["post"]["current"]["title"] == "New title"
    assert event.ghost_data["post"]["previous"]["title"] == "Old title"


def test_a_save_and_its_tag_changes_in_one_transaction_make_one_event(commit):
    with commit():
        post = PostFactory()
        tag = TagFactory()
    Event.objects.all().delete()
    with commit(), transaction.atomic():  # as the admin saves a post and its tags
        post.summary = "Changed"
        post.save()
        post.tags.set([tag])
    event = Event.objects.get()
    assert event.type == "post.updated"
    assert set(event.data["previous"]) >= {"summary", "tags"}
    assert event.data["post"]["tags"][0]["id"] == str(tag.uuid)


def test_a_change_that_readers_cannot_see_withdraws_its_event(commit):
    with commit():
        post = PostFactory(title="Same")
    Event.objects.all().delete()
    with commit(), transaction.atomic():
        post.title = "Different"
        post.save()
        post.title = "Same"
        post.save()
    # The second save restored what readers saw, except the edit time.
    assert types() in ([], ["post.updated"])
    if types():
        assert set(Event.objects.get().data["previous"]) <= {"updated_at", "seo"}


def test_only_the_edit_time_and_its_json_ld_copy_remain_of_a_restored_change(commit):
    with commit():
        post = PostFactory(title="Same")
    Event.objects.all().delete()
    later = timezone.now() + timedelta(seconds=2)  # dateModified counts whole seconds
    with commit(), transaction.atomic():
        post.title = "Different"
        post.save()
        post.title = "Same"
        with mock.patch("django.utils.timezone.now", return_value=later):
            post.save()
    event = Event.objects.get()
    previous, now = event.data["previous"], event.data["post"]
    assert set(previous) == {"updated_at", "seo"}
    assert previous["seo"]["json_ld"].pop("dateModified") != now["seo"]["json_ld"].pop(
        "dateModified"
    )
    assert previous["seo"] == now["seo"]


def test_a_rolled_back_change_leaves_no_event(commit):
    with commit():
        post = PostFactory(draft=True)

    def publish_then_fail() -> None:
        with transaction.atomic():
            post.status = Post.Status.PUBLISHED
            post.save()
            raise RuntimeError

    with commit(), pytest.raises(RuntimeError):
        publish_then_fail()
    assert types() == []


def test_unpublishing_and_deleting_carry_the_post_as_readers_last_saw_it(commit):
    with commit():
        first = PostFactory(title="First")
        second = PostFactory(title="Second")
    Event.objects.all().delete()
    with commit():
        first.status = Post.Status.DRAFT
        first.save()
    with commit():
        second.delete()
    unpublished, deleted = Event.objects.order_by("id")
    assert unpublished.type == "post.unpublished"
    assert unpublished.data["post"]["title"] == "First"
    assert deleted.type == "post.deleted"
    assert deleted.data["post"]["title"] == "Second"
    assert deleted.data["post"]["id"] == str(second.uuid)


def test_scheduling_is_post_scheduled_then_published_once_when_its_time_comes(commit):
    with commit():
        post = PostFactory(scheduled=True)
    assert types() == ["post.scheduled"]
    scheduled = Event.objects.get()
    assert scheduled.data["post"]["id"] == str(post.uuid)
    assert PendingPublish.objects.get().subject_id == post.pk

    assert events.publish_due() == 0  # not yet
    Post.objects.filter(pk=post.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    PendingPublish.objects.update(publish_at=timezone.now() - timedelta(seconds=1))
    assert events.publish_due() == 1
    assert events.publish_due() == 0
    assert types() == ["post.scheduled", "post.published"]
    assert not PendingPublish.objects.exists()


def test_a_scheduled_post_moved_back_to_draft_is_never_published(commit):
    with commit():
        post = PostFactory(scheduled=True)
    with commit():
        post.status = Post.Status.DRAFT
        post.save()
    assert not PendingPublish.objects.exists()
    assert types() == ["post.scheduled"]


def test_tags_are_created_updated_and_deleted(commit):
    with commit():
        tag = TagFactory(name="Old")
    with commit():
        tag.name = "New"
        tag.save()
    with commit():
        tag.delete()
    assert types() == ["tag.created", "tag.updated", "tag.deleted"]
    _created, updated, deleted = Event.objects.order_by("id")
    previous = updated.data["previous"]
    assert set(previous) == {"name", "seo"}  # the name is the seo title's fallback
    assert previous["name"] == previous["seo"]["title"] == "Old"
    assert deleted.data["tag"]["name"] == "New"
    assert {f"tag-{tag.uuid}", "tags", "posts"} <= set(updated.data["surrogate_keys"])


def test_removing_a_tag_from_the_tag_side_updates_its_visible_posts(commit):
    with commit():
        tag = TagFactory()
        post = PostFactory(tags=[tag])
        PostFactory(draft=True, tags=[tag])
    Event.objects.all().delete()
    with commit():
        Tag.objects.get(pk=tag.pk).posts.clear()
    event = Event.objects.get()
    assert (event.type, event.subject_id) == ("post.updated", post.uuid)


def test_a_bulk_write_purges_what_it_wrote_and_schedules_its_future_posts(commit):
    from blog.bulk import PostData, TagData, upsert_posts, upsert_tags

    upsert_tags([TagData(slug="ops", name="Ops", description="")])
    soon = timezone.now() + timedelta(hours=1)
    fields = {"summary": "", "body": "Words.", "featured": False, "tags": ["ops"]}
    with commit():
        upsert_posts(
            [
                PostData(slug="live", title="Live", status="published",
                         published_at=timezone.now() - timedelta(days=1), **fields),
                PostData(slug="later", title="Later", status="published",
                         published_at=soon, **fields),
            ]
        )  # fmt: skip
    event = Event.objects.get(type="content.imported")
    assert not event.broadcast  # purges, sends no webhook
    live, later = Post.objects.get(slug="live"), Post.objects.get(slug="later")
    tag = Tag.objects.get(slug="ops")
    assert {f"post-{live.uuid}", f"post-{later.uuid}", f"tag-{tag.uuid}", "posts"} <= (
        set(event.data["surrogate_keys"])
    )
    assert list(PendingPublish.objects.values_list("subject_id", flat=True)) == [
        later.pk
    ]
