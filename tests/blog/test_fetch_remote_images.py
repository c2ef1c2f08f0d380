import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image as Pillow

from blog.import_sources import RemoteImage, RemoteImageUse
from blog.models import Author, Event, Post

pytestmark = pytest.mark.django_db

GHOST_5 = Path(__file__).parent / "data" / "ghost-5.json"


def png(shade: int) -> bytes:
    out = io.BytesIO()
    Pillow.new("RGB", (40, 30), (200, 80, shade)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def image_server():
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.endswith(".png"):
                body = png(len(self.path))  # each path its own file
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_response(404)
                self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def imported_with_images(base: str) -> Post:
    call_command("import_ghost", str(GHOST_5), stdout=StringIO())
    RemoteImage.objects.filter(url__endswith="cover.jpg").update(
        url=f"{base}/cover.png"
    )
    RemoteImage.objects.filter(url__endswith="og.jpg").update(url=f"{base}/missing")
    RemoteImage.objects.filter(url__endswith="ada.jpg").update(url=f"{base}/ada.png")
    return Post.objects.get(slug="hello-from-ghost")


def test_pending_images_are_downloaded_and_fill_the_fields_waiting(
    settings, image_server
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    post = imported_with_images(image_server)
    events = Event.objects.count()
    out, err = StringIO(), StringIO()

    call_command("fetch_remote_images", stdout=out, stderr=err)

    post.refresh_from_db()
    assert post.feature_image is not None
    assert (post.feature_image.width, post.feature_image.height) == (40, 30)
    assert post.feature_image.alt == "A cover"
    assert post.og_image is None  # its download failed
    assert Author.objects.get(slug="ada").avatar is not None
    cover = RemoteImage.objects.get(url=f"{image_server}/cover.png")
    assert (cover.status, cover.image) == ("fetched", post.feature_image)
    missing = RemoteImage.objects.get(url=f"{image_server}/missing")
    assert missing.status == "failed"
    assert "answered 404" in missing.failure
    assert "2 image(s) downloaded, 1 failed." in out.getvalue()
    assert not RemoteImageUse.objects.filter(remote_image=cover).exists()
    # Saved as an admin change is: the post's change is an event.
    assert Event.objects.count() > events


def test_a_field_an_editor_filled_meanwhile_is_left_alone(settings, image_server):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    post = imported_with_images(image_server)
    call_command("fetch_remote_images", stdout=StringIO(), stderr=StringIO())
    chosen = Post.objects.get(pk=post.pk).feature_image
    other = Post.objects.get(slug="lexical-only")
    remote = RemoteImage.objects.create(url=f"{image_server}/other.png", source="t")
    RemoteImageUse.objects.create(
        remote_image=remote, kind="post", object_id=other.pk, field="feature_image"
    )
    Post.objects.filter(pk=other.pk).update(feature_image=chosen)

    call_command("fetch_remote_images", stdout=StringIO(), stderr=StringIO())

    assert Post.objects.get(pk=other.pk).feature_image == chosen


def test_private_addresses_are_refused_unless_allowed(settings, image_server):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    post = imported_with_images(image_server)

    call_command("fetch_remote_images", stdout=StringIO(), stderr=StringIO())

    post.refresh_from_db()
    assert post.feature_image is None
    cover = RemoteImage.objects.get(url=f"{image_server}/cover.png")
    assert cover.status == "failed"
    assert "private or loopback address" in cover.failure


def test_a_reimport_after_the_download_keeps_the_image(settings, image_server):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    imported_with_images(image_server)
    call_command("fetch_remote_images", stdout=StringIO(), stderr=StringIO())
    # The export names the original URLs again: those are new remote images,
    # and what was downloaded stays on the post.
    post = Post.objects.get(slug="hello-from-ghost")
    image = post.feature_image

    call_command("import_ghost", str(GHOST_5), stdout=StringIO())

    assert Post.objects.get(pk=post.pk).feature_image == image
