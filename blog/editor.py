"""The post editor's forms: a Markdown field with a live preview, publishing as
editors think of it (draft, scheduled, published), and friendly errors."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.core import validators as django_validators
from django.utils import timezone

from blog.models import Page, Post
from blog.slugs import validate_slug

SCHEDULED = "scheduled"
STATE_CHOICES = [
    (Post.Status.DRAFT, "Draft"),
    (SCHEDULED, "Scheduled"),
    (Post.Status.PUBLISHED, "Published"),
]
# How the post and page lists show each state.
STATE_COLOURS = {"draft": "#777", "scheduled": "#b26b00", "published": "#2a7a2a"}
# What the admin's date and time boxes (and the schedule form's picker) accept.
DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class MarkdownEditor(forms.Textarea):
    """A Markdown textarea with its rendered preview beside it.

    `blog/markdown-editor.js` posts the text to `preview_url` (an admin-only view
    using the same renderer and sanitiser as the API) as the editor types, and
    shows the HTML with the word count and reading time.
    """

    template_name = "blog/widgets/markdown_editor.html"

    class Media:
        css = {"all": ["blog/markdown-editor.css"]}
        js = ["blog/markdown-editor.js"]

    def __init__(self, preview_url: str, attrs: dict | None = None) -> None:
        super().__init__({"rows": 24, "spellcheck": "true", **(attrs or {})})
        self.preview_url = preview_url

    def get_context(self, name, value, attrs) -> dict:
        context = super().get_context(name, value, attrs)
        context["preview_url"] = self.preview_url
        return context


class PostAdminForm(forms.ModelForm):
    status = forms.ChoiceField(
        choices=STATE_CHOICES,
        help_text="Draft: hidden. Scheduled: goes live at the publish time below. "
        "Published: live now (an empty publish time means now).",
    )

    class Meta:
        model = Post
        fields = [
            "title", "slug", "summary", "body", "status", "published_at", "featured",
            "tags",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["status"] = self.instance.state
        slug = self.fields.get("slug")
        if slug is not None:
            # Django's generic slug check allows capitals and underscores; ours
            # (the API's address rule) explains what is allowed instead.
            slug.validators = [
                validator
                for validator in slug.validators
                if validator is not django_validators.validate_slug
            ]
            slug.validators.append(validate_slug)

    def clean(self) -> dict:
        cleaned = super().clean()
        state = cleaned.get("status")
        published_at: datetime | None = cleaned.get("published_at")
        if "published_at" in self.errors:
            return cleaned
        now = timezone.now()
        if state == SCHEDULED:
            if published_at is None:
                self.add_error(
                    "published_at",
                    f"A scheduled {self._meta.model._meta.verbose_name} needs a "
                    "publish date and time: set when it goes live.",
                )
            elif published_at <= now:
                self.add_error(
                    "published_at",
                    "That time has already passed. Set a future time to schedule "
                    "the post, or choose Published to publish it now.",
                )
            cleaned["status"] = Post.Status.PUBLISHED
        elif state == Post.Status.PUBLISHED and published_at and published_at > now:
            self.add_error(
                "status",
                "The publish time is in the future, so the post would not be live "
                "yet: choose Scheduled, or clear the publish time to publish now.",
            )
        return cleaned


class ScheduleForm(forms.Form):
    """The intermediate page of the changelist's "Schedule…" action."""

    published_at = forms.DateTimeField(
        label="Go live at (UTC)",
        input_formats=DATETIME_INPUT_FORMATS,
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )

    def clean_published_at(self) -> datetime:
        published_at = self.cleaned_data["published_at"]
        if published_at <= timezone.now():
            raise forms.ValidationError(
                "That time has already passed: choose a future time "
                "(or use “Publish now”)."
            )
        return published_at


class PageAdminForm(PostAdminForm):
    """A page's form: the post's publishing rules, a page's fields."""

    class Meta:
        model = Page
        fields = [
            "title", "slug", "summary", "body", "status", "published_at",
            "show_in_navigation", "nav_order",
        ]  # fmt: skip
