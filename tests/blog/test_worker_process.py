"""The worker as production runs it: `manage.py run_worker` in its own process on
PostgreSQL, delivering to a local receiver, killed and restarted."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from blog.models import Post
from blog.outbox import Delivery, Event, WebhookEndpoint
from tests.factories import PostFactory, TagFactory
from tests.receiver import Receiver, Reply
from tests.worker_process import WorkerProcess

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path):
    running = WorkerProcess(tmp_path, WEBHOOK_TIMEOUT_SECONDS="2")
    yield running
    running.stop_all()


def wait_until(condition, timeout: float = 5.0) -> bool:
    """The worker records an answer just after the receiver sent it."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def verified(hook: WebhookEndpoint, receiver: Receiver) -> list[dict]:
    """Every request's payload, each signature checked by `standardwebhooks`."""
    return [Webhook(hook.secret).verify(r.body, r.headers) for r in receiver.requests]


def test_every_event_type_is_delivered_signed_and_in_commit_order(receiver, workers):
    hook = WebhookEndpoint.objects.create(url=receiver.url())
    workers.start()
    tag = TagFactory(name="Old name")  # tag.created
    tag.name = "New name"
    tag.save()  # tag.updated
    post = PostFactory(draft=True, tags=[tag])  # nothing: a draft
    post.status = Post.Status.PUBLISHED
    post.save()  # post.published
    post.title = "Edited"
    post.save()  # post.updated
    post.status = Post.Status.DRAFT
    post.save()  # post.unpublished
    soon = PostFactory(published_at=timezone.now() + timedelta(seconds=2))
    # post.scheduled, then post.published by the tick
    gone = PostFactory()  # post.published
    gone.delete()  # post.deleted
    tag.delete()  # tag.deleted
    expected = [
        "tag.created", "tag.updated", "post.published", "post.updated",
        "post.unpublished", "post.scheduled", "post.published", "post.deleted",
        "tag.deleted", "post.published",
    ]  # fmt: skip
    receiver.wait_for(len(expected), timeout=20)
    payloads = verified(hook, receiver)
    assert [p["type"] for p in payloads] == expected, workers.logs()
    assert payloads[-1]["data"]["post"]["id"] == str(soon.uuid)
    assert payloads[4]["data"]["post"]["title"] == "Edited"  # as readers last saw it
    assert (
        payloads[3]["data"]["previous"]["title"]
        == (payloads[2]["data"]["post"]["title"])
    )
    ids = [r.headers["webhook-id"] for r in receiver.requests]
    assert len(set(ids)) == len(ids)
    # The scheduled post's `post.published` came within 2 s of its time.
    soon.refresh_from_db()
    arrived = receiver.requests[-1].at
    assert arrived - soon.published_at.timestamp() < 2.0


def test_a_worker_killed_mid_delivery_delivers_after_restart(receiver, workers):
    hook = WebhookEndpoint.objects.create(url=receiver.url())
    receiver.script(Reply(delay=1.5))  # still sending when the worker is killed
    first = workers.start()
    post = PostFactory()
    receiver.wait_for(1, timeout=10)
    workers.kill(first)
    workers.start()
    # The lease (timeout 2 s + margin) runs out, then the new worker sends it.
    receiver.wait_for(2, timeout=20)
    payloads = verified(hook, receiver)
    assert [p["data"]["post"]["id"] for p in payloads] == [str(post.uuid)] * 2
    assert (
        receiver.requests[0].headers["webhook-id"]
        == (receiver.requests[1].headers["webhook-id"])
    )
    assert wait_until(lambda: Delivery.objects.get().status == "delivered")


def test_a_failing_receiver_is_retried_and_the_save_is_not_slowed(receiver, workers):
    hook = WebhookEndpoint.objects.create(url=receiver.url())
    receiver.script(Reply(delay=3))  # past the 2 s timeout; the retry is answered
    workers.start()
    started = time.monotonic()
    post = PostFactory()
    assert time.monotonic() - started < 1.0
    receiver.wait_for(2, timeout=25)
    payloads = verified(hook, receiver)
    assert [p["data"]["post"]["id"] for p in payloads] == [str(post.uuid)] * 2
    assert wait_until(lambda: Delivery.objects.get().status == "delivered")
    attempts = Delivery.objects.get().attempt_log.order_by("id")
    assert [a.status_code for a in attempts] == [None, 200]
    assert "timed out" in attempts[0].error.lower()
    gap = receiver.requests[1].at - receiver.requests[0].at
    assert 6.0 <= gap <= 8.5  # the 2 s timeout, then about 5 s


def test_two_workers_deliver_a_burst_once_each_in_commit_order(receiver, workers):
    hook = WebhookEndpoint.objects.create(url=receiver.url())
    workers.start()
    workers.start()
    posts = []
    for n in range(60):
        with transaction.atomic():
            posts.append(PostFactory(title=f"Burst {n}"))
    receiver.wait_for(60, timeout=60)
    assert wait_until(lambda: Delivery.objects.filter(status="delivered").count() == 60)
    time.sleep(0.5)  # anything extra would arrive now
    payloads = verified(hook, receiver)
    assert [p["data"]["post"]["title"] for p in payloads] == [
        f"Burst {n}" for n in range(60)
    ]
    assert Event.objects.count() == 60
    assert Delivery.objects.filter(status="delivered").count() == 60
