"""`manage.py add_webhook URL [--event TYPE]... [--secret whsec_...] [--ghost]`.

Prints the endpoint's id and its secret: the receiver verifies signatures with it.
"""

import base64
import binascii

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from blog import webhooks
from blog.outbox import SECRET_PREFIX, WebhookEndpoint, new_secret
from blog.webhook_types import EVENT_TYPES


class Command(BaseCommand):
    help = "Add a webhook endpoint; prints its id and secret."

    def add_arguments(self, parser) -> None:
        parser.add_argument("url")
        parser.add_argument(
            "--event",
            action="append",
            default=[],
            metavar="TYPE",
            help="An event type to send (repeatable); none given: every type.",
        )
        parser.add_argument("--secret", help="whsec_ and base64; default: a new one.")
        parser.add_argument(
            "--ghost",
            action="store_true",
            help="Send Ghost's body and X-Ghost-Signature as well.",
        )
        parser.add_argument(
            "--build-hook",
            action="store_true",
            help="A build hook: one request per WEBHOOK_DEBOUNCE_SECONDS at most.",
        )
        parser.add_argument("--description", default="")

    def handle(self, *args, **options) -> None:
        url = options["url"]
        try:
            webhooks.validate_url(url)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        unknown = [kind for kind in options["event"] if kind not in EVENT_TYPES]
        if unknown:
            raise CommandError(
                f"Unknown event type {unknown[0]!r}; known: {', '.join(EVENT_TYPES)}."
            )
        secret = options["secret"] or new_secret()
        if not secret.startswith(SECRET_PREFIX):
            raise CommandError(f"The secret must start with {SECRET_PREFIX}.")
        try:
            key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
        except binascii.Error as error:
            raise CommandError(
                "The secret's part after whsec_ is not base64."
            ) from error
        if not 24 <= len(key) <= 64:
            raise CommandError("The secret must hold 24 to 64 bytes.")
        if options["ghost"] and options["build_hook"]:
            raise CommandError("Choose --ghost or --build-hook, not both.")
        kind = WebhookEndpoint.Kind.STANDARD
        if options["ghost"]:
            kind = WebhookEndpoint.Kind.GHOST
        elif options["build_hook"]:
            kind = WebhookEndpoint.Kind.BUILD_HOOK
        endpoint = WebhookEndpoint.objects.create(
            url=url,
            events=list(dict.fromkeys(options["event"])),
            secret=secret,
            kind=kind,
            description=options["description"],
        )
        self.stdout.write(f"id: {endpoint.pk}")
        self.stdout.write(f"secret: {endpoint.secret}")
