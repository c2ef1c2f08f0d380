"""The site settings' admin: one object edited in place, its lists checked with
clear errors, never a second row, never deleted."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from blog.models import Site
from tests.factories import make_image

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/blog/site/"


def change_url(site: Site) -> str:
    return reverse("admin:blog_site_change", args=[site.pk])


def form(**overrides) -> dict:
    data = {"title": "Field notes", "description": "Notes from the field.",
            "locale": "en-GB", "logo": "", "icon": "", "default_social_image": "",
            "navigation": "[]", "links": "[]"}  # fmt: skip
    data.update(overrides)
    return data


def test_the_list_is_the_one_rows_change_page_made_if_missing(editor, settings):
    settings.SITE_TITLE = "From the environment"
    response = editor.get(CHANGELIST)
    site = Site.objects.get()
    assert response.status_code == 302
    assert response["Location"] == change_url(site)
    assert site.title == "From the environment"
    assert editor.get(CHANGELIST)["Location"] == change_url(site)
    assert Site.objects.count() == 1
    page = editor.get(change_url(site)).content.decode()
    assert "From the environment" in page


def test_the_admin_index_lists_the_site_settings(editor):
    html = editor.get(reverse("admin:index")).content.decode()
    assert "Site settings" in html
    assert f'href="{CHANGELIST}"' in html


def test_editing_saves_the_settings(editor):
    site = Site.current()
    logo = make_image(alt="Logo")
    navigation = [{"label": "About", "url": "/about/"}]
    links = [{"network": "mastodon", "url": "https://hachyderm.io/@blog"}]
    response = editor.post(
        change_url(site),
        form(logo=logo.pk, navigation=json.dumps(navigation), links=json.dumps(links)),
    )
    assert response.status_code == 302
    site.refresh_from_db()
    assert (site.title, site.description, site.locale) == (
        "Field notes", "Notes from the field.", "en-GB"
    )  # fmt: skip
    assert site.logo == logo
    assert (site.navigation, site.links) == (navigation, links)
    page = editor.get(change_url(site)).content.decode()
    assert "/about/" in page  # the lists are shown again for editing


def test_an_emptied_list_saves_as_an_empty_list(editor):
    site = Site.current()
    site.links = [{"network": "github", "url": "https://github.com/blog"}]
    site.save()
    assert editor.post(change_url(site), form(links="")).status_code == 302
    site.refresh_from_db()
    assert site.links == []


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("navigation", '[{"label": "About", "url": "/about/"', "Enter a valid JSON."),
        ("navigation", '[{"label": "About", "url": "about"}]', "Item 1:"),
        ("navigation", '{"label": "About", "url": "/about/"}', "A list of"),
        ("links", '[{"network": "web", "url": "javascript:alert(1)"}]', "Link 1:"),
        ("links", "[1, 2]", "Link 1: each link is"),
        ("locale", "English", "A BCP 47 language tag"),
    ],
)
def test_bad_values_show_a_clear_error_and_save_nothing(editor, field, value, message):
    site = Site.current()
    response = editor.post(change_url(site), form(**{field: value}))
    assert response.status_code == 200
    text = unescape(response.content.decode())
    assert "errornote" in text
    assert message in text
    shown = re.search(rf'name="{field}"[^>]*>([^<]*)<', text)
    shown = shown.group(1) if shown else ""
    if field == "locale" or message == "Enter a valid JSON.":
        assert value in text  # as typed, to fix
    else:
        assert json.loads(shown) == json.loads(value)  # shown again, one item a line
    site.refresh_from_db()
    assert site.title != "Field notes"


def test_the_images_are_chosen_from_the_library_by_search(editor):
    site = Site.current()
    html = editor.get(change_url(site)).content.decode()
    for name in ("logo", "icon", "default_social_image"):
        assert re.search(rf'<select[^>]*name="{name}"[^>]*admin-autocomplete', html)
    make_image(alt="A round logo")
    make_image(alt="A cat")
    response = editor.get(
        reverse("admin:autocomplete"),
        {"app_label": "blog", "model_name": "site", "field_name": "logo",
         "term": "logo"},
    )  # fmt: skip
    assert [r["text"] for r in response.json()["results"]] == ["A round logo"]


def test_there_is_no_adding_a_second_row_and_no_deleting(editor):
    site = Site.current()
    assert editor.get(reverse("admin:blog_site_add")).status_code == 403
    assert editor.post(reverse("admin:blog_site_add"), form()).status_code == 403
    delete = reverse("admin:blog_site_delete", args=[site.pk])
    assert editor.get(delete).status_code == 403
    assert editor.post(delete, {"post": "yes"}).status_code == 403
    page = editor.get(change_url(site)).content.decode()
    assert delete not in page
    assert "_addanother" not in page
    assert "_saveasnew" not in page
    assert Site.objects.count() == 1


def test_an_image_in_use_by_the_site_is_not_deleted(editor):
    site = Site.current()
    site.icon = make_image(alt="Icon")
    site.save()
    delete = reverse("admin:blog_image_delete", args=[site.icon.pk])
    page = editor.get(delete)
    assert page.status_code == 200
    assert "Cannot delete image" in page.content.decode()
    editor.post(delete, {"post": "yes"})
    site.refresh_from_db()
    assert site.icon is not None
