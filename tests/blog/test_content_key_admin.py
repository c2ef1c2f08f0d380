"""Content API keys in the admin: made with a name, the key shown, deleted to revoke."""

import pytest
from django.urls import reverse

from blog.content_keys import KEY_PATTERN, ContentApiKey

pytestmark = pytest.mark.django_db


def test_an_editor_makes_a_key_and_sees_it_in_the_list(admin_client):
    response = admin_client.post(
        reverse("admin:blog_contentapikey_add"), {"name": "Next.js site"}
    )
    assert response.status_code == 302
    key = ContentApiKey.objects.get(name="Next.js site")
    assert KEY_PATTERN.fullmatch(key.secret)
    listing = admin_client.get(reverse("admin:blog_contentapikey_changelist"))
    assert key.secret in listing.content.decode()


def test_the_key_itself_cannot_be_edited(admin_client):
    key = ContentApiKey.objects.create(name="Old")
    before = key.secret
    admin_client.post(
        reverse("admin:blog_contentapikey_change", args=[key.pk]),
        {"name": "Renamed", "secret": "0" * 26},
    )
    key.refresh_from_db()
    assert (key.name, key.secret) == ("Renamed", before)


def test_deleting_a_key_in_the_admin_removes_it(admin_client):
    key = ContentApiKey.objects.create(name="Gone")
    admin_client.post(
        reverse("admin:blog_contentapikey_delete", args=[key.pk]), {"post": "yes"}
    )
    assert not ContentApiKey.objects.filter(pk=key.pk).exists()
