"""The admin says where an old address leads after a rename of something live."""

import pytest
from django.urls import reverse

from tests.factories import PostFactory, TagFactory

pytestmark = pytest.mark.django_db


def test_renaming_a_tag_says_its_old_address_redirects(editor):
    tag = TagFactory(slug="beam", name="BEAM")
    response = editor.post(
        reverse("admin:blog_tag_change", args=[tag.pk]),
        {"name": "BEAM", "slug": "erlang-vm", "description": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert "Old address /api/v1/tags/beam/ now redirects here" in (
        response.content.decode()
    )


def test_renaming_a_live_post_says_so_and_a_draft_does_not(editor):
    live = PostFactory(slug="first-name", title="Live")
    form = {
        "title": "Live", "slug": "second-name", "summary": "S.", "body": "Words.",
        "status": "published", "published_at_0": live.published_at.strftime("%Y-%m-%d"),
        "published_at_1": live.published_at.strftime("%H:%M:%S"),
    }  # fmt: skip
    response = editor.post(
        reverse("admin:blog_post_change", args=[live.pk]), form, follow=True
    )
    assert response.status_code == 200, response.context["adminform"].form.errors
    assert "Old address /api/v1/posts/first-name/ now redirects here" in (
        response.content.decode()
    )
    draft = PostFactory(slug="draft-name", draft=True)
    form.update(
        slug="draft-renamed", status="draft", published_at_0="", published_at_1=""
    )
    response = editor.post(
        reverse("admin:blog_post_change", args=[draft.pk]), form, follow=True
    )
    assert "now redirects here" not in response.content.decode()
