"""The query parameters of the post lists, as a django-filter FilterSet."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import django_filters
from django import forms
from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular.utils import extend_schema_field

from api.context import directory
from blog import derived
from blog.related import AUTHORS, TAGS
from blog.slugs import is_valid_slug

ORDERINGS = {
    "-published_at": ("-published_at", "-id"),
    "published_at": ("published_at", "id"),
    "title": ("title", "id"),
    "-title": ("-title", "-id"),
}


class SlugListField(forms.Field):
    """Every value of a repeated parameter (`?tag=a&tag=b`), empty ones dropped."""

    widget = forms.SelectMultiple
    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value) -> list[str]:
        if not value:
            return []
        values = [value] if isinstance(value, str) else list(value)
        return list(dict.fromkeys(v for v in values if v != ""))

    def run_validators(self, value: list[str]) -> None:
        for item in value:
            super().run_validators(item)

    def validate(self, value: list[str]) -> None:
        limit = settings.API_MAX_REPEATED_VALUES
        if len(value) > limit:
            raise forms.ValidationError(
                "At most %(limit)d values.", code="too_many", params={"limit": limit}
            )
        for item in value:
            if not is_valid_slug(item):
                raise forms.ValidationError(
                    "%(value)r is not a slug (lowercase letters, digits and hyphens).",
                    code="invalid_slug",
                    params={"value": item[:60]},
                )


class SlugListFilter(django_filters.Filter):
    field_class = SlugListField


_DATE = r"\d{4}-\d{2}-\d{2}"
_TIME = r"\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?"
DATE_RE = re.compile(rf"\A{_DATE}\Z")
DATETIME_RE = re.compile(rf"\A{_DATE}[Tt]{_TIME}(?:[Zz]|[+-]\d{{2}}:\d{{2}})?\Z")
LOCAL_DATETIME_PATTERN = rf"^{_DATE}T{_TIME}$"


class DateBoundField(forms.Field):
    """An ISO 8601 date, or an RFC 3339 datetime whose offset may be left out (UTC)."""

    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value) -> date | datetime | None:
        if value in (None, ""):
            return None
        text = str(value)
        try:
            if DATE_RE.match(text):
                return date.fromisoformat(text)
            if not DATETIME_RE.match(text):
                raise ValueError(text)
            parsed = datetime.fromisoformat(text.upper())
        except ValueError:
            raise forms.ValidationError(
                "Enter an ISO 8601 date (2026-11-26) or datetime "
                "(2026-11-26T07:08:14Z).",
                code="invalid_datetime",
            ) from None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # 0001-01-01T00:00:00+01:00 is before year 1 in UTC
            raise forms.ValidationError(
                "The datetime is outside the years 1 to 9999 in UTC.",
                code="out_of_range",
            ) from None


class DateBoundFilter(django_filters.Filter):
    field_class = DateBoundField


class YearField(forms.Field):
    default_validators = [ProhibitNullCharactersValidator()]

    def to_python(self, value) -> int | None:
        if value in (None, ""):
            return None
        text = str(value)
        if not (len(text) == 4 and text.isascii() and text.isdigit()) or text < "1000":
            raise forms.ValidationError(
                "Enter a four-digit year (for example 2026).", code="invalid_year"
            )
        return int(text)


_SLUG_SCHEMA = {
    "type": "string",
    "pattern": r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    "maxLength": 200,
}
_DATE_OR_DATETIME = [
    {"type": "string", "format": "date"},
    {"type": "string", "format": "date-time"},
    {
        "type": "string",
        "pattern": LOCAL_DATETIME_PATTERN,
        "description": "A datetime without an offset, read as UTC.",
    },
]


class YearFilter(django_filters.Filter):
    field_class = YearField


def _choice_error(name: str, choices) -> dict:
    allowed = ", ".join(choices)
    return {"invalid_choice": f"'{name}' must be one of: {allowed}."}


class PostFilter(django_filters.FilterSet):
    tag = SlugListFilter(method="filter_tag")
    tag_match = django_filters.ChoiceFilter(
        choices=[("any", "any"), ("all", "all")],
        method="filter_nothing",
        error_messages=_choice_error("tag_match", ["any", "all"]),
    )
    exclude_tag = SlugListFilter(method="filter_exclude_tag")
    author = SlugListFilter(method="filter_author")
    search = django_filters.CharFilter(
        method="filter_search", max_length=settings.API_SEARCH_MAX_LENGTH
    )
    featured = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        method="filter_featured",
        error_messages=_choice_error("featured", ["true", "false"]),
    )
    published_after = DateBoundFilter(method="filter_published_after")
    published_before = DateBoundFilter(method="filter_published_before")
    year = YearFilter(method="filter_year")
    ordering = django_filters.ChoiceFilter(
        choices=[(key, key) for key in ORDERINGS],
        method="filter_ordering",
        error_messages=_choice_error("ordering", ORDERINGS),
    )

    def get_form_class(self):
        """Built once: the form's fields depend only on the declared filters, and
        django-filter would otherwise make a new class and new fields per request
        (each form still copies its fields, as every Django form does)."""
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class

    # The parameters naming tags or authors by slug: an unknown one is a 400.
    SLUG_PARAMETERS = {"tag": TAGS, "exclude_tag": TAGS, "author": AUTHORS}

    def is_valid(self) -> bool:
        """Valid values, and every slug names a tag or author readers see (read
        from the directories: no query per request)."""
        valid = super().is_valid()
        for name, related in self.SLUG_PARAMETERS.items():
            slugs = self.form.cleaned_data.get(name) or []
            if not slugs:
                continue
            counts = derived.visibility_counts(related)
            unknown = directory(self.request, related).unknown_slugs(slugs, counts)
            if unknown:
                listed = ", ".join(repr(slug[:60]) for slug in unknown)
                kind = related.name[:-1]
                error = forms.ValidationError(
                    f"Unknown {kind}: {listed}.", f"unknown_{kind}"
                )
                self.form.add_error(name, error)
        return valid and not self.form.errors

    def _tags(self, slugs: list[str]):
        return directory(self.request, TAGS).find(slugs)

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["any", "all"],
            "description": "`any`: posts with at least one of the `tag`s; "
            "`all`: posts with every one.",
        }
    )
    def filter_nothing(self, queryset, name, value):
        return queryset  # tag_match only changes how `tag` filters

    @extend_schema_field(
        {
            "type": "array",
            "items": _SLUG_SCHEMA,
            "maxItems": settings.API_MAX_REPEATED_VALUES,
            "description": "Tag slug; repeat for several (`?tag=a&tag=b`). "
            "An unknown slug is a 400.",
            "example": ["engineering"],
        }
    )
    def filter_tag(self, queryset, name, slugs):
        if self.form.cleaned_data.get("tag_match") == "all":
            return queryset.with_all_tags(self._tags(slugs))
        return queryset.with_any_tag(self._tags(slugs))

    @extend_schema_field(
        {
            "type": "array",
            "items": _SLUG_SCHEMA,
            "maxItems": settings.API_MAX_REPEATED_VALUES,
            "description": "Leave out posts with this tag; repeatable. "
            "An unknown slug is a 400.",
            "example": ["career"],
        }
    )
    def filter_exclude_tag(self, queryset, name, slugs):
        return queryset.without_tags(self._tags(slugs))

    @extend_schema_field(
        {
            "type": "array",
            "items": _SLUG_SCHEMA,
            "maxItems": settings.API_MAX_REPEATED_VALUES,
            "description": "Author slug; repeat for several: posts by any of them. "
            "An unknown slug (or an author without a visible post) is a 400.",
            "example": ["ada-lovelace"],
        }
    )
    def filter_author(self, queryset, name, slugs):
        return queryset.with_any_author(directory(self.request, AUTHORS).find(slugs))

    @extend_schema_field(
        {
            "type": "string",
            "maxLength": settings.API_SEARCH_MAX_LENGTH,
            "description": "Full-text search over title, summary and body, ranked "
            "by relevance unless `ordering` is given. On PostgreSQL, web-search "
            'syntax: `"exact phrase"`, `or`, `-word`, with English stemming; a '
            "search that requires no word (`-word` alone) is newest first, and one "
            "of stop words only finds nothing.",
            "example": "failure isolation",
        }
    )
    def filter_search(self, queryset, name, text):
        return queryset.matching(
            text, ranked=not self.form.cleaned_data.get("ordering")
        )

    @extend_schema_field(
        {
            "type": "string",
            "enum": ["true", "false"],
            "description": "`true`: only featured posts; `false`: only the others.",
        }
    )
    def filter_featured(self, queryset, name, featured: bool):
        return queryset.filter(featured=featured)

    @extend_schema_field(
        {
            "anyOf": _DATE_OR_DATETIME,
            "description": "Inclusive lower bound on `published_at`. A date alone "
            "starts at 00:00 UTC that day; a datetime without an offset is UTC.",
            "example": "2026-01-01",
        }
    )
    def filter_published_after(self, queryset, name, value):
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.min, tzinfo=UTC)
        return queryset.published_between(after=value)

    @extend_schema_field(
        {
            "anyOf": _DATE_OR_DATETIME,
            "description": "Inclusive upper bound on `published_at`. A date alone "
            "covers that whole UTC day; a datetime without an offset is UTC.",
            "example": "2026-12-31",
        }
    )
    def filter_published_before(self, queryset, name, value):
        if not isinstance(value, datetime):
            value = datetime.combine(value, time.max, tzinfo=UTC)
        return queryset.published_between(before=value)

    @extend_schema_field(
        {
            "type": "integer",
            "minimum": 1000,
            "maximum": 9999,
            "description": "Four-digit year of `published_at` (UTC).",
            "example": 2026,
        }
    )
    def filter_year(self, queryset, name, year):
        return queryset.in_year(year)

    @extend_schema_field(
        {
            "type": "string",
            "enum": list(ORDERINGS),
            # No "default": generators would then always send it, and a search
            # would never be ranked by relevance.
            "description": "Sort order. Default: newest first (by relevance when "
            "`search` is given).",
            "x-enum-varnames": [
                "NEWEST_FIRST",
                "TITLE_Z_TO_A",
                "OLDEST_FIRST",
                "TITLE_A_TO_Z",
            ],
        }
    )
    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
