"""The admin of outbound webhooks: endpoints, their secrets, and the delivery log
with every attempt, Redeliver and Send test event."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from blog import webhooks, worker
from blog.outbox import URL_MAX_LENGTH, Delivery, DeliveryAttempt, WebhookEndpoint
from blog.webhook_types import EVENT_TYPES

SECRET_OVERLAP = timedelta(hours=24)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        max_length=URL_MAX_LENGTH,
        assume_scheme="https",
        help_text="Where to POST events: http(s) only, a public address unless "
        "WEBHOOK_ALLOW_PRIVATE=true.",
    )
    events = forms.MultipleChoiceField(
        choices=[(kind, kind) for kind in EVENT_TYPES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Leave all unticked to receive every event.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["url", "description", "kind", "events", "active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhooks.validate_url(url)
        except ValidationError as error:
            raise ValidationError(error.messages) from error
        return url


def _reveal(request: HttpRequest, endpoint: WebhookEndpoint, why: str) -> None:
    """The secret is shown this once; afterwards only its last characters."""
    request._webhook_secret_shown = True
    messages.warning(
        request,
        format_html(
            "{} Copy the signing secret now, it is not shown again: <code>{}</code>",
            why,
            endpoint.secret,
        ),
    )


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "kind", "event_list", "state", "created_at"]
    list_filter = ["active", "kind"]
    search_fields = ["url", "description"]
    readonly_fields = ["masked_secret", "state", "cursor"]
    actions = ["send_test_event", "rotate_secret", "enable"]

    def get_fields(self, request, obj=None):
        fields = ["url", "description", "kind", "events", "active"]
        return fields if obj is None else [*fields, "masked_secret", "state"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        if not change:
            _reveal(request, obj, "Endpoint added.")
        elif "active" in form.changed_data and obj.active:
            WebhookEndpoint.objects.filter(pk=obj.pk).update(disabled_reason="")

    @admin.display(description="secret")
    def masked_secret(self, endpoint: WebhookEndpoint) -> str:
        hint = f"whsec_…{endpoint.secret[-4:]}"
        if endpoint.previous_secret_expires_at:
            until = endpoint.previous_secret_expires_at
            hint += f" (the previous one signs too until {until:%Y-%m-%d %H:%M} UTC)"
        return hint

    @admin.display(description="events")
    def event_list(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events) if endpoint.events else "all"

    @admin.display(description="state")
    def state(self, endpoint: WebhookEndpoint) -> str:
        if not endpoint.active:
            return f"disabled {endpoint.disabled_reason}".strip()
        if endpoint.failing_since:
            return f"failing since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC"
        return "active"

    @admin.action(description="Send test event")
    def send_test_event(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            worker.send_test_event(endpoint)
        self.message_user(
            request,
            f"Queued a test event for {queryset.count()} endpoint(s); the worker "
            "sends it within a second (see Deliveries).",
            messages.SUCCESS,
        )

    @admin.action(description="Rotate secret (the old one signs for 24 h more)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            endpoint.rotate_secret(SECRET_OVERLAP)
            _reveal(request, endpoint, f"New secret for {endpoint.url}.")

    @admin.action(description="Re-enable")
    def enable(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(active=True, disabled_reason="")
        self.message_user(request, f"Re-enabled {count} endpoint(s).", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["started_at", "duration_ms", "status_code", "error", "response_excerpt"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts",
                    "last_status_code", "created_at", "next_attempt_at"]  # fmt: skip
    list_filter = ["status", "endpoint", "event__type"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = ["endpoint", "event_type", "webhook_id", "status", "attempts",
                       "coalesced", "created_at", "next_attempt_at", "finished_at",
                       "last_status_code"]  # fmt: skip
    fields = readonly_fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery: Delivery) -> str:
        return delivery.event.type

    @admin.display(description="webhook-id")
    def webhook_id(self, delivery: Delivery) -> str:
        return delivery.event.webhook_id

    @admin.action(description="Redeliver", permissions=["view"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet) -> None:
        for delivery in queryset.select_related("endpoint", "event"):
            worker.redeliver(delivery)
        self.message_user(
            request,
            f"Queued {queryset.count()} delivery(ies) again, with the same webhook-id.",
            messages.SUCCESS,
        )
