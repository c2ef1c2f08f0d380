"""Pages in the admin (About, Now, Uses): the post editor's form, Markdown editor,
live preview, preview links, revisions and scheduling, without a post's tags,
bylines or search."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from blog import preview
from blog.editor import STATE_COLOURS, MarkdownEditor, PageAdminForm
from blog.images import Image
from blog.models import Page
from blog.public_urls import public_url
from blog.redirect_admin import RedirectNoticeMixin
from blog.seo_admin import SeoAdminMixin


@admin.register(Page)
class PageAdmin(RedirectNoticeMixin, SeoAdminMixin, SimpleHistoryAdmin):
    form = PageAdminForm
    list_display = ["title", "state_label", "show_in_navigation", "nav_order",
                    "published_at"]  # fmt: skip
    list_editable = ["show_in_navigation", "nav_order"]
    list_filter = ["status", "show_in_navigation"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["feature_image"]
    ordering = ["nav_order", "title", "id"]
    readonly_fields = ["word_count", "reading_time_minutes", "created_at", "updated_at"]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "feature_image", "body"]}),
        (
            "Publishing",
            {"fields": ["status", "published_at", "show_in_navigation", "nav_order"]},
        ),
        (
            "Computed on save",
            {
                "fields": [
                    ("word_count", "reading_time_minutes"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "body":
            site = self.admin_site
            attrs = {}
            images = site.get_model_admin(Image) if site.is_registered(Image) else None
            if images and images.has_view_or_change_permission(request):
                attrs["data-image-chooser-url"] = reverse(
                    f"{site.name}:blog_image_choose"
                )
            # The posts' live preview renders any Markdown the same way.
            kwargs["widget"] = MarkdownEditor(
                preview_url=reverse(f"{site.name}:blog_post_markdown_preview"),
                attrs=attrs,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ) -> HttpResponse:
        if obj is not None and obj.pk:
            token = preview.make_token(obj.pk, kind="page")
            api_url = request.build_absolute_uri(
                reverse("api:page-preview", args=[token])
            )
            context["preview_url"] = preview.preview_url(token, api_url)
            context["preview_minutes"] = preview.lifetime_minutes()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def view_on_site(self, page: Page) -> str | None:
        """The page on the front-end (`FRONTEND_PAGE_URL`), once it is live."""
        return public_url("page", page.slug) if page.state == "published" else None

    @admin.display(description="status", ordering="status")
    def state_label(self, page: Page) -> str:
        state = page.state
        return format_html(
            '<strong style="color:{}">{}</strong>',
            STATE_COLOURS[state],
            state.capitalize(),
        )

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = 0
        for page in queryset:
            if page.state == "published":
                continue
            page.status = Page.Status.PUBLISHED
            page.published_at = timezone.now()
            page.save()
            published += 1
        self.message_user(request, f"Published {published} page(s).", messages.SUCCESS)

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        for page in queryset:
            page.status = Page.Status.DRAFT
            page.save()
            changed += 1
        self.message_user(
            request, f"Moved {changed} page(s) back to draft.", messages.SUCCESS
        )
