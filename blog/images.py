"""The image library (the contract's "Images"): `Image.from_file()` is the one way in.

An upload is checked before it is decoded: its size (`IMAGE_MAX_UPLOAD_BYTES`, before
the whole file is read), its format by content, whatever its name says (JPEG, PNG,
WebP, AVIF, GIF), and its pixel count from the header (`IMAGE_MAX_PIXELS`). Then it
is decoded once, turned upright (EXIF orientation), converted to 8-bit RGB(A) where it
was CMYK, 16-bit or a palette, and re-encoded without its metadata (EXIF, GPS, XMP;
the colour profile stays). Re-encoding also drops whatever was appended after the
image data. The cleaned original is stored under a name made of its own SHA-256, so a
new file always gets a new, immutable URL; the SHA-256 of the upload makes a second
upload of the same file reuse the image.

Renditions (`IMAGE_WIDTHS` in AVIF, WebP and JPEG or PNG, never wider than the
original), the 1200x630 social crop around the focal point and the placeholder (a
tiny data URI, a BlurHash, the dominant colour) are made by the worker after the
upload commits (`IMAGE_PROCESSING=sync`: at once, in the upload's own transaction,
for tests and scripts). A failure
marks the image failed with the reason; the API then shows what exists.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

import blurhash
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.encoding import filepath_to_uri
from PIL import Image as Pillow
from PIL import ImageOps, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Format by content: the first bytes of each accepted format.
MIME_TYPES = {
    "JPEG": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "AVIF": "image/avif",
    "GIF": "image/gif",
}
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "AVIF": "avif", "GIF": "gif"}
SOCIAL_SIZE = (1200, 630)
_KEPT_MODES = {"RGB", "RGBA", "L", "LA", "P", "PA"}
PLACEHOLDER_WIDTH = 16
ACCEPTED = "JPEG, PNG, WebP, AVIF or GIF"


def sniff(head: bytes) -> str | None:
    """The format of a file from its first bytes, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and head[8:12] in (b"avif", b"avis"):
        return "AVIF"
    return None


def _read_limited(file, limit: int) -> bytes:
    """The file's bytes, refused as soon as they pass `limit` (never read whole)."""
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise ValidationError(_too_large(limit), code="too_large")
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(_too_large(limit), code="too_large")
    return data


def _too_large(limit: int) -> str:
    return f"The file is larger than {limit / 1_000_000:g} MB, the upload limit."


@dataclass
class Cleaned:
    """An upload, checked, upright and re-encoded without metadata."""

    data: bytes
    format: str
    width: int
    height: int
    has_alpha: bool
    notes: list[str] = field(default_factory=list)


def _has_alpha(image: Pillow.Image) -> bool:
    if image.mode in ("RGBA", "LA", "PA"):
        return image.getchannel("A").getextrema()[0] < 255
    return image.mode == "P" and "transparency" in image.info


def _to_8_bit(image: Pillow.Image) -> Pillow.Image:
    """RGB or RGBA (L or LA kept for greyscale), 8 bits per channel."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    if image.mode in ("PA", "RGBa", "La"):
        return image.convert("RGBA")
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, 1, F...


def _encode(image: Pillow.Image, format_name: str, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    options: dict = {"icc_profile": icc_profile} if icc_profile else {}
    if format_name == "JPEG":
        image = image.convert("RGB") if image.mode not in ("RGB", "L") else image
        options |= {"quality": 85, "optimize": True, "progressive": True}
        options["comment"] = b""  # never the source's COM segments
    elif format_name == "PNG":
        options |= {"optimize": True}
    elif format_name == "WEBP":
        options |= {"quality": 80, "method": 4}
    elif format_name == "AVIF":
        options |= {"quality": 60, "speed": 8}
    image.save(out, format_name, **options)
    return out.getvalue()


def clean(data: bytes) -> Cleaned:
    """Check and clean an upload; `ValidationError` with a clear message when it
    is not an image this library takes."""
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    kind = sniff(data[:32])
    if kind is None:
        raise ValidationError(
            f"This file is not a {ACCEPTED} image (its content decides, not its name).",
            code="unsupported",
        )
    notes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Pillow.DecompressionBombWarning)
            image = Pillow.open(io.BytesIO(data), formats=[kind])
            # The header only: nothing is decoded before the pixel count is known.
            width, height = image.size
            if width * height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError(
                    f"The image is {width}x{height} pixels; at most "
                    f"{settings.IMAGE_MAX_PIXELS / 1_000_000:g} megapixels are "
                    "accepted.",
                    code="too_many_pixels",
                )
            if getattr(image, "n_frames", 1) > 1:
                notes.append("The image is animated: only its first frame is kept.")
            image.seek(0)
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            f"The {kind} file is damaged or truncated ({error}).", code="damaged"
        ) from error
    except (Pillow.DecompressionBombWarning, Pillow.DecompressionBombError) as error:
        raise ValidationError(
            f"The image has more than {settings.IMAGE_MAX_PIXELS / 1_000_000:g} "
            "megapixels, the limit.",
            code="too_many_pixels",
        ) from error
    # The profile stays only where it still describes the pixels: a CMYK (or
    # other) profile does not describe the RGB the image is converted to.
    icc_profile = image.info.get("icc_profile") if image.mode in _KEPT_MODES else None
    upright = ImageOps.exif_transpose(image)
    converted = _to_8_bit(upright)
    alpha = _has_alpha(converted)
    if not alpha and converted.mode in ("RGBA", "LA"):
        converted = converted.convert("RGB" if converted.mode == "RGBA" else "L")
    # GIF keeps its first frame as PNG: a still GIF has no reason to stay a GIF.
    stored_format = "PNG" if kind == "GIF" else kind
    encoded = _encode(converted, stored_format, icc_profile)
    return Cleaned(
        data=encoded,
        format=stored_format,
        width=converted.width,
        height=converted.height,
        has_alpha=alpha,
        notes=notes,
    )


class Image(models.Model):
    """An uploaded image, cleaned, with its renditions once the worker made them."""

    class Status(models.TextChoices):
        PENDING = "pending", "Renditions pending"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.CharField(max_length=200, editable=False)  # the storage name
    source_sha256 = models.CharField(
        max_length=64, unique=True, editable=False, help_text="Of the uploaded file."
    )
    sha256 = models.CharField(
        max_length=64, editable=False, help_text="Of the stored, cleaned original."
    )
    format = models.CharField(max_length=10, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    has_alpha = models.BooleanField(default=False, editable=False)
    size = models.PositiveIntegerField(editable=False, help_text="Bytes, cleaned.")
    alt = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the image shows, for readers who cannot see it. Leave empty "
        "only for a decorative image.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(max_length=200, blank=True)
    focal_x = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    focal_y = models.FloatField(
        default=0.5, validators=[MinValueValidator(0), MaxValueValidator(1)]
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, editable=False
    )
    failure = models.TextField(blank=True, editable=False)
    leased_until = models.DateTimeField(null=True, blank=True, editable=False)
    # What the worker made: [{"name", "width", "height", "mime_type"}], the social
    # crop's storage name and the placeholder. Read with the row: no query per image.
    renditions = models.JSONField(default=list, blank=True, editable=False)
    social = models.JSONField(default=dict, blank=True, editable=False)
    placeholder_data_uri = models.TextField(blank=True, editable=False)
    blurhash = models.CharField(max_length=100, blank=True, editable=False)
    dominant_color = models.CharField(max_length=7, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], name="image_status")]

    def __str__(self) -> str:
        return self.alt or f"Image {self.uuid}"

    def save(self, *args, **kwargs) -> None:
        """The row, and the posts and pages whose body shows it rendered again
        (their figure carries its alt, caption and renditions): one transaction. A
        moved focal point queues a new social crop."""

        requeue = False
        if self.pk is not None and self.status == Image.Status.READY:
            stored = (
                Image.objects.filter(pk=self.pk).values("focal_x", "focal_y").first()
            )
            if stored and (stored["focal_x"], stored["focal_y"]) != (
                self.focal_x,
                self.focal_y,
            ):
                self.status = Image.Status.PENDING
                if kwargs.get("update_fields") is not None:
                    kwargs["update_fields"] = {*kwargs["update_fields"], "status"}
                requeue = settings.IMAGE_PROCESSING == "sync"
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if requeue:
                pk = self.pk
                transaction.on_commit(lambda: process(pk))  # once this save is in
            # Only those whose figure changes are saved again (a retry that failed
            # again, or an unchanged save, leaves them and their history alone).
            for showing in (self.shown_in, self.shown_in_pages):
                for writing in showing.model.objects.filter(images=self.pk):
                    before = writing.body_html
                    writing.apply_derived_fields()
                    if writing.body_html != before:
                        writing.save(update_fields=[])

    def delete(self, *args, **kwargs):
        users = (
            self.shown_in, self.shown_in_pages, self.featured_in,
            self.featured_in_pages,
        )  # fmt: skip
        if self.pk is not None and any(manager.exists() for manager in users):
            raise ProtectedError(
                "This image is shown in posts or pages; remove it from them first.",
                {writing for manager in users for writing in manager.all()},
            )
        return super().delete(*args, **kwargs)

    def figure_html(self, alt: str) -> str:
        """`<figure><picture>` for this image (`![alt](image:<id>)` in Markdown)."""
        return figure_html(self, alt)

    @property
    def placeholder_or_none(self):
        """Itself once the worker made the placeholder, else None."""
        return self if self.placeholder_data_uri else None

    @property
    def mime_type(self) -> str:
        return MIME_TYPES[self.format]

    @property
    def url(self) -> str:
        return default_storage.url(self.file)

    @classmethod
    def from_file(cls, file, *, alt: str, caption: str = "", credit: str = ""):
        """Check, clean and store an upload; the image (an existing one for the
        same file), its renditions made or queued. `ValidationError` for bad input.
        Notes for the editor (an animated GIF's frames dropped) are in `notes`."""
        data = _read_limited(file, settings.IMAGE_MAX_UPLOAD_BYTES)
        source_sha256 = hashlib.sha256(data).hexdigest()
        existing = cls.objects.filter(source_sha256=source_sha256).first()
        if existing is not None:
            existing.notes = ["This file was uploaded before: the image is reused."]
            return existing
        cleaned = clean(data)
        sha256 = hashlib.sha256(cleaned.data).hexdigest()
        name = f"{_folder(sha256)}/original.{EXTENSIONS[cleaned.format]}"
        _store(name, cleaned.data)
        image = cls(
            file=name,
            source_sha256=source_sha256,
            sha256=sha256,
            format=cleaned.format,
            width=cleaned.width,
            height=cleaned.height,
            has_alpha=cleaned.has_alpha,
            size=len(cleaned.data),
            alt=alt,
            caption=caption,
            credit=credit,
        )
        image.full_clean(exclude=["file", "source_sha256", "sha256"])
        try:
            with transaction.atomic():
                image.save()
        except IntegrityError:  # the same file, uploaded at the same moment
            existing = cls.objects.filter(source_sha256=source_sha256).first()
            if existing is None:
                raise
            existing.notes = ["This file was uploaded before: the image is reused."]
            return existing
        image.notes = cleaned.notes
        if settings.IMAGE_PROCESSING == "sync":
            process(image.pk)
            image.refresh_from_db()
        return image

    def retry(self) -> None:
        """Queue the renditions again (a failed image, or changed settings). A job
        running now finds its lease gone and leaves the row to this one."""
        Image.objects.filter(pk=self.pk).update(
            status=Image.Status.PENDING, failure="", leased_until=None
        )
        if settings.IMAGE_PROCESSING == "sync":
            process(self.pk)
        self.refresh_from_db()


def _folder(sha256: str) -> str:
    return f"images/{sha256[:2]}/{sha256}"


def _store(name: str, data: bytes) -> None:
    """Content-addressed: an existing name already holds these bytes."""
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(data))
        if saved != name:  # a backend that renamed it would break the address
            default_storage.delete(saved)
            if not default_storage.exists(name):
                raise RuntimeError(f"storage saved {name!r} as {saved!r}")
            # Another process stored the same name meanwhile: the same bytes.


# --- Renditions (the worker) -----------------------------------------------------


def rendition_widths(width: int) -> list[int]:
    """`IMAGE_WIDTHS` no wider than the original; the original's own width when
    it is narrower than all of them."""
    widths = [w for w in settings.IMAGE_WIDTHS if w <= width]
    return widths or [width]


def _fallback_format(has_alpha: bool) -> str:
    return "PNG" if has_alpha else "JPEG"


def _dominant_color(image: Pillow.Image) -> str:
    small = image.convert("RGB").resize((32, 32), Pillow.Resampling.BOX)
    quantized = small.quantize(colors=5)
    palette = quantized.getpalette()
    _count, index = max(quantized.getcolors())
    red, green, blue = palette[index * 3 : index * 3 + 3]
    return f"#{red:02x}{green:02x}{blue:02x}"


def _placeholder(image: Pillow.Image, has_alpha: bool) -> str:
    tiny = image.copy()
    tiny.thumbnail((PLACEHOLDER_WIDTH, PLACEHOLDER_WIDTH), Pillow.Resampling.BOX)
    data = _encode(tiny, "WEBP", None)
    return "data:image/webp;base64," + base64.b64encode(data).decode("ascii")


def _blurhash(image: Pillow.Image) -> str:
    small = image.convert("RGB")
    small.thumbnail((32, 32))  # the hash only holds 4x3 colours: pixels are enough
    pixels = list(small.get_flattened_data())
    width = small.width
    rows = [pixels[y * width : (y + 1) * width] for y in range(small.height)]
    return blurhash.encode(rows, components_x=4, components_y=3)


def social_name(image: Image) -> str:
    return f"{_folder(image.sha256)}/social-{image.focal_x:.3f}-{image.focal_y:.3f}.jpg"


def make_renditions(image: Image) -> dict:
    """Every file and value the worker adds to `image`, as field values."""
    with default_storage.open(image.file) as handle:
        original = Pillow.open(io.BytesIO(handle.read()))
        original.load()
    icc_profile = original.info.get("icc_profile")
    renditions = []
    for width in rendition_widths(image.width):
        height = max(1, round(image.height * width / image.width))
        resized = (
            original
            if width == image.width
            else original.resize((width, height), Pillow.Resampling.LANCZOS)
        )
        for format_name in ("AVIF", "WEBP", _fallback_format(image.has_alpha)):
            name = f"{_folder(image.sha256)}/w{width}.{EXTENSIONS[format_name]}"
            if not default_storage.exists(name):  # made before: same bytes
                _store(name, _encode(resized, format_name, icc_profile))
            renditions.append(
                {
                    "name": name,
                    "width": width,
                    "height": height,
                    "mime_type": MIME_TYPES[format_name],
                }
            )
    social = ImageOps.fit(
        original.convert("RGB"),
        SOCIAL_SIZE,
        Pillow.Resampling.LANCZOS,
        centering=(image.focal_x, image.focal_y),
    )
    name = social_name(image)
    if not default_storage.exists(name):
        _store(name, _encode(social, "JPEG", icc_profile))
    return {
        "renditions": renditions,
        "social": {"name": name, "width": SOCIAL_SIZE[0], "height": SOCIAL_SIZE[1]},
        "placeholder_data_uri": _placeholder(original, image.has_alpha),
        "blurhash": _blurhash(original),
        "dominant_color": _dominant_color(original),
    }


def process(pk: int, lease=None) -> bool:
    """Make one image's renditions and record them (or the failure). With the
    worker's `lease` (its `leased_until`), the result is recorded only while that
    lease is still the image's: a job that outlived it, or was queued again
    meanwhile, leaves the row to the newer one. False when nothing was recorded."""
    image = Image.objects.filter(pk=pk).first()
    if image is None:
        return False
    try:
        made = make_renditions(image)
        fields = {**made, "status": Image.Status.READY, "failure": ""}
    except Exception as error:  # a bad file, a full disk, a storage outage
        logger.exception("Renditions of image %s failed.", image.uuid)
        fields = {
            "status": Image.Status.FAILED,
            "failure": f"{type(error).__name__}: {error}"[:2000],
        }
    with transaction.atomic():
        current = Image.objects.select_for_update().filter(pk=pk).first()
        if current is None or (lease is not None and current.leased_until != lease):
            return False
        for name, value in {**fields, "leased_until": None}.items():
            setattr(current, name, value)
        current.save(update_fields=[*fields, "leased_until", "updated_at"])
    return True


LEASE = timedelta(minutes=10)


def process_pending(limit: int = 1) -> int:
    """The worker's step: claim up to `limit` pending images (a lease, so a worker
    that died mid-way leaves them to another after `LEASE`) and process them."""
    now = timezone.now()
    with transaction.atomic():
        claimable = (
            Image.objects.filter(status=Image.Status.PENDING)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
            .order_by("id")
            .select_for_update(skip_locked=True)
        )
        ids = list(claimable.values_list("pk", flat=True)[:limit])
        lease = now + LEASE
        Image.objects.filter(pk__in=ids).update(leased_until=lease)
    for pk in ids:
        process(
            pk,
            Image.objects.filter(pk=pk).values_list("leased_until", flat=True).first(),
        )
    return len(ids)


# --- Reading: URLs, srcsets and the figure a post's body shows ---------------------


def media_url(name: str, request=None) -> str:
    """The stored file's absolute URL: the storage's own (S3, its CDN), or
    `MEDIA_URL` on this API's origin (the request's, else `API_PUBLIC_URL`).

    Kept per request: an image's renditions are named in its `renditions` and
    again in its `srcset`, and a page shows the same covers and avatars often."""
    memo = None if request is None else request.__dict__.setdefault("_media_urls", {})
    if memo is not None:
        found = memo.get(name)
        if found is not None:
            return found
    if memo is not None and _is_local_storage():
        # The local storage's URL is its base and the quoted name: the absolute
        # base once per request, not a urljoin and build_absolute_uri per file.
        base = memo.get(_BASE)
        if base is None:
            base = memo[_BASE] = _absolute(default_storage.url(""), request)
        url = base + filepath_to_uri(name)
    else:
        url = _absolute(default_storage.url(name), request)
    if memo is not None:
        memo[name] = url
    return url


_BASE = object()  # the key of the absolute base URL in a request's memo


def _is_local_storage() -> bool:
    return isinstance(getattr(default_storage, "_wrapped", None), FileSystemStorage)


def _absolute(url: str, request=None) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.API_PUBLIC_URL.rstrip("/") + url


def srcsets(image: Image, request=None) -> dict[str, str]:
    """Per MIME type, its renditions as a `srcset` ("url 320w, url 640w")."""
    found: dict[str, list[str]] = {}
    for rendition in image.renditions:
        url = media_url(rendition["name"], request)
        found.setdefault(rendition["mime_type"], []).append(
            f"{url} {rendition['width']}w"
        )
    return {mime_type: ", ".join(entries) for mime_type, entries in found.items()}


def _escape(value: str) -> str:
    return (
        value.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


def figure_html(image: Image, alt: str) -> str:
    """`<figure><picture>` for `![alt](image:<id>)`: a `<source>` per type, the
    `<img>` with its size (no layout shift), a `<figcaption>` for a caption. The
    alt written in the Markdown wins; empty, the image's own."""
    alt = alt or image.alt
    widest = max(image.width, 1)
    sizes = f"(max-width: {widest}px) 100vw, {widest}px"
    sources = "".join(
        f'<source type="{mime_type}" srcset="{_escape(srcset)}" sizes="{sizes}">'
        for mime_type, srcset in srcsets(image).items()
    )
    fallback = [
        r for r in image.renditions if r["mime_type"] in ("image/jpeg", "image/png")
    ]
    src = media_url(fallback[-1]["name"]) if fallback else media_url(image.file)
    caption = (
        f"<figcaption>{_escape(image.caption)}</figcaption>" if image.caption else ""
    )
    return (
        f"<figure><picture>{sources}"
        f'<img src="{_escape(src)}" width="{image.width}" height="{image.height}" '
        f'alt="{_escape(alt)}" loading="lazy" decoding="async">'
        f"</picture>{caption}</figure>"
    )


def by_public_id(ids) -> dict[str, Image]:
    """The images with these public ids (strings), in one query; unknown or
    malformed ids are left out."""
    valid = set()
    for value in ids:
        try:
            valid.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not valid:
        return {}
    return {str(image.uuid): image for image in Image.objects.filter(uuid__in=valid)}


IMAGE_SCHEME_TEXT = "image:"  # in a body that references a library image


# A post's own images for search and social cards (`blog.seo.SeoFields`).
SOCIAL_IMAGE_FIELDS = ("og_image", "twitter_image")


class KeptImages(Protocol):
    """Images by id kept for the content version (`blog.derived.IMAGES`)."""

    def known(self, keys: Iterable[int]) -> dict[int, Image]: ...

    def remember(self, values: dict[int, Image]) -> None: ...


def attach(posts, *, body_of=None, kept: KeptImages | None = None) -> None:
    """Load the images `posts` show, in one query at most (none when they show
    none, or `kept` has them all), so serializing them reads no more: each post's
    `feature_image`, and for the post `body_of` (a post's page) its `body_images`
    too (in the order its body shows them) and its social images (`og_image`,
    `twitter_image`). Images loaded are added to `kept`."""
    posts = [post for post in posts if post is not None]
    page_of, social_fields = body_of, []
    if body_of is not None:
        if body_of not in posts:
            posts.append(body_of)
        social_fields = [body_of._meta.get_field(name) for name in SOCIAL_IMAGE_FIELDS]
        if IMAGE_SCHEME_TEXT not in body_of.body.lower():
            body_of.body_images = []  # its body shows none: nothing to read
            body_of = None
    if not posts:
        return
    model = type(posts[0])  # posts, or pages: the same fields
    field = model._meta.get_field("feature_image")
    # A post whose cover is loaded already (a post's page loads its related
    # posts' covers with its own) is not read again.
    posts = [post for post in posts if not field.is_cached(post) or post is body_of]
    feature_ids = {post.feature_image_id for post in posts} - {None}
    social_ids = {getattr(page_of, f.attname) for f in social_fields} - {None}
    found = {} if kept is None else kept.known(feature_ids | social_ids)
    missing = (feature_ids | social_ids) - found.keys()
    if missing or body_of is not None:
        condition = Q(pk__in=missing)
        if body_of is not None:
            shown_in = model._meta.get_field("images").related_query_name()
            condition |= Q(**{shown_in: body_of.pk})
        loaded = {
            image.pk: image for image in Image.objects.filter(condition).distinct()
        }
        if kept is not None:
            kept.remember(loaded)
        found = {**found, **loaded}
    for post in posts:
        field.set_cached_value(post, found.get(post.feature_image_id))
    for social in social_fields:
        social.set_cached_value(page_of, found.get(getattr(page_of, social.attname)))
    if body_of is not None:
        # The images its body shows are its links (`Post.images`, set from the
        # render, whatever form the reference took), in the body's order.
        body = body_of.body.lower()
        shown = [image for image in found.values() if str(image.uuid) in body]
        body_of.body_images = sorted(shown, key=lambda i: body.find(str(i.uuid)))
