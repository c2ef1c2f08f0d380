"""The worker's steps against a local receiver: fan-out, signed deliveries, retries,
ordering, build hooks, the address guard and CDN purges (`blog.worker`)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from blog import webhooks, worker
from blog.outbox import Delivery, Event, WebhookEndpoint
from tests.factories import PostFactory
from tests.receiver import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def endpoint(receiver, **fields) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(url=receiver.url(), **fields)


def run_until_idle(rounds: int = 10) -> None:
    for _ in range(rounds):
        if not worker.step():
            return


def make_due() -> None:
    """Skip the waiting: every pending delivery is due now."""
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_a_publish_reaches_the_receiver_signed_as_standard_webhooks_verify(
    receiver, commit
):
    hook = endpoint(receiver)
    with commit():
        post = PostFactory(slug="hello")
    run_until_idle()
    (request,) = receiver.requests
    # An independent implementation (the `standardwebhooks` package) verifies it.
    payload = Webhook(hook.secret).verify(request.body, request.headers)
    assert payload["type"] == "post.published"
    assert payload["data"]["post"]["id"] == str(post.uuid)
    assert f"post-{post.uuid}" in payload["data"]["surrogate_keys"]
    assert request.headers["webhook-id"] == Event.objects.get().webhook_id
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"
    assert delivery.attempt_log.get().status_code == 200


def test_a_rotated_secret_signs_with_both_until_the_overlap_ends(receiver, commit):
    hook = endpoint(receiver)
    old = hook.secret
    new = hook.rotate_secret(timedelta(hours=1))
    with commit():
        PostFactory()
    run_until_idle()
    (request,) = receiver.requests
    assert len(request.headers["webhook-signature"].split()) == 2
    Webhook(old).verify(request.body, request.headers)
    Webhook(new).verify(request.body, request.headers)


def test_a_ghost_endpoint_gets_ghosts_body_and_signature(receiver, commit):
    import hashlib
    import hmac

    hook = endpoint(receiver, kind=WebhookEndpoint.Kind.GHOST)
    with commit():
        post = PostFactory(title="Hello Ghost")
    run_until_idle()
    (request,) = receiver.requests
    body = json.loads(request.body)
    assert body["post"]["current"]["title"] == "Hello Ghost"
    assert body["post"]["current"]["id"] == str(post.uuid)
    signature, timestamp = request.headers["x-ghost-signature"].split(", ")
    expected = hmac.new(
        hook.secret.encode(), request.body + timestamp[2:].encode(), hashlib.sha256
    ).hexdigest()
    assert signature == f"sha256={expected}"


@pytest.mark.parametrize(
    "reply",
    [
        Reply(status=500),
        Reply(reset=True),
        Reply(status=302, headers={"location": "http://example.com/"}),
    ],
    ids=["500", "reset", "redirect"],
)
def test_a_failed_attempt_is_logged_and_retried_with_backoff(receiver, commit, reply):
    endpoint(receiver)
    receiver.script(reply)
    with commit():
        PostFactory()
    before = timezone.now()
    run_until_idle()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    # About 5 s, with jitter.
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 4 <= wait <= 6.5
    assert WebhookEndpoint.objects.get().failing_since is not None
    make_due()
    run_until_idle()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    first, second = delivery.attempt_log.all()
    assert not first.succeeded
    assert second.succeeded
    if reply.status == 302:
        assert "not followed" in first.response_excerpt
    if reply.reset:
        assert first.status_code is None
        assert first.error
    assert len(receiver.requests) == 2
    assert WebhookEndpoint.objects.get().failing_since is None
    # The same event both times, under the same id.
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(ids) == 1


def test_a_receiver_that_times_out_is_cut_off_and_retried(receiver, commit, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    endpoint(receiver)
    receiver.script(Reply(delay=3))
    with commit():
        PostFactory()
    run_until_idle()
    attempt = Delivery.objects.get().attempt_log.get()
    assert attempt.status_code is None
    assert "timed out" in attempt.error.lower() or "timeout" in attempt.error.lower()
    assert attempt.duration_ms < 2500


def test_retry_after_is_honoured(receiver, commit):
    endpoint(receiver)
    receiver.script(Reply(status=503, headers={"retry-after": "120"}))
    with commit():
        PostFactory()
    before = timezone.now()
    run_until_idle()
    delivery = Delivery.objects.get()
    assert (delivery.next_attempt_at - before).total_seconds() >= 119


def test_the_retry_plan_is_the_contracts_and_then_gives_up():
    plan = [webhooks.RETRY_DELAYS[n] for n in range(7)]
    assert plan == [5, 300, 1800, 7200, 18000, 36000, 86400]
    for attempts, base in enumerate(plan, start=1):
        assert base * 0.9 <= webhooks.next_delay(attempts) <= base * 1.1
    assert webhooks.next_delay(8) is None


def test_410_disables_the_endpoint(receiver, commit):
    endpoint(receiver)
    receiver.script(Reply(status=410))
    with commit():
        PostFactory()
    run_until_idle()
    hook = WebhookEndpoint.objects.get()
    assert not hook.active
    assert "410" in hook.disabled_reason
    assert Delivery.objects.get().status == "failed"
    with commit():
        PostFactory()
    run_until_idle()
    assert len(receiver.requests) == 1


def test_deliveries_go_out_in_commit_order_and_wait_behind_a_retry(receiver, commit):
    endpoint(receiver)
    receiver.script(Reply(status=500))
    with commit():
        first = PostFactory(title="First")
    with commit():
        second = PostFactory(title="Second")
    run_until_idle()
    assert len(receiver.requests) == 1  # the second waits behind the retry
    make_due()
    run_until_idle()
    titles = [json.loads(r.body)["data"]["post"]["title"] for r in receiver.requests]
    assert titles == ["First", "First", "Second"]
    assert {str(first.uuid), str(second.uuid)} == {
        json.loads(r.body)["data"]["post"]["id"] for r in receiver.requests
    }


def test_an_endpoint_gets_only_the_events_it_asked_for(receiver, commit):
    endpoint(receiver, events=["post.deleted"])
    with commit():
        post = PostFactory()
    with commit():
        post.delete()
    run_until_idle()
    assert [json.loads(r.body)["type"] for r in receiver.requests] == ["post.deleted"]


def test_a_build_hook_sends_one_request_for_a_burst(receiver, commit, settings):
    settings.WEBHOOK_DEBOUNCE_SECONDS = 60
    endpoint(receiver, kind=WebhookEndpoint.Kind.BUILD_HOOK)
    for _ in range(3):
        with commit():
            PostFactory()
        worker.fan_out()
    run_until_idle()
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().coalesced == 3
    with commit():
        PostFactory()
    run_until_idle()
    # Within the window: waiting, not sent.
    waiting = Delivery.objects.get(status="pending")
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert len(receiver.requests) == 1


def test_a_new_endpoint_does_not_replay_history(receiver, commit):
    with commit():
        PostFactory()
    endpoint(receiver)
    run_until_idle()
    assert receiver.requests == []


def test_redeliver_and_the_test_event(receiver, commit):
    hook = endpoint(receiver)
    with commit():
        PostFactory()
    run_until_idle()
    worker.redeliver(Delivery.objects.get())
    worker.send_test_event(hook)
    run_until_idle()
    first, again, test = receiver.requests
    assert again.headers["webhook-id"] == first.headers["webhook-id"]
    assert json.loads(test.body)["type"] == "webhook.test"
    Webhook(hook.secret).verify(test.body, test.headers)


# --- The address guard ---------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.com/hook", "Only http"),
        ("javascript:alert(1)", "Only http"),
        ("http://127.0.0.1:9/hook", "private or loopback"),
        ("http://10.1.2.3/hook", "private or loopback"),
        ("http://[::1]/hook", "private or loopback"),
        ("http://169.254.169.254/latest/meta-data/", "private or loopback"),
        ("http://user:pw@93.184.215.14/", "credentials"),
        ("https://93.184.215.14/" + "a" * 2000, "at most 2000"),
    ],
)
def test_unsafe_webhook_urls_are_refused_with_a_reason(url, reason, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(ValidationError, match=reason):
        webhooks.validate_url(url)
    with pytest.raises(CommandError, match=reason):
        call_command("add_webhook", url)


def test_a_delivery_to_an_address_that_became_private_is_not_sent(
    receiver, commit, settings
):
    endpoint(receiver)
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with commit():
        PostFactory()
    run_until_idle()
    attempt = Delivery.objects.get().attempt_log.get()
    assert "private or loopback" in attempt.error
    assert receiver.requests == []


def test_add_webhook_prints_the_id_and_secret(receiver, capsys):
    call_command("add_webhook", receiver.url(), "--event", "post.published", "--ghost")
    out = capsys.readouterr().out
    hook = WebhookEndpoint.objects.get()
    assert f"id: {hook.pk}" in out
    assert f"secret: {hook.secret}" in out
    assert hook.events == ["post.published"]
    assert hook.kind == "ghost"
    with pytest.raises(CommandError, match="Unknown event type"):
        call_command("add_webhook", receiver.url(), "--event", "post.nope")


# --- CDN purges ----------------------------------------------------------------


@pytest.mark.parametrize("cdn", ["varnish", "fastly", "cloudflare"])
def test_a_change_purges_its_keys_at_the_configured_cdn(
    receiver, commit, settings, cdn
):
    settings.CDN_PURGE = cdn
    settings.VARNISH_PURGE_URLS = [receiver.url("/")]
    settings.FASTLY_API_URL = receiver.url("")
    settings.FASTLY_SERVICE_ID = "svc"
    settings.FASTLY_API_TOKEN = "token"
    settings.CLOUDFLARE_API_URL = receiver.url("/client/v4")
    settings.CLOUDFLARE_ZONE_ID = "zone"
    settings.CLOUDFLARE_API_TOKEN = "cf-token"
    with commit():
        post = PostFactory()
    run_until_idle()
    (request,) = receiver.requests
    if cdn == "varnish":
        assert request.method == "PURGE"
        keys = request.headers["xkey"].split()
    elif cdn == "fastly":
        assert (request.method, request.path) == ("POST", "/service/svc/purge")
        assert request.headers["fastly-key"] == "token"
        keys = request.headers["surrogate-key"].split()
    else:
        assert (request.method, request.path) == (
            "POST",
            "/client/v4/zones/zone/purge_cache",
        )
        assert request.headers["authorization"] == "Bearer cf-token"
        keys = json.loads(request.body)["tags"]
    assert {f"post-{post.uuid}", "posts"} <= set(keys)
    assert Event.objects.get().purged_at is not None


def test_a_rejected_purge_is_logged_and_retried(receiver, commit, settings):
    settings.CDN_PURGE = "varnish"
    settings.VARNISH_PURGE_URLS = [receiver.url("/")]
    receiver.script(Reply(status=503, body=b"busy"))
    with commit():
        PostFactory()
    run_until_idle()
    event = Event.objects.get()
    assert event.purged_at is None
    assert "503" in event.purge_error
    assert event.purge_attempts == 1
    Event.objects.update(purge_due_at=timezone.now())
    run_until_idle()
    event.refresh_from_db()
    assert event.purged_at is not None
    assert event.purge_error == ""
    assert len(receiver.requests) == 2


def test_cloudflare_purges_in_batches_of_100(receiver, settings):
    settings.CDN_PURGE = "cloudflare"
    settings.CLOUDFLARE_API_URL = receiver.url("")
    from blog import cdn

    cdn.purge([f"post-{n}" for n in range(250)])
    assert [len(json.loads(r.body)["tags"]) for r in receiver.requests] == [
        100,
        100,
        50,
    ]


def test_old_finished_deliveries_are_pruned(receiver, commit, settings):
    endpoint(receiver)
    with commit():
        PostFactory()
    run_until_idle()
    with commit():
        PostFactory()
    run_until_idle()
    long_ago = timezone.now() - timedelta(days=settings.WEBHOOK_LOG_DAYS + 1)
    Delivery.objects.update(finished_at=long_ago)
    Event.objects.update(occurred_at=long_ago)
    worker.prune()
    assert not Delivery.objects.exists()
    assert Event.objects.count() == 1  # the newest stays: cursors point at it


def test_a_test_event_and_redeliver_do_not_wait_behind_a_retry(receiver, commit):
    hook = endpoint(receiver)
    receiver.script(Reply(status=500))
    with commit():
        PostFactory(title="First")
    with commit():
        PostFactory(title="Second")
    run_until_idle()
    assert len(receiver.requests) == 1  # First failed; Second waits behind it
    worker.send_test_event(hook)
    run_until_idle()
    assert json.loads(receiver.requests[-1].body)["type"] == "webhook.test"
    # Redeliver on the retrying one: now, and the queue behind it follows.
    stuck = Delivery.objects.filter(status="pending").order_by("id").first()
    worker.redeliver(stuck)
    run_until_idle()
    titles = [
        json.loads(r.body)["data"]["post"]["title"]
        for r in receiver.requests
        if json.loads(r.body)["type"] == "post.published"
    ]
    assert titles == ["First", "First", "Second"]
