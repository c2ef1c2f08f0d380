"""The admin of the site's settings: one object, edited in place. Its list is its
change page (the row made on first visit); there is no adding a second one and no
deleting it."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.forms.fields import InvalidJSONInput
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from blog.site import Site


class ListJSONField(forms.JSONField):
    """A JSON list in a textarea, one item a line; emptied, the empty list (the
    column holds a list, never null)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 8, "cols": 80}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return [] if value is None else value

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value  # what the editor typed, shown again with the error
        if isinstance(value, list) and value:
            lines = ",\n  ".join(json.dumps(item, ensure_ascii=False) for item in value)
            return f"[\n  {lines}\n]"
        return super().prepare_value(value)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    fieldsets = [
        (None, {"fields": ["title", "description", "locale"]}),
        ("Images", {"fields": ["logo", "icon", "default_social_image"]}),
        ("Navigation and links", {"fields": ["navigation", "links"]}),
        (None, {"fields": ["updated_at"]}),
    ]
    readonly_fields = ["updated_at"]
    # The image library's search (alt text, caption, credit).
    autocomplete_fields = ["logo", "icon", "default_social_image"]
    formfield_overrides = {models.JSONField: {"form_class": ListJSONField}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        # The list makes the one row when it is missing: adding is never needed.
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        site = Site.current()
        return HttpResponseRedirect(
            reverse(f"{self.admin_site.name}:blog_site_change", args=[site.pk])
        )
