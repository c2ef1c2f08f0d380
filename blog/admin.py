"""The editors' admin: write, tag, schedule, publish, preview, and restore old
versions (django-simple-history keeps one for every save and every delete)."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from blog import preview
from blog.editor import STATE_COLOURS, MarkdownEditor, PostAdminForm, ScheduleForm
from blog.image_admin import thumbnail_html  # (and registers the image library)
from blog.images import Image, by_public_id
from blog.markdown import render_markdown
from blog.models import Author, Post, PostAuthor, Tag
from blog.redirect_admin import RedirectNoticeMixin
from blog.seo_admin import SeoAdminMixin

RECOVERABLE_SHOWN = 100
COMPUTED = "Computed on save"
SAVED_ONLY = {"publication_state", "feature_image_preview"}


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


class ImageUseFilter(admin.SimpleListFilter):
    """The posts that feature or show one image: the image list's "used in" links
    here (`?image=<id>`). Shown in the sidebar only while it filters."""

    title = "image"
    parameter_name = "image"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isdigit()):
            return []
        image = Image.objects.filter(pk=value).only("id", "alt", "uuid").first()
        return [(value, str(image))] if image else []

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not (value and value.isdigit()):
            return queryset
        shown = Post.images.through.objects.filter(image_id=value).values("post_id")
        return queryset.filter(Q(feature_image_id=value) | Q(pk__in=shown))


@admin.register(Tag)
class TagAdmin(RedirectNoticeMixin, SeoAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "visible_posts"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).with_post_counts()

    @admin.display(description="published posts", ordering="post_count")
    def visible_posts(self, tag: Tag) -> int:
        return tag.post_count


class BylineInline(admin.TabularInline):
    """A post's authors, in order: drag the rows (or ↑ ↓) and byline-inline.js
    numbers them; without JavaScript, type the numbers (0 is the primary author).
    Search an author, or "+" to add a guest."""

    model = PostAuthor
    fields = ["author", "sort_order"]
    autocomplete_fields = ["author"]
    extra = 0
    verbose_name = "author"
    verbose_name_plural = "byline"
    classes = ["byline-inline"]

    class Media:
        js = ["blog/byline-inline.js"]

    def get_extra(self, request: HttpRequest, obj: Post | None = None, **kwargs):
        # A new post: one row, holding the editor's own author when they have one.
        return 1 if obj is None else 0


@admin.register(Post)
class PostAdmin(RedirectNoticeMixin, SeoAdminMixin, SimpleHistoryAdmin):
    form = PostAdminForm
    inlines = [BylineInline]
    list_display = [
        "title", "state_label", "published_at", "featured", "author_names",
        "tag_names",
    ]  # fmt: skip
    list_filter = [
        StateFilter, "featured", "tags", "authors", "published_at", ImageUseFilter,
    ]  # fmt: skip
    list_select_related = False
    list_per_page = 50
    show_full_result_count = False
    # Searched by get_search_results: any part of the title or slug, or words of
    # the title, summary and body through the full-text index.
    search_fields = ["title", "slug"]
    search_help_text = (
        "Part of a title or slug, or words from the summary and body "
        '("exact phrase", -word).'
    )
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    # The feature image: search the library by its alt text, or "+" to upload.
    autocomplete_fields = ["tags", "feature_image"]
    readonly_fields = [
        "publication_state", "feature_image_preview", "word_count",
        "reading_time_minutes", "created_at", "updated_at",
    ]  # fmt: skip
    ordering = ["-published_at", "-id"]
    actions = ["publish_now", "schedule", "unpublish"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "summary",
                    "feature_image",
                    "feature_image_preview",
                    "body",
                ]
            },
        ),
        (
            "Publishing",
            {
                "fields": [
                    "publication_state",
                    "status",
                    "published_at",
                    "featured",
                    "tags",
                ]
            },
        ),
        (
            COMPUTED,
            {
                "fields": [
                    ("word_count", "reading_time_minutes"),
                    ("created_at", "updated_at"),
                ]
            },
        ),
    ]

    # --- Pages ------------------------------------------------------------------

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "markdown-preview/",
                self.admin_site.admin_view(self.markdown_preview_view),
                name="{}_{}_markdown_preview".format(*info),
            ),
            path(
                "recover/",
                self.admin_site.admin_view(self.recover_list_view),
                name="{}_{}_recover".format(*info),
            ),
        ]
        # Before the admin's own patterns, whose `<object_id>/` would match first.
        return own + super().get_urls()

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .defer("body", "body_html", "search_vector", "toc")
            .prefetch_related(
                Prefetch("tags", queryset=Tag.objects.only("id", "name")),
                Prefetch(
                    "authors",
                    queryset=Author.objects.only("id", "name").order_by(
                        "postauthor__sort_order", "postauthor__id"
                    ),
                ),
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        # Bodies go through the stored full-text index on PostgreSQL: a substring
        # scan of every body takes seconds at 10,000 posts.
        words = Post.objects.matching(term, ranked=False).values("pk")
        return queryset.filter(
            Q(title__icontains=term) | Q(slug__icontains=term) | Q(pk__in=words)
        ), False

    def get_fieldsets(self, request: HttpRequest, obj: Post | None = None) -> list:
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and not _is_revert_page(request):
            return fieldsets
        # A new post, or an old version: nothing computed on save to show yet.
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SAVED_ONLY],
                },
            )
            for name, options in fieldsets
            if name != COMPUTED
        ]

    def formfield_for_dbfield(self, db_field, request: HttpRequest, **kwargs):
        if db_field.name == "body":
            attrs = {}
            site = self.admin_site
            images = site.get_model_admin(Image) if site.is_registered(Image) else None
            if images and images.has_view_or_change_permission(request):
                # markdown-editor.js adds "Insert image", which opens this page.
                attrs["data-image-chooser-url"] = reverse(
                    f"{self.admin_site.name}:blog_image_choose"
                )
            kwargs["widget"] = MarkdownEditor(
                preview_url=reverse(
                    f"{self.admin_site.name}:blog_post_markdown_preview"
                ),
                attrs=attrs,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_formset_kwargs(self, request: HttpRequest, obj: Post, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if not isinstance(inline, BylineInline):
            return kwargs
        data = kwargs.get("data")
        if data is None:
            if obj.pk is None:
                # Shown, never bound: a posted row equal to its initial value would
                # count as unchanged and not be saved.
                own = Author.objects.filter(user=request.user).only("pk").first()
                if own is not None:
                    kwargs["initial"] = [{"author": own.pk, "sort_order": 0}]
        elif f"{prefix}-TOTAL_FORMS" not in data:
            # A form sent without the byline rows (a script, a page from before
            # bylines) leaves the byline as it is instead of failing.
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        return kwargs

    def render_change_form(
        self, request, context, add=False, change=False, form_url="", obj=None
    ) -> HttpResponse:
        if obj is not None and obj.pk:
            context["preview_url"] = self.preview_url_for(request, obj)
            context["preview_minutes"] = preview.lifetime_minutes()
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_url_for(self, request: HttpRequest, post: Post) -> str:
        """A fresh signed preview link: the front-end's, or the API's own."""
        token = preview.make_token(post.pk)
        api_url = request.build_absolute_uri(reverse("api:preview", args=[token]))
        return preview.preview_url(token, api_url)

    def save_model(self, request: HttpRequest, post: Post, form, change) -> None:
        super().save_model(request, post, form, change)
        if post.state != "draft":
            warn_missing_alt(request, [post], self.admin_site.name)

    def save_related(self, request: HttpRequest, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        post = form.instance
        bylines = list(
            PostAuthor.objects.filter(post=post).order_by("sort_order", "id")
        )
        if not bylines and not change:
            # A new post is signed: by the editor's own author (made from their full
            # name on first use), else the site's (never their username). An older
            # post left without a byline stays so: an edit is not authorship.
            author = Author.of_user(request.user)
            post.authors.add(author, through_defaults={"sort_order": 0})
            return
        # Hand-typed numbers may repeat or skip: store 0..n-1 in the order they give.
        for position, byline in enumerate(bylines):
            if byline.sort_order != position:
                byline.sort_order = position
                byline.save(update_fields=["sort_order"])

    def response_change(self, request: HttpRequest, post: Post) -> HttpResponse:
        if _is_revert_page(request):
            # Reverted from the history page: back to the post, not the list.
            self.message_user(
                request,
                format_html(
                    "Restored “{}” from its history. Tags are not part of the "
                    "history: check them, and the status, before moving on.",
                    post,
                ),
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:blog_post_change", args=[post.pk])
            )
        return super().response_change(request, post)

    def view_on_site(self, post: Post) -> str | None:
        """The post on the front-end (`FRONTEND_POST_URL`), once it is live."""
        if post.state != "published":
            return None
        return preview.post_url(post.slug)

    @admin.display(description="now")
    def publication_state(self, post: Post) -> str:
        if post.pk is None:
            return "Not saved yet"
        state = post.state
        when = {
            "draft": "",
            "scheduled": "goes live {}",
            "published": "live since {}",
        }[state]
        stamp = (
            timezone.localtime(post.published_at).strftime("%Y-%m-%d %H:%M %Z")
            if post.published_at
            else ""
        )
        return format_html(
            '<strong style="color:{}">{}</strong> {}',
            STATE_COLOURS[state],
            state.capitalize(),
            when.format(stamp) if when else "",
        )

    @admin.display(description="current feature image")
    def feature_image_preview(self, post: Post) -> str:
        image = post.feature_image
        if image is None:
            return "None"
        return format_html(
            '<a href="{}">{}</a>',
            reverse(f"{self.admin_site.name}:blog_image_change", args=[image.pk]),
            thumbnail_html(image, 160),
        )

    @admin.display(description="status", ordering="status")
    def state_label(self, post: Post) -> str:
        state = post.state
        return format_html(
            '<strong style="color:{}">{}</strong>',
            STATE_COLOURS[state],
            state.capitalize(),
        )

    @admin.display(description="authors")
    def author_names(self, post: Post) -> str:
        return ", ".join(author.name for author in post.authors.all())

    @admin.display(description="tags")
    def tag_names(self, post: Post) -> str:
        return ", ".join(tag.name for tag in post.tags.all())

    # --- Views ------------------------------------------------------------------

    @method_decorator(require_POST)
    def markdown_preview_view(self, request: HttpRequest) -> JsonResponse:
        """The editor's live preview: Markdown in, the API's sanitised HTML out."""
        may_add = self.has_add_permission(request)
        if not (may_add or self.has_change_permission(request)):
            raise PermissionDenied
        # Library images (`![alt](image:<id>)`) as the API shows them: one query.
        rendered = render_markdown(request.POST.get("body", ""), images=by_public_id)
        return JsonResponse(
            {
                "html": rendered.html,
                "word_count": rendered.word_count,
                "reading_time_minutes": rendered.reading_time_minutes,
                "toc": rendered.toc,
            }
        )

    def recover_list_view(self, request: HttpRequest) -> TemplateResponse:
        """Deleted posts, newest deletion first, each a link to restore it."""
        # Restoring re-creates the post, so it takes the right to add one.
        if not self.has_add_permission(request):
            raise PermissionDenied
        history = Post.history.model.objects
        last_deletion = (
            history.filter(id=OuterRef("id"), history_type="-")
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        deleted = (
            history.filter(history_type="-", history_id=Subquery(last_deletion))
            .exclude(id__in=Post.objects.values("id"))
            .select_related("history_user")
            .only("id", "history_id", "title", "slug", "history_date", "history_user")
            .order_by("-history_date")[:RECOVERABLE_SHOWN]
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Recover deleted posts",
            "opts": self.opts,
            "deleted": deleted,
            "shown": RECOVERABLE_SHOWN,
        }
        return TemplateResponse(request, "admin/blog/post/recover_list.html", context)

    # --- Actions ----------------------------------------------------------------

    @admin.action(description="Publish now", permissions=["change"])
    def publish_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        published = []
        live = 0
        for post in queryset.defer(None):
            if post.state == "published":
                live += 1  # already live: its date stays, so its place in lists does
                continue
            post.status = Post.Status.PUBLISHED
            post.published_at = timezone.now()
            post.save()
            published.append(post)
        message = f"Published {len(published)} post(s)."
        if live:
            message += f" {live} already live were left as they were."
        self.message_user(request, message, messages.SUCCESS)
        warn_missing_alt(request, published, self.admin_site.name)

    @admin.action(description="Schedule…", permissions=["change"])
    def schedule(self, request: HttpRequest, queryset: QuerySet):
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            when = form.cleaned_data["published_at"]
            changed = []
            for post in queryset.defer(None):
                post.status = Post.Status.PUBLISHED
                post.published_at = when
                post.save()
                changed.append(post)
            self.message_user(
                request,
                f"Scheduled {len(changed)} post(s) to go live at "
                f"{when:%Y-%m-%d %H:%M} UTC.",
                messages.SUCCESS,
            )
            warn_missing_alt(request, changed, self.admin_site.name)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule posts",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "posts": queryset.only("id", "title", "status", "published_at"),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "select_across": request.POST.get("select_across", "0"),
        }
        return TemplateResponse(request, "admin/blog/post/schedule.html", context)

    @admin.action(description="Unpublish (back to draft)", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet) -> None:
        changed = 0
        for post in queryset.defer(None):
            post.status = Post.Status.DRAFT
            post.save()
            changed += 1
        self.message_user(
            request, f"Moved {changed} post(s) back to draft.", messages.SUCCESS
        )


def warn_missing_alt(
    request: HttpRequest, posts: list[Post], site_name: str = "admin"
) -> None:
    """A warning (not an error: a decorative image may have no alt text on
    purpose) for the published or scheduled posts whose feature image has none."""
    ids = {post.feature_image_id for post in posts} - {None}
    if not ids:
        return
    without_alt = {
        image.pk: image for image in Image.objects.filter(pk__in=ids, alt="")
    }
    for post in posts:
        image = without_alt.get(post.feature_image_id)
        if image is None:
            continue
        messages.warning(
            request,
            format_html(
                "The feature image of “{}” has no alt text, so readers who cannot "
                "see it get nothing. That is right only for a decorative image; "
                'otherwise <a href="{}">add alt text to the image</a>.',
                post,
                reverse(f"{site_name}:blog_image_change", args=[image.pk]),
            ),
        )


def _is_revert_page(request: HttpRequest) -> bool:
    """simple-history's page for one old version, with its Revert button."""
    match = request.resolver_match
    return bool(match and match.url_name == "blog_post_simple_history")


# Webhook endpoints and the delivery log, the authors, the pages and the site's
# settings register themselves (modules of their own).
from blog import (  # noqa: E402, F401
    author_admin,
    content_key_admin,
    page_admin,
    site_admin,
    webhook_admin,
)
