"""The background worker (`manage.py run_worker`): everything after a commit.

Each step, in order: the scheduled-publish tick (`events.publish_due`), purging the
CDN, fanning new events out into deliveries, sending due deliveries, and now and
then pruning old rows. All of it is read from and written to the database; there
is no broker. Several workers may run at once: rows are claimed with
`SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite serialises writers
anyway), and a claimed delivery carries a lease, so a worker killed mid-request
leaves it to be sent again once the lease runs out (at least once).

Transactions stay short: nothing is held open across a network call, which on
SQLite would block the editor's saves.

Per endpoint, deliveries go out one at a time in event order (commit order,
`blog.outbox`): a delivery waits while an older one to the same endpoint is
pending, retries included.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from blog import cdn, events, versioning, webhooks
from blog import images as image_library
from blog.outbox import Delivery, DeliveryAttempt, Event, WebhookEndpoint

logger = logging.getLogger(__name__)

SEND_THREADS = 4
CLAIM_LIMIT = 20
PURGE_LIMIT = 500
PURGE_LEASE = timedelta(seconds=60)
PRUNE_EVERY_SECONDS = 600
LEASE_MARGIN = 5


# --- Fan-out: events into deliveries -------------------------------------------------


def fan_out() -> int:
    """Give every active endpoint the events committed since its cursor; the
    number of deliveries made or updated."""
    made = 0
    latest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    # Read first, outside a transaction: an idle worker takes no write lock (on
    # SQLite every transaction takes it at BEGIN).
    if (
        latest is None
        or not WebhookEndpoint.objects.filter(active=True, cursor__lt=latest).exists()
    ):
        return 0
    with transaction.atomic():
        endpoints = (
            WebhookEndpoint.objects.select_for_update(skip_locked=True)
            .filter(active=True, cursor__lt=latest)
            .order_by("id")
        )
        for endpoint in endpoints:
            new = Event.objects.filter(
                id__gt=endpoint.cursor, id__lte=latest, broadcast=True
            ).values_list("id", "type")
            wanted = [pk for pk, kind in new if endpoint.wants(kind)]
            if wanted:
                made += (
                    _debounce(endpoint, wanted)
                    if endpoint.debounced
                    else len(
                        Delivery.objects.bulk_create(
                            Delivery(endpoint=endpoint, event_id=pk) for pk in wanted
                        )
                    )
                )
            endpoint.cursor = latest
            endpoint.save(update_fields=["cursor"])
    return made


def _debounce(endpoint: WebhookEndpoint, event_ids: list[int]) -> int:
    """A build hook gets one request per `WEBHOOK_DEBOUNCE_SECONDS` at most: new
    events join the request still waiting, else start one due when the window
    since the last request has passed."""
    now = timezone.now()
    # Never one being sent right now: it left with the events it had. Locked, so
    # a worker claiming it meanwhile makes the lease check fail here.
    waiting = (
        endpoint.deliveries.select_for_update()
        .filter(status=Delivery.Status.PENDING, attempts=0)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .first()
    )
    if waiting is not None:
        waiting.event_id = event_ids[-1]
        waiting.coalesced = F("coalesced") + len(event_ids)
        waiting.save(update_fields=["event", "coalesced"])
        return 1
    last = endpoint.deliveries.order_by("-id").values_list("created_at", flat=True)
    last_request = last.first()
    window = timedelta(seconds=settings.WEBHOOK_DEBOUNCE_SECONDS)
    due = max(now, last_request + window) if last_request else now
    Delivery.objects.create(
        endpoint=endpoint,
        event_id=event_ids[-1],
        coalesced=len(event_ids),
        next_attempt_at=due,
        created_at=due,
    )
    return 1


# --- Sending -------------------------------------------------------------------------


def _claim(now) -> list[Delivery]:
    """Due deliveries at the head of their endpoint's queue, leased to this worker."""
    older_pending = Delivery.objects.filter(
        endpoint=OuterRef("endpoint"),
        status=Delivery.Status.PENDING,
        manual=False,
        id__lt=OuterRef("id"),
    )
    # Longer than one attempt can take (its total timeout), plus recording it.
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS + LEASE_MARGIN)
    due = (
        Delivery.objects.filter(
            status=Delivery.Status.PENDING, next_attempt_at__lte=now
        )
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .filter(endpoint__active=True)
        .filter(Q(manual=True) | ~Exists(older_pending))
    )
    if not due.exists():  # no write lock while idle
        return []
    with transaction.atomic():
        claimed = list(
            due.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .order_by("id")[:CLAIM_LIMIT]
        )
        Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
            leased_until=lease
        )
    return claimed


def _attempt(delivery: Delivery) -> webhooks.Outcome:
    request = webhooks.build_request(delivery.endpoint, delivery.event)
    return webhooks.send(delivery.endpoint.url, request)


def record(delivery: Delivery, outcome: webhooks.Outcome, started) -> None:
    """Log the attempt and decide what follows it."""
    now = timezone.now()
    endpoint = delivery.endpoint
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            delivery=delivery,
            started_at=started,
            duration_ms=outcome.duration_ms,
            status_code=outcome.status_code,
            error=outcome.error[:500],
            response_excerpt=outcome.excerpt,
        )
        delivery.attempts += 1
        delivery.last_status_code = outcome.status_code
        delivery.leased_until = None
        endpoint_changes: dict = {}
        if outcome.succeeded:
            delivery.status = Delivery.Status.DELIVERED
            delivery.finished_at = now
            endpoint_changes["failing_since"] = None
        elif outcome.status_code == 410:
            delivery.status = Delivery.Status.FAILED
            delivery.finished_at = now
            endpoint_changes["active"] = False
            endpoint_changes["disabled_reason"] = (
                f"The receiver answered 410 Gone on {now:%Y-%m-%d %H:%M} UTC."
            )
        else:
            following = webhooks.next_attempt_at(delivery.attempts, outcome.retry_after)
            if following is None:
                delivery.status = Delivery.Status.FAILED
                delivery.finished_at = now
            else:
                delivery.next_attempt_at = following
            if endpoint.failing_since is None:
                endpoint_changes["failing_since"] = now
        delivery.save(
            update_fields=["attempts", "last_status_code", "leased_until", "status",
                           "finished_at", "next_attempt_at"]
        )  # fmt: skip
        if endpoint_changes:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(**endpoint_changes)
    if not outcome.succeeded:
        logger.warning(
            "Webhook %s to %s failed (attempt %d): %s",
            delivery.event.type, endpoint.url, delivery.attempts,
            outcome.status_code or outcome.error,
        )  # fmt: skip


def deliver_due(pool: ThreadPoolExecutor | None = None) -> int:
    """Send every claimable delivery once; the number sent."""
    now = timezone.now()
    claimed = _claim(now)
    if not claimed:
        return 0
    if pool is None or len(claimed) == 1:
        outcomes = [_attempt(delivery) for delivery in claimed]
    else:
        outcomes = list(pool.map(_attempt, claimed))
    for delivery, outcome in zip(claimed, outcomes, strict=True):
        record(delivery, outcome, now)
    return len(claimed)


def send_test_event(endpoint: WebhookEndpoint) -> Delivery:
    """A `webhook.test` event for this endpoint alone (the admin's button)."""
    with transaction.atomic():
        # Even an event no endpoint fans out must not take an id ahead of an
        # uncommitted one: the cursors would pass over that one.
        events.lock_event_order()
        event = Event.objects.create(
            type="webhook.test",
            broadcast=False,
            purged_at=timezone.now(),
            data={"message": "A test event from writing-api.", "surrogate_keys": []},
            ghost_data={"post": {"current": {}, "previous": {}}},
        )
        return Delivery.objects.create(endpoint=endpoint, event=event, manual=True)


def redeliver(delivery: Delivery) -> Delivery:
    """Send a delivery's event again now (same webhook-id): a pending one is made
    due at once, a finished one is sent again as a new delivery."""
    if delivery.status == Delivery.Status.PENDING:
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        return delivery
    return Delivery.objects.create(
        endpoint=delivery.endpoint, event=delivery.event, manual=True
    )


# --- CDN purges ----------------------------------------------------------------------


def purge_pending() -> int:
    """Purge the keys of committed events at the CDN; the number of events done."""
    now = timezone.now()
    pending = Event.objects.filter(purged_at__isnull=True, purge_due_at__lte=now)
    if not pending.exists():  # no write lock while idle
        return 0
    with transaction.atomic():
        rows = list(
            pending.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", "data")[:PURGE_LIMIT]
        )
        ids = [pk for pk, _ in rows]
        if not ids:
            return 0
        if cdn.configured() is None:
            Event.objects.filter(pk__in=ids).update(purged_at=now)
            return len(ids)
        Event.objects.filter(pk__in=ids).update(purge_due_at=now + PURGE_LEASE)
    keys = {key for _, data in rows for key in data.get("surrogate_keys", [])}
    # The CDN refetches at once: the API must already answer with the change. The
    # committing process copied the new version to the shared cache, unless that
    # write failed; API processes would then notice within the recheck interval,
    # after the CDN had stored the old answer again. Copy it here first.
    versioning.publish_current()
    try:
        cdn.purge(keys)
    except cdn.PurgeError as error:
        attempts = Event.objects.filter(pk__in=ids).values_list(
            "purge_attempts", flat=True
        )
        delay = webhooks.next_delay(min(max(attempts, default=0) + 1, 7)) or 86400
        Event.objects.filter(pk__in=ids).update(
            purge_attempts=F("purge_attempts") + 1,
            purge_due_at=timezone.now() + timedelta(seconds=delay),
            purge_error=str(error)[:1000],
        )
        logger.warning("CDN purge of %d keys failed: %s", len(keys), error)
        return 0
    Event.objects.filter(pk__in=ids).update(purged_at=timezone.now(), purge_error="")
    return len(ids)


# --- Pruning -------------------------------------------------------------------


def prune(now=None) -> int:
    """Delete finished deliveries and fully handled events past `WEBHOOK_LOG_DAYS`."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    deleted, _ = Delivery.objects.filter(
        finished_at__lt=before, status__in=["delivered", "failed"]
    ).delete()
    unfinished = Delivery.objects.filter(
        event=OuterRef("pk"), status=Delivery.Status.PENDING
    )
    newest = Event.objects.order_by("-id").values_list("id", flat=True).first()
    # The newest event stays: endpoints' cursors are read against it.
    old_events = Event.objects.filter(occurred_at__lt=before, purged_at__isnull=False)
    gone, _ = old_events.exclude(Exists(unfinished)).exclude(pk=newest).delete()
    return deleted + gone


# --- The loop ------------------------------------------------------------------


def step(pool: ThreadPoolExecutor | None = None, *, images: bool = True) -> int:
    """One round of every kind of work; how much was done. `run()` makes image
    renditions on a thread of their own (`images=False` here): seconds of AVIF
    encoding must not hold webhooks and purges back."""
    done = events.publish_due()
    # Purges first: a slow webhook receiver (up to its timeout) must not hold
    # the CDN back.
    done += purge_pending()
    done += fan_out()
    done += deliver_due(pool)
    if images:
        done += image_library.process_pending()
    return done


def _make_renditions(stop: threading.Event) -> None:
    """The renditions thread: one pending image at a time, until `stop`."""
    pause = settings.WORKER_POLL_MS / 1000
    while not stop.is_set():
        close_old_connections()
        try:
            done = image_library.process_pending()
        except Exception:
            logger.exception("Image step failed; retrying.")
            done = 0
            stop.wait(min(5.0, pause * 10))
        if not done:
            stop.wait(pause)
    close_old_connections()


def run(stop: threading.Event, *, once: bool = False) -> None:
    pause = settings.WORKER_POLL_MS / 1000
    pruned_at = 0.0
    renditions = threading.Thread(
        target=_make_renditions, args=(stop,), name="renditions", daemon=True
    )
    if not once:
        renditions.start()
    with ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="webhook") as pool:
        while not stop.is_set():
            close_old_connections()
            try:
                done = step(pool, images=once)
                if time.monotonic() - pruned_at > PRUNE_EVERY_SECONDS:
                    prune()
                    pruned_at = time.monotonic()
            except Exception:
                # A database outage or a bug in one step must not end the worker:
                # the rows are still there, the next round takes them again.
                logger.exception("Worker step failed; retrying.")
                done = 0
                stop.wait(min(5.0, pause * 10))
            if once:
                return
            if not done:
                stop.wait(pause)
    if renditions.is_alive():
        renditions.join(timeout=60)  # an image being encoded finishes first
