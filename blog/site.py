"""The site's settings (the contract's "Site"): one row, edited in the admin.

The row is made on first use (`Site.current()`) from the environment's
`SITE_TITLE`, `SITE_DESCRIPTION` and `SITE_LOCALE`, read at that moment; afterwards
the admin is the truth and those variables are no longer read. A change renews the
content version and makes `site.updated` (`blog.versioning`, `blog.events`), as for
any model readers see.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Q

from blog.link_lists import validate_links, validate_navigation

SINGLE_ROW_ID = 1
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 1000
# BCP 47 in the shape front-ends use (`en`, `en-GB`, `zh-Hant-TW`, `es-419`); the
# same pattern checks `SITE_LOCALE` in config/settings.py.
LOCALE_PATTERN = r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$"
# The images `/api/v1/site/` shows, read with the row.
SHOWN_IMAGES = ("logo", "icon")


def default_title() -> str:
    return settings.SITE_TITLE[:TITLE_MAX_LENGTH]


def default_description() -> str:
    return settings.SITE_DESCRIPTION[:DESCRIPTION_MAX_LENGTH]


def default_locale() -> str:
    return settings.SITE_LOCALE


class SiteQuerySet(models.QuerySet):
    def for_detail(self) -> SiteQuerySet:
        """Everything the site's serializer reads, in one query: the row with the
        images it shows."""
        # And the default social image `seo` falls back to.
        return self.select_related(*SHOWN_IMAGES, "default_social_image")


class Site(models.Model):
    """The blog as a whole: its name, language, logo, menu and profiles elsewhere."""

    title = models.CharField(max_length=TITLE_MAX_LENGTH, default=default_title)
    description = models.TextField(
        max_length=DESCRIPTION_MAX_LENGTH,
        blank=True,
        default=default_description,
        help_text="Plain text, a sentence or two: the feeds' description too.",
    )
    locale = models.CharField(
        max_length=35,
        default=default_locale,
        validators=[
            RegexValidator(
                LOCALE_PATTERN,
                "A BCP 47 language tag such as en, en-GB or pt-BR.",
                code="invalid_locale",
            )
        ],
        help_text="The content's language as a BCP 47 tag: en, en-GB, pt-BR.",
    )
    logo = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="logo_of",
    )
    icon = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="icon_of",
        help_text="A square image for favicons and app icons.",
    )
    # The social image of pages that have none of their own (the SEO fallback);
    # not part of `/api/v1/site/` itself.
    default_social_image = models.ForeignKey(
        "blog.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="default_social_image_of",
        help_text="Shared on social networks for pages without an image of their own.",
    )
    navigation = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_navigation],
        help_text='The front-end\'s menu, in order: [{"label": "About", "url": '
        '"/about/"}]. A url is a path starting with "/" or an absolute http(s) URL.',
    )
    links = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_links],
        help_text='The blog elsewhere: [{"network": "mastodon", "url": '
        '"https://..."}].',
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=SINGLE_ROW_ID), name="site_single_row"
            )
        ]

    def __str__(self) -> str:
        return "Site settings"

    def save(self, *args, **kwargs) -> None:
        # One transaction with the signals that version it and record its event.
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)

    @classmethod
    def as_readers_see(cls, using: str | None = None) -> Site:
        """The row with the images it shows, or, before it is made, the unsaved
        defaults it will be made with: what readers see, with no write (a read
        inside another change's events must not create it)."""
        found = cls.objects.using(using).for_detail().filter(pk=SINGLE_ROW_ID).first()
        return found or cls(pk=SINGLE_ROW_ID)

    @classmethod
    def current(cls, using: str = DEFAULT_DB_ALIAS) -> Site:
        """The row, with the images it shows; made on first use, its fields then
        read from the environment (`SITE_TITLE`, `SITE_DESCRIPTION`,
        `SITE_LOCALE`)."""
        rows = cls.objects.using(using)
        site = rows.for_detail().filter(pk=SINGLE_ROW_ID).first()
        if site is None:
            # A concurrent first use inserts once; the other reads its row.
            site, _ = rows.get_or_create(pk=SINGLE_ROW_ID)
        return site
