"""The content model: tags, authors and posts, with their derived fields kept on
save."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from blog.link_lists import validate_links
from blog.markdown import render_markdown
from blog.querysets import (
    INDEX_ENTRY_COLUMNS,
    AuthorQuerySet,
    PageQuerySet,
    PostQuerySet,
    TagQuerySet,
)
from blog.search import refresh_search_vectors
from blog.seo import SeoFields
from blog.slugs import (
    SLUG_MAX_LENGTH,
    SLUG_PATTERN,
    slug_from_text,
    unique_slug,
    validate_slug,
)

_SLUG_REGEX = rf"^{SLUG_PATTERN}$"


class Named(models.Model):
    """What tags and authors share: a slug made from the name when blank, and a
    save in one transaction with the signals that version it and record its
    events."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.fill_defaults()
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        self.fill_defaults()

    def fill_defaults(self) -> None:
        """A slug from the name when blank."""
        if not self.slug:
            model = type(self)
            self.slug = unique_slug(
                slug_from_text(self.name, fallback=self._meta.model_name),
                lambda s: model.objects.filter(slug=s).exclude(pk=self.pk).exists(),
            )


class Tag(SeoFields, Named):
    # The public `id`: never changes, not on a slug change nor an import.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[validate_slug],
        help_text="The tag's address in the API. Leave blank to make it from the name.",
    )
    description = models.TextField(blank=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=_SLUG_REGEX), name="tag_slug_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Author(SeoFields, Named):
    """A byline: a person writing on the blog, with or without a login.

    `user` links an editor's login to their byline (new posts default to it); the
    API never shows it, nor anything of the user.
    """

    # The public `id`: never changes, not on a slug change nor an import.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[validate_slug],
        help_text="The author's address in the API. Leave blank to make it from "
        "the name.",
    )
    bio = models.TextField(blank=True, max_length=2000, help_text="Plain text.")
    avatar = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="avatar_of",
    )
    cover_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cover_of",
    )
    website = models.URLField(blank=True, max_length=500)
    location = models.CharField(blank=True, max_length=100)
    links = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_links],
        help_text='Profiles elsewhere: [{"network": "mastodon", "url": "https://..."}].',
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author",
        help_text="The editor's login whose new posts carry this byline; never shown.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AuthorQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=_SLUG_REGEX), name="author_slug_format"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def merge_into(self, target: Author) -> int:
        """Move this author's bylines to `target` (keeping each post's order; a post
        already signed by both keeps one), leave a redirect from this author's
        address to `target`'s, and delete this author: one transaction. The number
        of posts moved."""
        if target.pk == self.pk:
            raise ValidationError("An author cannot be merged into themselves.")
        from blog import redirects

        with transaction.atomic():
            # While readers still see this author's posts under this address.
            redirects.merged(self, target)
            links = list(PostAuthor.objects.filter(author=self).select_for_update())
            signed = set(
                PostAuthor.objects.filter(
                    author=target, post_id__in=[link.post_id for link in links]
                ).values_list("post_id", flat=True)
            )
            for link in links:
                if link.post_id in signed:
                    link.delete()
                else:
                    link.author = target
                    link.save(update_fields=["author"])
            self.delete()
        return len(links)

    @classmethod
    def site_author(cls) -> Author:
        """The blog's own byline (`SITE_AUTHOR_NAME`), made on first use."""
        name = settings.SITE_AUTHOR_NAME[:100]  # the field's length
        author = cls.objects.filter(name=name, user=None).order_by("pk").first()
        return author or cls.objects.create(name=name)

    @classmethod
    def of_user(cls, user) -> Author:
        """The byline of an editor's login: their own, made from their full name on
        first use, else the site's (a username is never shown to readers)."""
        own = cls.objects.filter(user=user).first()
        if own is not None:
            return own
        full_name = user.get_full_name().strip()
        if not full_name:
            return cls.site_author()
        return cls.objects.create(name=full_name[:100], user=user)


class PostAuthor(models.Model):
    """A post's byline, in order: `sort_order` 0 is the primary author."""

    post = models.ForeignKey("blog.Post", on_delete=models.CASCADE)
    # An author with posts is not deleted: merge them into another instead.
    author = models.ForeignKey(Author, on_delete=models.PROTECT)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="post_author_once"),
        ]
        indexes = [
            models.Index(fields=["author", "post"], name="post_author_by_author"),
            # Every byline in order, read from the index alone (the writing index).
            models.Index(
                fields=["post", "sort_order", "author"], name="post_author_in_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} on {self.post}"


class Writing(SeoFields, models.Model):
    """What posts and pages share: the writing, its state, and the fields derived
    from it on save (rendered and sanitised HTML, table of contents, counts, the
    library images its body shows). One pipeline: `save()` here."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    # The public `id`: never changes, not on a slug change nor an import.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    slug = models.SlugField(
        max_length=SLUG_MAX_LENGTH,
        unique=True,
        blank=True,
        validators=[validate_slug],
        help_text="Its address. Leave blank to make it from the title.",
    )
    summary = models.TextField(
        max_length=500,
        blank=True,
        help_text="Plain text, one or two sentences: shown in lists and the index.",
    )
    body = models.TextField(blank=True, help_text="Markdown (CommonMark).")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it goes live. Empty while a draft; a future time "
        "schedules it; publishing without a time stamps now.",
    )

    # Derived on save from `body`; never edited by hand.
    body_html = models.TextField(blank=True, editable=False)
    toc = models.JSONField(default=list, blank=True, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    reading_time_minutes = models.PositiveIntegerField(default=1, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Each concrete model declares `feature_image` and `images` (their reverse
    # names differ), its history and its queryset.

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.apply_derived_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {
                *update_fields, "slug", "published_at", "body_html", "toc",
                "word_count", "reading_time_minutes", "updated_at",
            }  # fmt: skip
        # The row, its version bump, its events and what is derived from it: one
        # transaction, whether or not the caller opened one.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            self.after_save()
            shown = {image.pk for image in self._body_images}
            if shown != set(self.images.values_list("pk", flat=True)):
                self.images.set(shown)

    def after_save(self) -> None:
        """What a concrete model keeps besides the row (a post: its search vector)."""

    @property
    def state(self) -> str:
        """What an editor sees: draft, scheduled or published."""
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.published_at and self.published_at > timezone.now():
            return "scheduled"
        return "published"

    def clean(self) -> None:
        super().clean()
        # Before constraint validation, which would otherwise reject a blank slug
        # or a publish without a date that save() is about to fill in.
        self.fill_defaults()
        if self.slug:
            clash = type(self).objects.filter(slug=self.slug).exclude(pk=self.pk)
            if clash.exists():
                noun = self._meta.verbose_name
                raise ValidationError(
                    {"slug": f"Another {noun} already uses this slug; choose another."}
                )

    def fill_defaults(self) -> None:
        """A slug from the title when blank; publishing without a date means now."""
        if not self.slug:
            model = type(self)
            self.slug = unique_slug(
                slug_from_text(self.title, fallback=self._meta.model_name),
                lambda s: model.objects.filter(slug=s).exclude(pk=self.pk).exists(),
            )
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()

    def apply_derived_fields(self) -> None:
        """Fill every field computed from the others: the one place they are made."""
        self.fill_defaults()
        from blog.images import by_public_id

        rendered = render_markdown(self.body, images=by_public_id)
        self._body_images = rendered.images
        self.body_html = rendered.html
        self.toc = rendered.toc
        self.word_count = rendered.word_count
        self.reading_time_minutes = rendered.reading_time_minutes


class Post(Writing):
    featured = models.BooleanField(default=False)
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)
    authors = models.ManyToManyField(
        Author, through=PostAuthor, related_name="posts", blank=True
    )
    feature_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an image in use is not deleted
        related_name="featured_in",
        help_text="The cover: shown in lists and at the top of the post.",
    )

    search_vector = SearchVectorField(null=True, editable=False)
    # The library images the body shows (`![alt](image:<id>)`), set on save.
    images = models.ManyToManyField(
        "blog.Image", related_name="shown_in", blank=True, editable=False
    )

    # Every save keeps the previous version of the writing (tags are not tracked:
    # django-simple-history's m2m tracking breaks on changes made from the tag side).
    history = HistoricalRecords(
        excluded_fields=["body_html", "toc", "search_vector", "word_count",
                         "reading_time_minutes"],
    )  # fmt: skip

    objects = PostQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(
                fields=["status", "-published_at", "-id"], name="post_visible_order"
            ),
            # The writing index reads this one alone, never the table with its
            # bodies (PostgreSQL; SQLite ignores INCLUDE). Counts and offsets keep
            # the narrow index above: a third of the pages to walk.
            models.Index(
                fields=["status", "-published_at", "-id"],
                include=INDEX_ENTRY_COLUMNS,
                name="post_visible_cover",
            ),
            models.Index(fields=["title", "id"], name="post_title_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=_SLUG_REGEX), name="post_slug_format"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="published_post_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="post_status_known"
            ),
        ]

    def after_save(self) -> None:
        refresh_search_vectors(Post.objects.filter(pk=self.pk))


class Page(Writing):
    """A standalone page (About, Now, Uses): the post pipeline, never among posts."""

    feature_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # an image in use is not deleted
        related_name="featured_in_pages",
        help_text="The cover, shown at the top of the page.",
    )
    images = models.ManyToManyField(
        "blog.Image", related_name="shown_in_pages", blank=True, editable=False
    )
    show_in_navigation = models.BooleanField(
        default=False, help_text="List it in the site's navigation."
    )
    nav_order = models.PositiveSmallIntegerField(
        default=0, help_text="Position in navigation and in `/pages/`: lowest first."
    )

    history = HistoricalRecords(
        excluded_fields=["body_html", "toc", "word_count", "reading_time_minutes"],
    )

    objects = PageQuerySet.as_manager()

    class Meta:
        ordering = ["nav_order", "title", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=_SLUG_REGEX), name="page_slug_format"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="published_page_has_date",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published"]), name="page_status_known"
            ),
        ]


def new_token() -> str:
    """Never reused: a row made again (after a flush) cannot meet old entries."""
    return secrets.token_hex(8)


class ContentRevision(models.Model):
    """The content version as the database knows it: one row, bumped in the same
    transaction as every change a reader could see (`blog.versioning`).

    The cache holds a copy for speed; this row is the truth the copy is checked
    against, so a cache that lost a write or came back from an old snapshot cannot
    make old answers current again.
    """

    number = models.BigIntegerField(default=0)
    token = models.CharField(max_length=32, default=new_token)
    changed_at = models.DateTimeField(default=timezone.now)
    # Unix seconds, strictly increasing from one committed change to the next.
    last_modified = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="content_revision_single")
        ]

    def __str__(self) -> str:
        return f"content revision {self.number}"


# The image library, the slug redirects, the site's settings, the Content API keys,
# the publishing outbox and the sources of imported content have modules of their
# own.
from blog.content_keys import ContentApiKey  # noqa: E402, F401
from blog.images import Image  # noqa: E402, F401
from blog.import_sources import (  # noqa: E402, F401
    ImportedObject,
    RemoteImage,
    RemoteImageUse,
)
from blog.outbox import (  # noqa: E402, F401
    Delivery,
    DeliveryAttempt,
    Event,
    PendingPublish,
    WebhookEndpoint,
)
from blog.redirects import SlugRedirect  # noqa: E402, F401
from blog.site import Site  # noqa: E402, F401
