"""The editors' admin: write, tag, schedule, publish, and restore old versions."""

from django.contrib import admin, messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from blog.models import Post, Tag


class StateFilter(admin.SimpleListFilter):
    """Draft / scheduled / published, as editors think of them."""

    title = "status"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("scheduled", "Scheduled"),
            ("published", "Published"),
        ]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        return {
            "draft": queryset.drafts,
            "scheduled": queryset.scheduled,
            "published": queryset.published,
        }.get(self.value(), queryset.all)()


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "visible_posts"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_post_counts()

    @admin.display(description="published posts", ordering="post_count")
    def visible_posts(self, tag: Tag) -> int:
        return tag.post_count


@admin.register(Post)
class PostAdmin(SimpleHistoryAdmin):
    list_display = ["title", "state_label", "published_at", "featured", "tag_names"]
    list_filter = [StateFilter, "featured", "tags", "published_at"]
    list_select_related = False
    list_per_page = 50
    show_full_result_count = False
    search_fields = ["title", "summary", "body"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["tags"]
    readonly_fields = ["word_count", "reading_time_minutes", "created_at", "updated_at"]
    ordering = ["-published_at", "-id"]
    actions = ["publish_now", "unpublish"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body"]}),
        ("Publishing", {"fields": ["status", "published_at", "featured", "tags"]}),
        (
            "Derived (computed on save)",
            {
                "fields": [
                    "word_count",
                    "reading_time_minutes",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .defer("body", "body_html", "search_vector", "toc")
            .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("id", "name")))
        )

    @admin.display(description="status", ordering="status")
    def state_label(self, post: Post) -> str:
        colours = {"draft": "#777", "scheduled": "#b26b00", "published": "#2a7a2a"}
        state = post.state
        return format_html(
            '<strong style="color:{}">{}</strong>', colours[state], state.capitalize()
        )

    @admin.display(description="tags")
    def tag_names(self, post: Post) -> str:
        return ", ".join(tag.name for tag in post.tags.all())

    @admin.action(description="Publish now")
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        for post in queryset.defer(None):
            post.status = Post.Status.PUBLISHED
            post.published_at = timezone.now()
            post.save()
            changed += 1
        self.message_user(request, f"Published {changed} post(s).", messages.SUCCESS)

    @admin.action(description="Unpublish (back to draft)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        for post in queryset.defer(None):
            post.status = Post.Status.DRAFT
            post.save()
            changed += 1
        self.message_user(
            request, f"Moved {changed} post(s) back to draft.", messages.SUCCESS
        )
