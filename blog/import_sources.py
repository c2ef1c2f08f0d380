"""Where imported content came from (`import_ghost`, `import_wordpress`), and the
remote images an import found but has not downloaded yet (`fetch_remote_images`).

`ImportedObject` maps a source's own identifier (a Ghost id, a WordPress post id)
to the post, page, tag or author it became, so a second import of the same export
finds what the first one made, whatever its slug is now: that is what makes an
import idempotent.

The image library holds only files it has checked and cleaned (`Image.from_file`),
never a bare URL. An import therefore records each image it meets as a
`RemoteImage` (its URL, alt text and caption) with the fields waiting for it
(`RemoteImageUse`: a post's `feature_image`, an author's `avatar`...);
`fetch_remote_images` downloads them through `Image.from_file` and fills those
fields with an ordinary save.
"""

from __future__ import annotations

import hashlib

from django.db import models


class ImportedObject(models.Model):
    """One object an import made or matched, by its identifier at the source."""

    class Kind(models.TextChoices):
        POST = "post"
        PAGE = "page"
        TAG = "tag"
        AUTHOR = "author"

    source = models.CharField(max_length=20)  # "ghost", "wordpress"
    kind = models.CharField(max_length=10, choices=Kind.choices)
    source_id = models.CharField(max_length=300)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "kind", "source_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "kind", "source_id"], name="imported_object_once"
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "object_id"], name="imported_object_target")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.source_id} -> {self.object_id}"


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


class RemoteImage(models.Model):
    """An image an import found at a URL, downloaded later (or never)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not downloaded yet"
        FETCHED = "fetched", "In the library"
        FAILED = "failed", "Failed"

    url = models.TextField()
    # Unique on the hash: an index on the URL itself would limit its length.
    url_sha256 = models.CharField(max_length=64, unique=True, editable=False)
    alt = models.CharField(max_length=300, blank=True)
    caption = models.CharField(max_length=500, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    failure = models.TextField(blank=True)
    image = models.ForeignKey(
        "blog.Image", null=True, blank=True, on_delete=models.SET_NULL
    )
    source = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["status"], name="remote_image_status")]

    def __str__(self) -> str:
        return self.url

    def save(self, *args, **kwargs) -> None:
        self.url_sha256 = url_hash(self.url)
        super().save(*args, **kwargs)


class RemoteImageUse(models.Model):
    """A field that shows a remote image once it is in the library."""

    class Kind(models.TextChoices):
        POST = "post"
        PAGE = "page"
        TAG = "tag"
        AUTHOR = "author"

    remote_image = models.ForeignKey(
        RemoteImage, on_delete=models.CASCADE, related_name="uses"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField()
    # feature_image, og_image, twitter_image, avatar, cover_image
    field = models.CharField(max_length=30)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "field"], name="remote_image_use_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.field} <- {self.remote_image}"
