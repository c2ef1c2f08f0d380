"""The image library's admin: upload (through `Image.from_file`, the one way in),
alt text, caption, credit and focal point, thumbnails, "used in" counts, retrying
failed renditions, and the chooser the post editor's "Insert image" opens."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db.models import (
    F,
    Func,
    IntegerField,
    OuterRef,
    ProtectedError,
    Q,
    QuerySet,
    Subquery,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from blog.images import ACCEPTED, MIME_TYPES, Image
from blog.models import Post

THUMBNAIL_BOX = 80  # px: the list's and the chooser's thumbnails fit in this square
PREVIEW_WIDTH = 960  # px: the widest rendition the focal-point picker loads
CHOOSER_SHOWN = 60
FALLBACK_TYPES = ("image/jpeg", "image/png")  # every browser shows these
NO_ALT = "(no alt text)"
TEXTS = ["alt", "caption", "credit"]
ADD_FIELDS = ["upload", *TEXTS]


# --- Which file to show, and at what size ----------------------------------------


def _fallbacks(image: Image) -> list[dict]:
    """The renditions every browser can show (JPEG or PNG), narrowest first."""
    found = [r for r in image.renditions if r.get("mime_type") in FALLBACK_TYPES]
    return sorted(found, key=lambda r: r["width"])


def thumbnail_file(image: Image) -> tuple[str, int, int]:
    """(storage name, width, height) of the smallest rendition, else the original
    (renditions pending or failed)."""
    fallbacks = _fallbacks(image)
    if fallbacks:
        smallest = fallbacks[0]
        return smallest["name"], smallest["width"], smallest["height"]
    return image.file, image.width, image.height


def preview_file(image: Image) -> tuple[str, int, int]:
    """The widest rendition up to `PREVIEW_WIDTH`, else the original."""
    fallbacks = [r for r in _fallbacks(image) if r["width"] <= PREVIEW_WIDTH]
    if fallbacks:
        widest = fallbacks[-1]
        return widest["name"], widest["width"], widest["height"]
    return image.file, image.width, image.height


def fit(width: int, height: int, box: int) -> tuple[int, int]:
    """The size that fits `width`x`height` into a `box` square, never enlarged."""
    width, height = max(width, 1), max(height, 1)
    scale = min(box / width, box / height, 1)
    return max(1, round(width * scale)), max(1, round(height * scale))


def thumbnail_html(image: Image, box: int = THUMBNAIL_BOX) -> str:
    name, width, height = thumbnail_file(image)
    shown_width, shown_height = fit(width, height, box)
    return format_html(
        '<img class="image-thumbnail" src="{}" width="{}" height="{}" alt="{}" '
        'loading="lazy" decoding="async">',
        default_storage.url(name),
        shown_width,
        shown_height,
        image.alt,
    )


def reference(image: Image) -> str:
    """What the post body writes to show the image (its alt comes from here)."""
    return f"![](image:{image.uuid})"


# --- Forms -------------------------------------------------------------------------


class ImageAddForm(forms.ModelForm):
    """An upload and its texts. Validating it creates the image through
    `Image.from_file` (its checks' messages become this form's errors)."""

    upload = forms.FileField(
        label="File",
        help_text=f"A {ACCEPTED} file. It is cleaned on the way in: turned upright, "
        "its camera and location data removed.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ",".join(MIME_TYPES.values())}
        ),
    )

    class Meta:
        model = Image
        fields = TEXTS
        widgets = {"alt": forms.TextInput(attrs={"size": 80})}

    def _post_clean(self) -> None:
        super()._post_clean()  # the texts, checked as the model checks them
        if self.errors:
            return
        started = timezone.now()
        try:
            image = Image.from_file(
                self.cleaned_data["upload"],
                alt=self.cleaned_data.get("alt", ""),
                caption=self.cleaned_data.get("caption", ""),
                credit=self.cleaned_data.get("credit", ""),
            )
        except ValidationError as error:
            self._add_upload_error(error)
            return
        image.reused = image.created_at < started
        self.instance = image

    def _add_upload_error(self, error: ValidationError) -> None:
        if not hasattr(error, "error_dict"):
            self.add_error("upload", error)
            return
        for name, errors in error.error_dict.items():
            self.add_error(name if name in self.fields else "upload", errors)


class ImageChangeForm(forms.ModelForm):
    focal_x = forms.FloatField(
        label="Focal point, across",
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.001"}),
        help_text="0 is the left edge, 1 the right, 0.5 the middle.",
    )
    focal_y = forms.FloatField(
        label="Focal point, down",
        min_value=0,
        max_value=1,
        widget=forms.NumberInput(attrs={"step": "0.001"}),
        help_text="0 is the top edge, 1 the bottom. Crops (the 1200x630 social card) "
        "keep the focal point in frame: click the preview to set both.",
    )

    class Meta:
        model = Image
        fields = ["alt", "caption", "credit", "focal_x", "focal_y"]
        widgets = {"alt": forms.TextInput(attrs={"size": 80})}


# --- Filters -------------------------------------------------------------------------


class MissingAltFilter(admin.SimpleListFilter):
    title = "alt text"
    parameter_name = "alt"

    def lookups(self, request, model_admin):
        return [("missing", "Missing"), ("present", "Present")]

    def queryset(self, request, queryset: QuerySet) -> QuerySet:
        if self.value() == "missing":
            return queryset.filter(alt="")
        if self.value() == "present":
            return queryset.exclude(alt="")
        return queryset


def posts_using(image_pk) -> QuerySet:
    """The posts that feature the image or show it in their body."""
    shown = Post.images.through.objects.filter(image_id=image_pk).values("post_id")
    return Post.objects.filter(Q(feature_image_id=image_pk) | Q(pk__in=shown))


def _count(queryset: QuerySet) -> Subquery:
    """`queryset`'s row count as a scalar subquery (no GROUP BY)."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT"))
    return Subquery(counted.values("n"), output_field=IntegerField())


def used_in_count():
    """Per image, how many posts feature or show it, as an expression of the
    list's one query: the posts featuring it, plus those showing it that do not
    also feature it (each part an index lookup, not a scan of every post)."""
    featuring = Post.objects.filter(feature_image_id=OuterRef("pk"))
    only_showing = Post.images.through.objects.filter(image_id=OuterRef("pk")).exclude(
        post__feature_image_id=OuterRef("pk")
    )
    return _count(featuring) + _count(only_showing)


# --- The admin -----------------------------------------------------------------


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = [
        "thumbnail", "alt_text", "size_label", "status", "used_in", "created_at",
    ]  # fmt: skip
    list_display_links = ["thumbnail", "alt_text"]
    list_filter = [MissingAltFilter, "status"]
    search_fields = ["alt", "caption", "credit"]
    search_help_text = "Words of the alt text, caption or credit, or an image's id."
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    actions = ["retry_renditions"]
    readonly_fields = [
        "focal_point_picker", "reference_code", "size_label", "format", "status",
        "failure", "renditions_label", "used_in_posts", "created_at", "updated_at",
    ]  # fmt: skip

    # The focal-point picker and the chooser (files: the admin's CSP allows no
    # inline script).
    class Media:
        css = {"all": ["blog/image-admin.css"]}
        js = ["blog/image-admin.js"]

    # --- Forms and pages -------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ImageChangeForm if obj is not None else ImageAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Image | None = None) -> list:
        if obj is None:
            return [(None, {"fields": ADD_FIELDS})]
        return [
            (None, {"fields": ["focal_point_picker", "alt", "caption", "credit"]}),
            ("Focal point", {"fields": [("focal_x", "focal_y")]}),
            (
                "File",
                {
                    "fields": [
                        "reference_code",
                        ("size_label", "format"),
                        ("status", "renditions_label"),
                        "failure",
                        "used_in_posts",
                        ("created_at", "updated_at"),
                    ]
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Image | None = None):
        return [] if obj is None else self.readonly_fields

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return super().get_queryset(request).annotate(used_in_count=used_in_count())

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        term = search_term.strip().removeprefix("image:")
        try:
            public_id = uuid.UUID(term)
        except ValueError:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(uuid=public_id), False

    def get_urls(self) -> list:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "choose/",
                self.admin_site.admin_view(self.chooser_view),
                name="{}_{}_choose".format(*info),
            ),
        ]
        return own + super().get_urls()

    def save_model(self, request, obj: Image, form, change: bool) -> None:
        if change:
            moved = {"focal_x", "focal_y"} & set(form.changed_data)
            super().save_model(request, obj, form, change)
            if moved:
                self.message_user(
                    request,
                    "The focal point moved: the social crop is made again around it.",
                    messages.INFO,
                )
            return
        # Added: `ImageAddForm` made it through `Image.from_file` while validating
        # (where its refusals can still be form errors); what is left is telling
        # the editor what happened on the way in.
        _tell_notes(request, obj, form)

    def log_addition(self, request, obj: Image, message):
        if getattr(obj, "reused", False):
            return None  # nothing was added: the same file was already there
        return super().log_addition(request, obj, message)

    def response_add(self, request, obj: Image, post_url_continue=None):
        if getattr(obj, "reused", False) and "_popup" not in request.POST:
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:blog_image_change", args=[obj.pk])
            )
        return super().response_add(request, obj, post_url_continue)

    # --- Deleting: never an image a post uses ------------------------------------

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(
            objs, request
        )
        uses = self.uses_of(objs)
        if uses:
            protected = uses
        return deleted, model_count, perms_needed, protected

    def uses_of(self, images) -> list[str]:
        """For each image a post uses, a line naming it and the posts (links)."""
        images = list(images)
        pks = [image.pk for image in images]
        shown = Post.images.through.objects.filter(image_id__in=pks)
        showing: dict[int, set[int]] = {}
        for image_id, post_id in shown.values_list("image_id", "post_id"):
            showing.setdefault(image_id, set()).add(post_id)
        posts = list(
            Post.objects.filter(
                Q(feature_image_id__in=pks) | Q(pk__in=shown.values("post_id"))
            ).only("id", "title", "feature_image_id")
        )
        lines = []
        for image in images:
            using = [
                (post, how)
                for post in posts
                for how in [_how_used(post, image.pk, showing)]
                if how
            ]
            if not using:
                continue
            links = format_html_join(
                ", ",
                '<a href="{}">{}</a> ({})',
                (
                    (
                        reverse(
                            f"{self.admin_site.name}:blog_post_change", args=[post.pk]
                        ),
                        post.title,
                        how,
                    )
                    for post, how in using
                ),
            )
            lines.append(format_html("“{}” is used by {}", image, links))
        return lines

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        """One by one, through `Image.delete`, which refuses an image in use (one
        a post started using since the confirmation page is left alone)."""
        for image in queryset:
            try:
                image.delete()
            except ProtectedError:
                self.message_user(
                    request,
                    format_html(
                        "“{}” was not deleted: a post uses it now. Remove it from "
                        "the post first.",
                        image,
                    ),
                    messages.ERROR,
                )

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:
            # A post started using it after the confirmation page was shown: the
            # deletion (and its log entry) rolled back with the view's transaction.
            self.message_user(
                request,
                "The image was not deleted: a post uses it now. Remove it from the "
                "post first.",
                messages.ERROR,
            )
            return HttpResponseRedirect(
                reverse(f"{self.admin_site.name}:blog_image_change", args=[object_id])
            )

    # --- Columns and read-only fields ---------------------------------------------

    @admin.display(description="image")
    def thumbnail(self, image: Image) -> str:
        return thumbnail_html(image)

    @admin.display(description="alt text", ordering="alt")
    def alt_text(self, image: Image) -> str:
        if image.alt:
            return image.alt
        return format_html('<span class="image-missing-alt">{}</span>', NO_ALT)

    @admin.display(description="size", ordering="size")
    def size_label(self, image: Image) -> str:
        return f"{image.width} x {image.height}, {filesizeformat(image.size)}"

    @admin.display(description="used in", ordering="used_in_count")
    def used_in(self, image: Image) -> str:
        count = getattr(image, "used_in_count", None)
        if count is None:
            count = posts_using(image.pk).count()
        if not count:
            return "0 posts"
        url = reverse(f"{self.admin_site.name}:blog_post_changelist")
        return format_html(
            '<a href="{}?{}">{} post{}</a>',
            url,
            urlencode({"image": image.pk}),
            count,
            "" if count == 1 else "s",
        )

    @admin.display(description="preview")
    def focal_point_picker(self, image: Image) -> str:
        name, width, height = preview_file(image)
        shown_width, shown_height = fit(width, height, 640)
        return format_html(
            '<div class="focal-point-picker" data-focal-x="{}" data-focal-y="{}">'
            '<img src="{}" width="{}" height="{}" alt="{}">'
            '<span class="focal-point-marker" hidden></span></div>'
            '<p class="help focal-point-help" hidden>Click the picture to set its '
            "focal point.</p>",
            image.focal_x,
            image.focal_y,
            default_storage.url(name),
            shown_width,
            shown_height,
            image.alt,
        )

    @admin.display(description="reference")
    def reference_code(self, image: Image) -> str:
        return format_html(
            '<code>{}</code><span class="image-reference-help">Put this in a '
            "post's text to show the image there; the empty brackets take its alt "
            "text from here. The image's id: <code>{}</code></span>",
            reference(image),
            image.uuid,
        )

    @admin.display(description="renditions")
    def renditions_label(self, image: Image) -> str:
        if not image.renditions:
            return "none yet" if image.status == Image.Status.PENDING else "none"
        widths = sorted({r["width"] for r in image.renditions})
        types = sorted({r["mime_type"].split("/")[1].upper() for r in image.renditions})
        return f"{', '.join(str(w) for w in widths)} px wide, in {', '.join(types)}"

    @admin.display(description="used in")
    def used_in_posts(self, image: Image) -> str:
        showing: dict[int, set[int]] = {
            image.pk: set(image.shown_in.values_list("pk", flat=True))
        }
        posts = list(posts_using(image.pk).only("id", "title", "feature_image_id"))
        if not posts:
            return "No post uses this image."
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                '<li><a href="{}">{}</a> ({})</li>',
                (
                    (
                        reverse(
                            f"{self.admin_site.name}:blog_post_change", args=[post.pk]
                        ),
                        post.title,
                        _how_used(post, image.pk, showing),
                    )
                    for post in posts
                ),
            ),
        )

    # --- Actions -------------------------------------------------------------------

    @admin.action(description="Retry renditions", permissions=["change"])
    def retry_renditions(self, request: HttpRequest, queryset: QuerySet) -> None:
        outcome = dict.fromkeys(Image.Status.values, 0)
        for image in queryset:
            image.retry()
            outcome[image.status] += 1
        total = sum(outcome.values())
        message = f"Retried the renditions of {total} image(s)"
        parts = [
            f"{outcome[Image.Status.READY]} ready"
            if outcome[Image.Status.READY]
            else "",
            (
                f"{outcome[Image.Status.PENDING]} queued for the worker"
                if outcome[Image.Status.PENDING]
                else ""
            ),
            (
                f"{outcome[Image.Status.FAILED]} failed again (see each image's "
                "failure)"
                if outcome[Image.Status.FAILED]
                else ""
            ),
        ]
        parts = [part for part in parts if part]
        message += f": {', '.join(parts)}." if parts else "."
        level = messages.WARNING if outcome[Image.Status.FAILED] else messages.SUCCESS
        self.message_user(request, message, level)

    # --- The chooser (the post editor's "Insert image") ---------------------------

    def chooser_view(self, request: HttpRequest) -> HttpResponse:
        """Pick an image of the library, or upload one, for the post editor: the
        page (a popup) hands the chosen image's id to the editor that opened it."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        may_add = self.has_add_permission(request)
        chosen = None
        chosen_auto = False
        form = ImageAddForm() if may_add else None
        if request.method == "POST":
            if not may_add:
                raise PermissionDenied
            form = ImageAddForm(request.POST, request.FILES)
            if form.is_valid():
                chosen = form.instance
                # Warnings to read first: the editor presses "Insert it" after.
                chosen_auto = not _tell_notes(request, chosen, form)
                form = ImageAddForm()
        term = request.GET.get("q", "")
        images, _ = self.get_search_results(
            request, Image.objects.order_by("-created_at", "-id"), term
        )
        shown = list(images[: CHOOSER_SHOWN + 1])
        context = {
            **self.admin_site.each_context(request),
            "title": "Choose an image",
            "opts": self.opts,
            "is_popup": "_popup" in request.GET or "_popup" in request.POST,
            "is_popup_var": "_popup",
            "form": form,
            "fields": [form[name] for name in ADD_FIELDS] if form else [],
            "media": self.media + (form.media if form else forms.Media()),
            "choices": [
                {
                    "image": image,
                    "thumbnail": thumbnail_html(image, 120),
                    "reference": reference(image),
                }
                for image in shown[:CHOOSER_SHOWN]
            ],
            "more": len(shown) > CHOOSER_SHOWN,
            "shown": CHOOSER_SHOWN,
            "q": term,
            "chosen": chosen,
            "chosen_auto": chosen_auto,
            "chosen_reference": reference(chosen) if chosen else "",
        }
        return TemplateResponse(request, "admin/blog/image/chooser.html", context)


def _how_used(post: Post, image_pk: int, showing: dict[int, set[int]]) -> str:
    ways = []
    if post.feature_image_id == image_pk:
        ways.append("feature image")
    if post.pk in showing.get(image_pk, ()):
        ways.append("in its text")
    return " and ".join(ways)


def _tell_notes(request: HttpRequest, image: Image, form: ImageAddForm) -> int:
    """The upload's notes (an animated GIF's frames dropped, a file seen before)
    as warnings, and a reminder when it has no alt text; how many there were."""
    warnings = list(getattr(image, "notes", []))
    if getattr(image, "reused", False):
        typed = {name: form.cleaned_data.get(name, "") for name in TEXTS}
        if any(
            value and value != getattr(image, name) for name, value in typed.items()
        ):
            warnings.append(
                "The alt text, caption and credit you typed were not applied: the "
                "image keeps its own. Edit it to change them."
            )
    if not image.alt:
        warnings.append(
            format_html(
                "“{}” has no alt text. That is right for a decorative image; "
                "otherwise describe what it shows, for readers who cannot see it.",
                image,
            )
        )
    for warning in warnings:
        messages.warning(request, warning)
    return len(warnings)
