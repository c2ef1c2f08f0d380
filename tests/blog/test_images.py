"""The image library (blog/images.py): what `Image.from_file` takes and refuses,
what it stores, the renditions, and what an image change does to the posts that
show it."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as Pillow

from blog import images, versioning
from blog.models import Image, Post
from blog.outbox import Event
from tests.factories import PostFactory, image_bytes, make_image

pytestmark = pytest.mark.django_db


def upload(data: bytes, name: str = "photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def stored_files(media_root) -> list[Path]:
    return [path for path in Path(media_root).rglob("*") if path.is_file()]


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG header claiming `width` x `height`, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def encoded(picture: Pillow.Image, format_name: str, **options) -> bytes:
    out = io.BytesIO()
    picture.save(out, format_name, **options)
    return out.getvalue()


# --- Refused -------------------------------------------------------------------------


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(settings):
    settings.IMAGE_MAX_UPLOAD_BYTES = 1000

    class Unread:
        size = 50_000_000

        def read(self, *args):
            raise AssertionError("read although its size was over the limit")

    with pytest.raises(ValidationError, match=r"larger than 0\.001 MB"):
        Image.from_file(Unread(), alt="")

    class Stream(io.BytesIO):  # no size: read up to the limit and one byte more
        read_sizes: list = []

        def read(self, size=-1):
            self.read_sizes.append(size)
            return super().read(size)

    stream = Stream(b"x" * 5000)
    with pytest.raises(ValidationError, match="larger than"):
        Image.from_file(stream, alt="")
    assert stream.read_sizes == [1001]


def test_an_image_over_the_pixel_limit_is_refused_with_its_size(settings):
    settings.IMAGE_MAX_PIXELS = 100_000
    with pytest.raises(ValidationError, match=r"400x300 pixels; at most 0\.1 mega"):
        Image.from_file(upload(image_bytes(400, 300)), alt="")


def test_a_huge_image_of_a_few_kilobytes_is_refused_from_its_header():
    data = png_header_only(20_000, 20_000)
    assert len(data) < 2000
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="more than 50 megapixels"):
            Image.from_file(upload(data, "small.png"), alt="")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # nothing decoded: 400 MP would take over 1 GB
    assert not Image.objects.exists()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"just some text", "notes.jpg"),
        (b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n", "report.png"),
        (encoded(Pillow.new("RGB", (10, 10)), "TIFF"), "scan.jpg"),
        (b"8BPS\x00\x01" + b"\x00" * 40, "layers.psd"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n", "logo.eps"),
        (SVG, "logo.svg"),
        (b"<?xml version='1.0'?>" + SVG, "drawing.png"),
    ],
)
def test_other_formats_are_refused_whatever_their_name(data, name, media_root):
    with pytest.raises(ValidationError, match="not a JPEG, PNG, WebP, AVIF or GIF"):
        Image.from_file(upload(data, name), alt="")
    assert stored_files(media_root) == []


def test_empty_and_truncated_jpegs_are_refused():
    with pytest.raises(ValidationError, match="empty"):
        Image.from_file(upload(b""), alt="")
    whole = image_bytes(400, 300)
    with pytest.raises(ValidationError, match="damaged or truncated"):
        Image.from_file(upload(whole[: len(whole) // 2]), alt="")
    assert not Image.objects.exists()


# --- Taken, and cleaned -----------------------------------------------------------


def test_a_jpg_that_is_a_png_is_taken_as_a_png():
    image = Image.from_file(upload(image_bytes(300, 200, "PNG"), "x.jpg"), alt="A")
    assert (image.format, image.mime_type) == ("PNG", "image/png")
    assert image.file.endswith("/original.png")


def test_exif_orientation_is_applied_and_metadata_removed(media_root):
    picture = Pillow.linear_gradient("L").resize((600, 400)).convert("RGB")
    exif = Pillow.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    exif[0x8825] = {2: (51.0, 30.0, 0.0)}  # a GPS latitude
    exif[0x010F] = "Camera maker"
    data = encoded(picture, "JPEG", exif=exif.tobytes())
    image = Image.from_file(upload(data), alt="Rotated")
    assert (image.width, image.height) == (400, 600)  # upright: swapped
    stored = Pillow.open(Path(media_root) / image.file)
    assert stored.size == (400, 600)
    assert not stored.getexif()  # no orientation, no GPS, no maker
    assert b"Camera maker" not in (Path(media_root) / image.file).read_bytes()


def test_the_colour_profile_is_kept():
    from PIL import ImageCms

    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encoded(Pillow.new("RGB", (64, 64), "teal"), "JPEG", icc_profile=profile)
    image = Image.from_file(upload(data), alt="")
    with images.default_storage.open(image.file) as handle:
        assert Pillow.open(handle).info.get("icc_profile") == profile


@pytest.mark.parametrize(
    ("mode", "format_name"), [("CMYK", "JPEG"), ("I;16", "PNG"), ("P", "GIF")]
)
def test_cmyk_16_bit_and_palette_images_are_converted(mode, format_name, media_root):
    picture = Pillow.linear_gradient("L").resize((120, 80))
    picture = picture.convert("I;16" if mode == "I;16" else mode)
    image = Image.from_file(upload(encoded(picture, format_name)), alt="")
    stored = Pillow.open(Path(media_root) / image.file)
    assert stored.mode in ("RGB", "L")
    assert image.status == Image.Status.READY, image.failure


def test_an_animated_gif_keeps_its_first_frame_with_a_note():
    frames = [Pillow.new("RGB", (50, 40), c) for c in ("red", "green", "blue")]
    data = io.BytesIO()
    frames[0].save(data, "GIF", save_all=True, append_images=frames[1:], duration=100)
    image = Image.from_file(upload(data.getvalue(), "anim.gif"), alt="")
    assert image.format == "PNG"
    assert any("first frame" in note for note in image.notes)


def test_anything_appended_after_the_image_data_is_gone(media_root):
    hostile = image_bytes(300, 200) + b"<html><script>alert(document.cookie)</script>"
    image = Image.from_file(upload(hostile, "cat.jpg"), alt="A cat")
    assert image.status == Image.Status.READY
    for path in stored_files(media_root):
        assert b"<script" not in path.read_bytes(), path


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.jpg", "C:\\Windows\\evil.jpg", "ünïcødé 猫.jpg", ".jpg"]
)
def test_the_uploaded_name_is_never_used_for_storage(name, media_root):
    image = Image.from_file(upload(image_bytes(), name), alt="")
    assert image.file == f"images/{image.sha256[:2]}/{image.sha256}/original.jpg"
    for path in stored_files(media_root):
        assert path.resolve().is_relative_to(Path(media_root).resolve())


def test_a_second_upload_of_the_same_file_reuses_the_image():
    data = image_bytes()
    first = Image.from_file(upload(data, "a.jpg"), alt="First")
    again = Image.from_file(upload(data, "b.jpg"), alt="Second")
    assert again.pk == first.pk
    assert Image.objects.count() == 1
    assert again.notes == ["This file was uploaded before: the image is reused."]


# --- Renditions -------------------------------------------------------------------


def test_renditions_cover_the_widths_in_three_formats_never_upscaled():
    image = make_image(width=1000, height=750)
    widths = sorted({r["width"] for r in image.renditions})
    assert widths == [320, 640, 960]  # not 1280 or 1920: wider than the original
    for rendition in image.renditions:
        assert rendition["height"] == round(750 * rendition["width"] / 1000)
    types = {r["mime_type"] for r in image.renditions}
    assert types == {"image/avif", "image/webp", "image/jpeg"}
    for rendition in image.renditions:
        with images.default_storage.open(rendition["name"]) as handle:
            opened = Pillow.open(handle)
            assert opened.size == (rendition["width"], rendition["height"])
            assert images.MIME_TYPES[opened.format] == rendition["mime_type"]
    narrow = make_image(width=200, height=100)
    assert {r["width"] for r in narrow.renditions} == {200}


def test_a_transparent_image_falls_back_to_png_not_jpeg():
    picture = Pillow.new("RGBA", (400, 300), (255, 0, 0, 0))
    picture.paste((0, 0, 255, 255), (100, 100, 200, 200))
    image = Image.from_file(upload(encoded(picture, "PNG"), "logo.png"), alt="Logo")
    assert image.has_alpha
    assert {r["mime_type"] for r in image.renditions} == {
        "image/avif", "image/webp", "image/png"
    }  # fmt: skip
    opaque = Image.from_file(
        upload(encoded(Pillow.new("RGBA", (400, 300), "red"), "PNG")), alt=""
    )
    assert not opaque.has_alpha  # an alpha channel with nothing transparent


def test_the_placeholder_social_crop_and_colour():
    image = make_image(width=1600, height=1200)
    assert image.placeholder_data_uri.startswith("data:image/webp;base64,")
    assert len(image.placeholder_data_uri) < 1024
    assert 6 <= len(image.blurhash) <= 40
    assert image.dominant_color.startswith("#")
    assert len(image.dominant_color) == 7
    with images.default_storage.open(image.social["name"]) as handle:
        assert Pillow.open(handle).size == (1200, 630)


def test_in_worker_mode_the_upload_queues_and_the_worker_makes_them(settings):
    settings.IMAGE_PROCESSING = "worker"
    image = Image.from_file(upload(image_bytes(700, 500)), alt="Queued")
    assert image.status == Image.Status.PENDING
    assert image.renditions == []
    assert images.process_pending() == 1
    image.refresh_from_db()
    assert image.status == Image.Status.READY
    assert {r["width"] for r in image.renditions} == {320, 640}
    assert images.process_pending() == 0


def test_a_failed_rendition_marks_the_image_failed_and_retry_remakes_it(
    settings, monkeypatch, api
):
    settings.IMAGE_PROCESSING = "worker"
    image = Image.from_file(upload(image_bytes()), alt="Breaks")
    post = PostFactory(feature_image=image)

    def broken(image):
        raise OSError("No space left on device")

    monkeypatch.setattr(images, "make_renditions", broken)
    images.process_pending()
    image.refresh_from_db()
    assert image.status == Image.Status.FAILED
    assert "No space left on device" in image.failure
    shown = api.get(f"/api/v1/posts/{post.slug}/").json()["feature_image"]
    assert (shown["renditions"], shown["srcset"], shown["placeholder"]) == (
        [],
        {},
        None,
    )
    assert shown["url"].endswith("/original.jpg")  # what exists

    monkeypatch.undo()
    image.retry()
    assert image.status == Image.Status.PENDING
    images.process_pending()
    image.refresh_from_db()
    assert image.status == Image.Status.READY


def test_a_worker_that_died_leaves_the_image_to_another_after_the_lease(settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.IMAGE_PROCESSING = "worker"
    image = Image.from_file(upload(image_bytes()), alt="")
    Image.objects.filter(pk=image.pk).update(
        leased_until=timezone.now() + timedelta(minutes=5)
    )
    assert images.process_pending() == 0  # held by another worker
    Image.objects.filter(pk=image.pk).update(
        leased_until=timezone.now() - timedelta(seconds=1)
    )
    assert images.process_pending() == 1


def test_media_is_served_immutable_with_nosniff(client):
    image = make_image()
    response = client.get("/media/" + image.file)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    avif = next(r for r in image.renditions if r["mime_type"] == "image/avif")
    assert client.get("/media/" + avif["name"])["Content-Type"] == "image/avif"
    assert client.get("/media/../config/settings.py").status_code == 404
    assert client.get("/media/images/nope.jpg").status_code == 404


# --- In posts -------------------------------------------------------------------


def test_an_inline_reference_renders_a_figure_with_sources_size_and_caption():
    image = make_image(width=1000, height=500, alt="Own alt", caption="Fig. 1 & 2")
    post = PostFactory(body=f"Intro.\n\n![Written alt](image:{image.uuid})\n\nEnd.")
    html = post.body_html
    assert "<p><figure>" not in html  # a figure never sits inside a paragraph
    assert html.count("<source ") == 3
    for mime_type in ("image/avif", "image/webp", "image/jpeg"):
        assert f'type="{mime_type}"' in html
    assert 'width="1000" height="500"' in html
    assert 'alt="Written alt"' in html
    assert 'loading="lazy" decoding="async"' in html
    assert "<figcaption>Fig. 1 &amp; 2</figcaption>" in html
    assert list(post.images.all()) == [image]
    missing = PostFactory(body="![gone](image:00000000-0000-0000-0000-000000000000)")
    assert missing.body_html.strip() == "<p>gone</p>"


def test_hand_written_picture_markup_is_held_to_the_allowlist():
    post = PostFactory(
        body='<picture><source srcset="javascript:alert(1) 1w" type="text/html">'
        '<img src="https://e.com/a.png" loading="bogus" onerror="alert(1)" alt="x">'
        "</picture>"
    )
    assert "javascript" not in post.body_html
    assert "text/html" not in post.body_html
    assert "bogus" not in post.body_html
    assert "onerror" not in post.body_html


def test_changing_an_image_updates_the_posts_that_show_it(
    django_capture_on_commit_callbacks,
):
    image = make_image(alt="Old alt")
    with django_capture_on_commit_callbacks(execute=True):
        inline = PostFactory(body=f"![](image:{image.uuid})")
        covered = PostFactory(feature_image=image)
        hidden = PostFactory(draft=True, feature_image=image)
    Event.objects.all().delete()
    before = versioning.current()
    with django_capture_on_commit_callbacks(execute=True):
        image.alt = "New alt"
        image.save()
    assert versioning.current().token != before.token
    inline.refresh_from_db()
    assert 'alt="New alt"' in inline.body_html
    updated = Event.objects.filter(type="post.updated")
    assert {event.subject_id for event in updated} == {inline.uuid, covered.uuid}
    assert hidden.uuid not in {event.subject_id for event in Event.objects.all()}
    covered_event = updated.get(subject_id=covered.uuid)
    assert covered_event.data["post"]["feature_image"]["alt"] == "New alt"


def test_an_image_in_use_cannot_be_deleted():
    from django.db.models import ProtectedError

    image = make_image()
    PostFactory(feature_image=image)
    with pytest.raises(ProtectedError):
        image.delete()
    shown = make_image()
    PostFactory(body=f"![](image:{shown.uuid})")
    with pytest.raises(ProtectedError):
        shown.delete()
    free = make_image()
    free.delete()
    assert not Image.objects.filter(pk=free.pk).exists()
    assert Post.objects.count() == 2


def test_rerendering_and_importing_keep_a_bodys_figures(tmp_path):
    import json

    from django.core.management import call_command

    image = make_image(alt="Kept")
    post = PostFactory(body=f"![](image:{image.uuid})")
    call_command("rerender_posts", stdout=io.StringIO(), stderr=io.StringIO())
    post.refresh_from_db()
    assert "<figure><picture>" in post.body_html
    record = {
        "kind": "post", "slug": "imported", "title": "Imported", "summary": "S",
        "body": f"Intro\n\n![](image:{image.uuid})", "status": "published",
        "published_at": "2024-01-01T00:00:00Z", "tags": [],
    }  # fmt: skip
    dump = tmp_path / "posts.jsonl"
    dump.write_text(json.dumps(record) + "\n")
    call_command("import_posts", str(dump), stdout=io.StringIO(), stderr=io.StringIO())
    imported = Post.objects.get(slug="imported")
    assert "<figure><picture>" in imported.body_html
    assert list(imported.images.all()) == [image]


def test_every_reference_form_counts_among_the_posts_images(api):
    first, second, third = (make_image(alt=f"Image {n}") for n in range(3))
    body = (
        f'![a](image:{second.uuid} "A title")\n\n'
        f"Text ![b][ref] and ![c](<image:{first.uuid}>).\n\n"
        f"[ref]: image:{third.uuid}\n"
    )
    post = PostFactory(body=body)
    shown = api.get(f"/api/v1/posts/{post.slug}/").json()["images"]
    # In the order the body names them (the reference definition comes last).
    assert [image["id"] for image in shown] == [
        str(second.uuid), str(first.uuid), str(third.uuid)
    ]  # fmt: skip
    assert post.body_html.count("<figure>") == 3


def test_bad_media_paths_are_a_404_never_a_500(client):
    assert client.get("/media/a%00b.jpg").status_code == 404
    assert client.get("/media/" + "x" * 300 + ".jpg").status_code == 404


def test_extreme_aspect_ratios_are_processed_within_the_limits():
    wide = make_image(width=2000, height=3)
    assert wide.status == Image.Status.READY, wide.failure
    assert all(r["height"] >= 1 for r in wide.renditions)
    tall = make_image(width=100, height=2000)
    assert len(tall.placeholder_data_uri) < 1024


def test_a_jpeg_comment_is_not_kept(media_root):
    data = encoded(Pillow.new("RGB", (64, 64), "navy"), "JPEG", comment=b"secret")
    Image.from_file(upload(data), alt="")
    for path in stored_files(media_root):
        assert b"secret" not in path.read_bytes(), path


def test_an_unchanged_save_leaves_the_posts_and_events_alone(
    django_capture_on_commit_callbacks,
):
    image = make_image(alt="Same")
    with django_capture_on_commit_callbacks(execute=True):
        inline = PostFactory(body=f"![](image:{image.uuid})")
        PostFactory(feature_image=image)
    Event.objects.all().delete()
    before = Post.objects.get(pk=inline.pk).updated_at
    with django_capture_on_commit_callbacks(execute=True):
        image.save()
    assert Post.objects.get(pk=inline.pk).updated_at == before
    assert not Event.objects.exists()


def test_a_job_whose_lease_was_taken_records_nothing(settings, monkeypatch):
    settings.IMAGE_PROCESSING = "worker"
    image = Image.from_file(upload(image_bytes()), alt="Raced")
    real = images.make_renditions

    def retried_meanwhile(target):
        made = real(target)
        Image.objects.get(pk=target.pk).retry()  # the editor queues it again
        return made

    monkeypatch.setattr(images, "make_renditions", retried_meanwhile)
    assert images.process_pending() == 1
    image.refresh_from_db()
    assert image.status == Image.Status.PENDING  # the old job did not overwrite
    monkeypatch.undo()
    assert images.process_pending() == 1  # the newer job records its result
    image.refresh_from_db()
    assert image.status == Image.Status.READY
