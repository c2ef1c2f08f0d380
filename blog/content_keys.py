"""Content API keys: what a Ghost front-end sends as `?key=` (`api.ghost`).

A key only lets a client read what every reader sees, so it is no secret in
Ghost's sense either: it ships in browser bundles. It is 26 hex characters, as
`@tryghost/content-api` checks before sending anything. Keys are made in the
admin or with `manage.py ghost_content_key`, and deleting one revokes it: the
table is one of the reader models (`versioning.READER_MODELS`), so a change renews
the content version and no stored answer outlives a revoked key.
"""

from __future__ import annotations

import re
import secrets

from django.db import models

KEY_PATTERN = re.compile(r"[0-9a-f]{26}")


def new_secret() -> str:
    return secrets.token_hex(13)  # 26 hex characters


class ContentApiKey(models.Model):
    name = models.CharField(
        max_length=100, help_text="Who uses it, e.g. “Next.js site”."
    )
    secret = models.CharField(
        max_length=26, unique=True, default=new_secret, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = "Content API key"

    def __str__(self) -> str:
        return self.name


def known_secrets() -> frozenset[str]:
    """Every key's secret (one query; `blog.derived` keeps it per content version)."""
    return frozenset(ContentApiKey.objects.values_list("secret", flat=True))
