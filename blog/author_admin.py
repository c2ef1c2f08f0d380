"""The authors' admin: bylines and their profiles, the posts each signs, merging
one author into another (their address then redirects), and refusing to delete an
author who still signs posts."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    ProtectedError,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from blog.image_admin import thumbnail_html
from blog.models import Author, PostAuthor, validate_links
from blog.redirect_admin import RedirectNoticeMixin
from blog.redirects import SlugRedirect
from blog.seo_admin import SeoAdminMixin

AVATAR_BOX = 40  # px: the list's avatars fit in this square
NONE_SHOWN = "—"


def signed_posts_count() -> Coalesce:
    """Per author, the posts they sign in any state (drafts and scheduled too): a
    correlated count, so the list's query needs no GROUP BY."""
    links = (
        PostAuthor.objects.filter(author=OuterRef("pk"))
        .order_by()
        .values("author")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(links, output_field=IntegerField()), 0)


def _posts(count: int) -> str:
    return f"{count} post{'' if count == 1 else 's'}"


# --- Forms -------------------------------------------------------------------------


class AuthorAdminForm(forms.ModelForm):
    website = forms.URLField(max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Author
        fields = [
            "name", "slug", "bio", "avatar", "cover_image", "website", "location",
            "links", "user",
        ]  # fmt: skip
        help_texts = {
            "user": "The editor's login whose new posts get this byline. Never "
            "shown to readers.",
        }

    def clean_links(self) -> list:
        links = self.cleaned_data.get("links")
        # An emptied box (or `null`) is no links. The model skips its validators
        # for the "empty" values ({} among them) and the column takes no NULL, so
        # without this they would be saved as they are, or fail at the database.
        if links is None or links == "":
            return []
        validate_links(links)
        return links


class MergeForm(forms.Form):
    def __init__(self, *args, sources: list[Author], admin_site, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sources = sources
        # Searches the authors as the byline inline does (`AuthorAdmin.search_fields`).
        self.fields["target"] = forms.ModelChoiceField(
            queryset=Author.objects.all(),
            label="Merge into",
            help_text="The author who keeps the posts. Search by name or slug.",
            widget=AutocompleteSelect(PostAuthor._meta.get_field("author"), admin_site),
        )

    def clean_target(self) -> Author:
        target = self.cleaned_data["target"]
        if any(source.pk == target.pk for source in self.sources):
            raise ValidationError(
                f"“{target}” is one of the authors to merge, and an author cannot be "
                "merged into themselves. Choose another author, or leave this one "
                "out of the selection."
            )
        return target


# --- The admin -----------------------------------------------------------------


@admin.register(Author)
class AuthorAdmin(RedirectNoticeMixin, SeoAdminMixin, admin.ModelAdmin):
    form = AuthorAdminForm
    list_display = [
        "avatar_thumbnail", "name", "slug", "visible_posts", "all_posts", "has_login",
    ]  # fmt: skip
    list_display_links = ["avatar_thumbnail", "name"]
    list_select_related = ["avatar"]
    list_per_page = 50
    # Also what the byline inline's and the merge page's author search looks in.
    search_fields = ["name", "slug", "bio"]
    search_help_text = "Part of a name, slug or bio."
    ordering = ["name", "id"]
    prepopulated_fields = {"slug": ["name"]}
    # The images: search the library by alt text, or "+" to upload one.
    autocomplete_fields = ["avatar", "cover_image", "user"]
    actions = ["merge"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "bio", "avatar", "cover_image"]}),
        ("Elsewhere", {"fields": ["website", "location", "links"]}),
        ("Login", {"fields": ["user"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .with_post_counts()
            .annotate(all_post_count=signed_posts_count())
        )

    # --- Columns -------------------------------------------------------------------

    @admin.display(description="avatar")
    def avatar_thumbnail(self, author: Author) -> str:
        if author.avatar is None:
            return NONE_SHOWN
        return thumbnail_html(author.avatar, AVATAR_BOX)

    @admin.display(description="published posts", ordering="post_count")
    def visible_posts(self, author: Author) -> int:
        return author.post_count

    @admin.display(description="all posts", ordering="all_post_count")
    def all_posts(self, author: Author) -> str:
        count = author.all_post_count
        if not count:
            return "0"
        return format_html(
            '<a href="{}?{}">{}</a>',
            reverse(f"{self.admin_site.name}:blog_post_changelist"),
            urlencode({"authors__id__exact": author.pk}),
            count,
        )

    @admin.display(description="login", boolean=True, ordering="user")
    def has_login(self, author: Author) -> bool:
        return author.user_id is not None

    # --- Merging -------------------------------------------------------------------

    @admin.action(description="Merge into…", permissions=["change", "delete"])
    def merge(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        sources = list(queryset)
        form = MergeForm(
            request.POST if "apply" in request.POST else None,
            sources=sources,
            admin_site=self.admin_site,
        )
        if form.is_valid():
            target = form.cleaned_data["target"]
            done = []
            # All or nothing: a failure part-way leaves every author as it was.
            with transaction.atomic():
                for source in sources:
                    name, slug = source.name, source.slug
                    moved = source.merge_into(target)
                    redirected = SlugRedirect.objects.filter(
                        kind=SlugRedirect.Kind.AUTHOR, old_slug=slug, author=target
                    ).exists()
                    done.append((name, moved, redirected))
            for name, moved, redirected in done:
                message = f"Merged {name} into {target}: {_posts(moved)} moved"
                if redirected:
                    message += f"; its old address now redirects to {target}."
                else:
                    # Readers never saw it (no visible post): no address to keep.
                    message += "."
                self.message_user(request, message, messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge authors",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "authors": sources,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/blog/author/merge.html", context)

    # --- Deleting: never an author who signs posts ---------------------------------

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        refusals = self.bylines_of(objs)
        if refusals:
            # Instead of Django's list of protected "post author" rows.
            protected = refusals
        return deleted, model_count, perms_needed, protected

    def bylines_of(self, authors) -> list[str]:
        """For each author who signs posts, a line saying why they stay."""
        authors = list(authors)
        counts = dict(
            PostAuthor.objects.filter(author__in=[author.pk for author in authors])
            .order_by()
            .values("author")
            .annotate(n=Count("*"))
            .values_list("author", "n")
        )
        return [
            format_html(
                "“{}” signs {} and cannot be deleted. Merge them into another "
                "author first (action “Merge into…”).",
                author,
                _posts(counts[author.pk]),
            )
            for author in authors
            if counts.get(author.pk)
        ]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """One by one: an author who got a byline since the confirmation page was
        shown is left alone, the others are deleted."""
        for author in queryset:
            try:
                author.delete()
            except ProtectedError:
                self.message_user(
                    request,
                    format_html(
                        "“{}” was not deleted: they sign a post now. Merge them into "
                        "another author first (action “Merge into…”).",
                        author,
                    ),
                    messages.ERROR,
                )

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:
            # A byline came after the confirmation page: the deletion (and its log
            # entry) rolled back with the view's transaction.
            self.message_user(
                request,
                "The author was not deleted: they sign a post now. Merge them into "
                "another author first (action “Merge into…”).",
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:blog_author_change", args=[object_id])
            )
