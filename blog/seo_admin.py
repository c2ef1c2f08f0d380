"""The editors' "Search & social" section (`SeoAdminMixin`): the SEO fields, live
character counters, and previews of the search result and the social card.

The previews are what the API would answer: `blog/seo-admin.js` posts the form as
it stands to `seo_preview_view`, which fills an unsaved copy of the object from it
and calls `blog.seo.resolve`, the function the API's `seo` comes from.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.http import HttpRequest, JsonResponse
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from blog import derived, seo
from blog.images import SOCIAL_IMAGE_FIELDS

SECTION = "Search & social"
SECTION_DESCRIPTION = (
    "How search engines and social networks show this page. Every field may stay "
    "empty: the preview shows what is used instead."
)
FIELDS = [
    "seo_preview",
    "meta_title",
    "meta_description",
    "canonical_url",
    "noindex",
    "og_title",
    "og_description",
    "og_image",
    "twitter_title",
    "twitter_description",
    "twitter_image",
]
DESCRIPTIONS = {"meta_description", "og_description", "twitter_description"}
# Past these, results and cards usually cut the text (the counters warn).
RECOMMENDED_LENGTHS = {
    "meta_title": seo.RECOMMENDED_TITLE_LENGTH,
    "meta_description": seo.RECOMMENDED_DESCRIPTION_LENGTH,
    "og_title": 70,
    "og_description": 200,
    "twitter_title": 70,
    "twitter_description": 200,
}
SEARCH_TITLE_SHOWN = seo.RECOMMENDED_TITLE_LENGTH
SEARCH_DESCRIPTION_SHOWN = seo.RECOMMENDED_DESCRIPTION_LENGTH
CARD_TITLE_SHOWN = 88
CARD_DESCRIPTION_SHOWN = 160
OBJECT_ID = "_seo_object_id"  # the field the script adds to the posted form


BREADCRUMB = "\u203a"  # the single angle quotation mark results put between parts


def display_url(url: str) -> str:
    """`https://www.example.com > posts > slug` (with the angle quotation mark), as
    a search result shows an address."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    return f" {BREADCRUMB} ".join([f"{parts.scheme}://{parts.netloc}", *segments])


def previews(resolved: dict) -> dict:
    """What the search result and the social card show of a resolved `seo`."""
    card = resolved["open_graph"]
    return {
        "search": {
            "title": seo.shorten(resolved["title"], SEARCH_TITLE_SHOWN),
            "url": display_url(resolved["canonical_url"]),
            "description": seo.shorten(
                resolved["description"], SEARCH_DESCRIPTION_SHOWN
            ),
            "indexed": resolved["robots"]["index"],
        },
        "card": {
            "image": card["image"],
            "site": urlsplit(card["url"]).netloc.upper(),
            "title": seo.shorten(card["title"], CARD_TITLE_SHOWN),
            "description": seo.shorten(card["description"], CARD_DESCRIPTION_SHOWN),
        },
    }


def _without(fields, names: set[str]) -> list:
    """A fieldset's fields (names, or tuples of names on one line) less `names`."""
    kept = []
    for entry in fields:
        if isinstance(entry, list | tuple):
            line = [name for name in entry if name not in names]
            if line:
                kept.append(tuple(line) if len(line) > 1 else line[0])
        elif entry not in names:
            kept.append(entry)
    return kept


def _restore(instance, name: str, before: dict) -> None:
    """Put field `name` of `instance` back to its value in `before` (its
    `__dict__` before the form filled it)."""
    try:
        field = instance._meta.get_field(name)
    except FieldDoesNotExist:  # a form-only field, or the form's own errors
        return
    if not getattr(field, "concrete", False) or field.many_to_many:
        return
    if field.is_relation and field.is_cached(instance):
        field.delete_cached_value(instance)
    if field.attname in before:
        setattr(instance, field.attname, before[field.attname])
    else:  # deferred: read again from the database if it is needed
        instance.__dict__.pop(field.attname, None)


class SeoAdminMixin:
    """For a ModelAdmin of a model with `blog.seo.SeoFields`: adds the collapsed
    "Search & social" section (whatever the admin's own fieldsets), its counters,
    previews and preview endpoint. `seo_kind` is `resolve`'s kind (by default the
    model's name: `post`, `tag`)."""

    seo_kind = ""

    def get_seo_kind(self) -> str:
        return self.seo_kind or self.opts.model_name

    @property
    def media(self) -> forms.Media:
        return super().media + forms.Media(
            css={"all": ["blog/seo-admin.css"]}, js=["blog/seo-admin.js"]
        )

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        own = set(FIELDS)
        fieldsets = [
            (name, {**options, "fields": _without(options["fields"], own)})
            for name, options in super().get_fieldsets(request, obj)
        ]
        section = {
            "classes": ["collapse"],
            "description": SECTION_DESCRIPTION,
            "fields": FIELDS,
        }
        return [*[f for f in fieldsets if f[1]["fields"]], (SECTION, section)]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list:
        return [*super().get_readonly_fields(request, obj), "seo_preview"]

    def get_autocomplete_fields(self, request: HttpRequest) -> list:
        # The library is large: search it by alt text, as for the feature image.
        own = list(super().get_autocomplete_fields(request))
        return [*own, *(name for name in SOCIAL_IMAGE_FIELDS if name not in own)]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name in DESCRIPTIONS:
            kwargs["widget"] = forms.Textarea(attrs={"rows": 3})
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        recommended = RECOMMENDED_LENGTHS.get(db_field.name)
        if formfield is not None and recommended:
            formfield.widget.attrs["data-seo-recommended"] = str(recommended)
        return formfield

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "seo-preview/",
                self.admin_site.admin_view(self.seo_preview_view),
                name="{}_{}_seo_preview".format(*info),
            )
        ]
        # Before the admin's own patterns, whose `<object_id>/` would match first.
        return own + super().get_urls()

    @admin.display(description="preview")
    def seo_preview(self, obj) -> str:
        """The two previews as saved (or empty, for a new object); the script keeps
        them current as the editor types."""
        info = self.opts.app_label, self.opts.model_name
        resolved = seo.resolve(self.get_seo_kind(), obj, site=derived.site())
        return render_to_string(
            "blog/seo_preview.html",
            {
                "preview_url": reverse(
                    "{}:{}_{}_seo_preview".format(self.admin_site.name, *info)
                ),
                "object_id": obj.pk or "",
                **previews(resolved),
            },
        )

    @method_decorator(require_POST)
    def seo_preview_view(self, request: HttpRequest) -> JsonResponse:
        """The form as posted, resolved: `{"seo", "search", "card", "errors"}`,
        `seo` exactly as the API would show it. Fields with errors keep their saved
        value (listed in `errors`)."""
        object_id = request.POST.get(OBJECT_ID, "")
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:
            return JsonResponse({"detail": "No such object."}, status=404)
        allowed = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        instance = obj or self.model()
        before = dict(instance.__dict__)
        form = form_class(request.POST, instance=instance)
        form.is_valid()  # fills the instance from the form
        # The model's own validators run after the form has filled the instance: a
        # value they refuse is put back to what it was.
        for name in form.errors:
            _restore(instance, name, before)
        resolved = seo.resolve(
            self.get_seo_kind(), instance, site=derived.site(), request=request
        )
        errors = {
            name: [str(message) for message in messages]
            for name, messages in form.errors.items()
            if name in FIELDS
        }
        return JsonResponse({"seo": resolved, **previews(resolved), "errors": errors})
