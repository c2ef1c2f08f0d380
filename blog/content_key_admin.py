"""The admin of Content API keys: made with a name, shown once made, deleted to
revoke."""

from __future__ import annotations

from django.contrib import admin

from blog.content_keys import ContentApiKey


@admin.register(ContentApiKey)
class ContentApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "secret", "created_at"]
    fields = ["name", "secret", "created_at"]
    readonly_fields = ["secret", "created_at"]
    search_fields = ["name"]
