"""The admin's notice when a rename leaves a redirect: "Old address … now redirects
here." Mixed into the admin of every model `blog.redirects.REDIRECTED` names."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from blog.redirects import DETAIL_VIEWS, REDIRECTED, SlugRedirect


class RedirectNoticeMixin:
    """After a save that changed the slug of something readers had seen, say where
    its old address now leads (the redirect row the save wrote)."""

    def save_model(self, request: HttpRequest, obj, form, change) -> None:
        old = None
        if change and obj.pk is not None:
            old = type(obj).objects.filter(pk=obj.pk).values_list("slug", flat=True)
            old = old.first()
        super().save_model(request, obj, form, change)
        if old is None or old == obj.slug:
            return
        kind = REDIRECTED[obj._meta.label]
        if SlugRedirect.objects.filter(kind=kind, old_slug=old, **{kind: obj}).exists():
            path = reverse(DETAIL_VIEWS[kind], kwargs={"slug": old})
            self.message_user(
                request,
                format_html(
                    "Old address {} now redirects here (to {}).",
                    path,
                    reverse(DETAIL_VIEWS[kind], kwargs={"slug": obj.slug}),
                ),
                messages.INFO,
            )
