"""Pages in the admin: the post editor's form and publishing rules, a preview link,
navigation order edited from the list."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from blog.models import Page

pytestmark = pytest.mark.django_db


def page_form(**fields) -> dict:
    values = {
        "title": "About us",
        "slug": "",
        "summary": "Who writes here.",
        "body": "## Hello\n\nSome words.",
        "status": "published",
        "published_at_0": "",
        "published_at_1": "",
        "nav_order": "1",
        "show_in_navigation": "on",
    }
    values.update(fields)
    return values


def test_a_page_written_in_the_admin_goes_through_the_pipeline(editor):
    response = editor.post(reverse("admin:blog_page_add"), page_form())
    assert response.status_code == 302, response.context["adminform"].form.errors
    page = Page.objects.get(slug="about-us")
    assert page.state == "published"
    assert page.toc == [{"level": 2, "id": "hello", "text": "Hello"}]
    assert page.show_in_navigation


def test_scheduling_a_page_needs_a_future_time(editor):
    past = timezone.now() - timedelta(days=1)
    response = editor.post(
        reverse("admin:blog_page_add"),
        page_form(
            status="scheduled",
            published_at_0=past.strftime("%Y-%m-%d"),
            published_at_1=past.strftime("%H:%M"),
        ),
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "already passed" in str(errors["published_at"])
    assert not Page.objects.exists()


def test_the_change_page_links_a_preview_and_the_editor(editor):
    page = Page.objects.create(title="Draft page", body="Words.")
    response = editor.get(reverse("admin:blog_page_change", args=[page.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "/api/v1/preview/pages/" in html
    assert "markdown-editor.js" in html
    preview = response.context["preview_url"]
    assert editor.get(preview.removeprefix("http://testserver")).status_code == 200


def test_the_list_edits_navigation_order(editor):
    about = Page.objects.create(title="About", status=Page.Status.PUBLISHED)
    response = editor.get(reverse("admin:blog_page_changelist"))
    assert response.status_code == 200
    assert 'name="form-0-nav_order"' in response.content.decode()
    assert about.state == "published"


def test_publish_and_unpublish_actions(editor):
    page = Page.objects.create(title="Now")
    url = reverse("admin:blog_page_changelist")
    editor.post(url, {"action": "publish_now", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.state == "published"
    editor.post(url, {"action": "unpublish", "_selected_action": [page.pk]})
    page.refresh_from_db()
    assert page.state == "draft"


def test_renaming_a_live_page_says_where_its_old_address_leads(editor):
    page = Page.objects.create(title="About us", status=Page.Status.PUBLISHED)
    url = reverse("admin:blog_page_change", args=[page.pk])
    response = editor.post(url, page_form(slug="about"), follow=True)
    text = response.content.decode()
    assert "Old address /api/v1/pages/about-us/ now redirects here" in text
    draft = Page.objects.create(title="Plans")
    url = reverse("admin:blog_page_change", args=[draft.pk])
    response = editor.post(url, page_form(status="draft", slug="plans-v2"), follow=True)
    assert "now redirects here" not in response.content.decode()  # never visible
