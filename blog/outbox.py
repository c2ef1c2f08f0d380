"""The publishing outbox: content events, webhook endpoints and their deliveries.

An `Event` row is written in the same transaction as the change it describes
(`blog.events`), so an event exists exactly when its change committed. The worker
(`blog.worker`, `manage.py run_worker`) turns events into deliveries, one per
endpoint that wants them, and into CDN purges; nothing else queues work.

Ordering: every transaction that writes events first locks the content revision
row (`blog.versioning`), so event ids are allocated in commit order and the
committed events are always a prefix of the id sequence (with gaps where a
transaction rolled back). An endpoint's `cursor` is the last event id it was given.
"""

from __future__ import annotations

import base64
import secrets
import uuid

from django.db import models
from django.db.models import Max, Q
from django.utils import timezone

SECRET_PREFIX = "whsec_"
URL_MAX_LENGTH = 2000


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def latest_event_id() -> int:
    return Event.objects.aggregate(latest=Max("id"))["latest"] or 0


class Event(models.Model):
    """A change readers could see, named as the contract's "Outbound webhooks" does."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(max_length=40)
    # The changed object's public id (posts, tags...) and the contract's body data:
    # {"post": ..., "previous": ..., "surrogate_keys": [...]}.
    subject_id = models.UUIDField(null=True, blank=True)
    data = models.JSONField(default=dict)
    # The Ghost-compatible body (`{"post": {"current", "previous"}}`), when one exists.
    ghost_data = models.JSONField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)
    # False for a test event sent to one endpoint: never fanned out.
    broadcast = models.BooleanField(default=True)
    # CDN purge of `data["surrogate_keys"]`: null until done (or not configured).
    purged_at = models.DateTimeField(null=True, blank=True)
    purge_attempts = models.PositiveIntegerField(default=0)
    purge_due_at = models.DateTimeField(default=timezone.now)
    purge_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["purge_due_at", "id"],
                condition=Q(purged_at__isnull=True),
                name="event_purge_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def webhook_id(self) -> str:
        """The `webhook-id` header: the same on every attempt."""
        return f"evt_{self.uuid.hex}"

    @property
    def surrogate_keys(self) -> list[str]:
        return list(self.data.get("surrogate_keys", []))


class PendingPublish(models.Model):
    """A scheduled post (or page) waiting for its time. Written and removed with
    its own changes, so the worker's tick never misses one whose transaction
    committed after its publish time, and never emits one twice."""

    subject = models.CharField(max_length=10, default="post")  # or "page"
    subject_id = models.BigIntegerField()  # the post's (or page's) primary key
    publish_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subject", "subject_id"], name="pending_publish_once"
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.subject} {self.subject_id} at {self.publish_at:%Y-%m-%d %H:%M:%S}"
        )


class WebhookEndpoint(models.Model):
    class Kind(models.TextChoices):
        STANDARD = "standard", "Standard Webhooks"
        GHOST = "ghost", "Ghost-compatible (X-Ghost-Signature)"
        BUILD_HOOK = "build_hook", "Build hook (debounced: Netlify, Vercel, Pages)"

    url = models.URLField(max_length=URL_MAX_LENGTH)
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STANDARD)
    # Event types this endpoint receives; empty means every type.
    events = models.JSONField(default=list, blank=True)
    secret = models.CharField(max_length=100, default=new_secret, editable=False)
    # After a rotation the old secret signs too, until it expires (receivers
    # deploying the new one meanwhile keep verifying).
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The oldest undelivered event that has failed at least once, while it retries.
    failing_since = models.DateTimeField(null=True, blank=True)
    # The last event id fanned out to this endpoint: a new endpoint starts at the
    # newest event, history is not replayed.
    cursor = models.BigIntegerField(default=latest_event_id, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def debounced(self) -> bool:
        return self.kind == self.Kind.BUILD_HOOK

    def wants(self, event_type: str) -> bool:
        return not self.events or event_type in self.events

    def signing_secrets(self, now=None) -> list[str]:
        now = now or timezone.now()
        secrets_ = [self.secret]
        if self.previous_secret and (
            self.previous_secret_expires_at is None
            or self.previous_secret_expires_at > now
        ):
            secrets_.append(self.previous_secret)
        return secrets_

    def rotate_secret(self, overlap) -> str:
        """A new secret; the old one keeps signing for `overlap` (a timedelta)."""
        self.previous_secret = self.secret
        self.previous_secret_expires_at = timezone.now() + overlap
        self.secret = new_secret()
        self.save(update_fields=["secret", "previous_secret",
                                 "previous_secret_expires_at"])  # fmt: skip
        return self.secret


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker holds a delivery while it sends it; a worker killed meanwhile
    # lets the lease run out and another (or its restart) sends it again.
    leased_until = models.DateTimeField(null=True, blank=True)
    # Build hooks: how many events this one request stands for.
    coalesced = models.PositiveIntegerField(default=1)
    # Redeliveries and test events, asked for in the admin: sent at once, not
    # queued behind a retrying delivery (and never holding others back).
    manual = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["endpoint", "status", "id"], name="delivery_queue"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="delivery_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event.type} to {self.endpoint}"


class DeliveryAttempt(models.Model):
    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.started_at:%H:%M:%S}"

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
