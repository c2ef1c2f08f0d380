"""The webhook admin: the endpoint form refuses unsafe URLs and shows the secret
once; the delivery log shows each attempt; Redeliver and Send test event queue
work for the worker."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from blog import worker
from blog.outbox import Delivery, WebhookEndpoint
from tests.factories import PostFactory
from tests.receiver import Reply

pytestmark = pytest.mark.django_db
ADD = "/admin/blog/webhookendpoint/add/"


def test_the_form_refuses_a_private_address_with_a_clear_error(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = admin_client.post(
        ADD, {"url": "http://127.0.0.1:3000/hook", "kind": "standard", "active": "on"}
    )
    assert response.status_code == 200
    assert "private or loopback" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
    response = admin_client.post(ADD, {"url": "ftp://example.com/", "kind": "standard"})
    assert "Only http:// and https:// URLs" in response.content.decode()


def test_a_new_endpoint_shows_its_secret_once(admin_client, receiver):
    response = admin_client.post(
        ADD,
        {"url": receiver.url(), "kind": "standard", "active": "on",
         "events": ["post.published", "post.updated"]},
        follow=True,
    )  # fmt: skip
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["post.published", "post.updated"]
    assert endpoint.secret in response.content.decode()
    page = admin_client.get(f"/admin/blog/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()
    assert endpoint.secret[-4:] in page.content.decode()


def test_the_delivery_log_shows_each_attempt_and_redeliver_sends_again(
    admin_client, receiver, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url=receiver.url())
    receiver.script(Reply(status=500, body=b"receiver exploded"))
    with django_capture_on_commit_callbacks(execute=True):
        PostFactory()
    worker.step()
    Delivery.objects.update(next_attempt_at=Delivery.objects.get().created_at)
    worker.step()
    delivery = Delivery.objects.get()
    page = admin_client.get(f"/admin/blog/delivery/{delivery.pk}/change/").content
    assert b"receiver exploded" in page
    assert b"500" in page
    admin_client.post(
        "/admin/blog/delivery/",
        {"action": "redeliver", ACTION_CHECKBOX_NAME: [delivery.pk]},
    )
    worker.step()
    assert Delivery.objects.count() == 2
    assert len(receiver.requests) == 3
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(ids) == 1


def test_send_test_event_reaches_the_receiver(admin_client, receiver):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    admin_client.post(
        "/admin/blog/webhookendpoint/",
        {"action": "send_test_event", ACTION_CHECKBOX_NAME: [endpoint.pk]},
    )
    worker.step()
    (request,) = receiver.requests
    assert b'"webhook.test"' in request.body


def test_rotating_shows_the_new_secret_and_keeps_the_old_one_signing(
    admin_client, receiver
):
    endpoint = WebhookEndpoint.objects.create(url=receiver.url())
    old = endpoint.secret
    response = admin_client.post(
        "/admin/blog/webhookendpoint/",
        {"action": "rotate_secret", ACTION_CHECKBOX_NAME: [endpoint.pk]},
        follow=True,
    )
    endpoint.refresh_from_db()
    assert endpoint.secret != old
    assert endpoint.secret in response.content.decode()
    assert endpoint.signing_secrets() == [endpoint.secret, old]
