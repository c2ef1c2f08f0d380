"""`manage.py fetch_remote_images [--limit N] [--retry-failed]`: download the
images an import recorded (`blog.import_sources.RemoteImage`) into the library.

Each download goes to the addresses the host resolves to now, checked as a
webhook's are (no private or loopback address unless `WEBHOOK_ALLOW_PRIVATE`),
follows no redirect, stops past `IMAGE_MAX_UPLOAD_BYTES`, and then passes the
library's own checks (`Image.from_file`). The fields waiting for it (a post's
feature image, an author's avatar) are filled with an ordinary save, so the
change is versioned and announced as an admin's would be; a field an editor has
filled meanwhile is left alone. A failure is recorded with its reason.
"""

from urllib.parse import urlsplit

import urllib3
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from blog.images import Image
from blog.import_sources import RemoteImage
from blog.webhooks import _pool, resolve

MODELS = {
    "post": "blog.Post",
    "page": "blog.Page",
    "author": "blog.Author",
    "tag": "blog.Tag",
}


class DownloadError(Exception):
    pass


def download(url: str, *, timeout: float) -> bytes:
    """The file at `url`, at most IMAGE_MAX_UPLOAD_BYTES; DownloadError else."""
    try:
        addresses = resolve(url)
    except ValidationError as error:
        raise DownloadError(" ".join(error.messages)) from error
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    try:
        with _pool(url, addresses[0], timeout) as pool:
            response = pool.urlopen(
                "GET",
                target,
                headers={"Host": parts.netloc},
                redirect=False,
                preload_content=False,
            )
            try:
                if response.status != 200:
                    raise DownloadError(f"the server answered {response.status}")
                data = response.read(limit + 1)
            finally:
                response.release_conn()
    except urllib3.exceptions.HTTPError as error:
        raise DownloadError(f"{type(error).__name__}: {error}") from error
    if len(data) > limit:
        raise DownloadError(f"larger than {limit / 1_000_000:g} MB, the upload limit")
    return data


class Command(BaseCommand):
    help = (
        "Download the images imports recorded (feature images, avatars, "
        "attachments) into the image library, and fill the fields waiting for them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=0, help="At most N images.")
        parser.add_argument(
            "--retry-failed", action="store_true", help="Try failed ones again too."
        )
        parser.add_argument(
            "--timeout", type=float, default=30.0, help="Seconds per download."
        )

    def handle(self, *args, limit: int, retry_failed: bool, timeout: float, **options):
        statuses = [RemoteImage.Status.PENDING]
        if retry_failed:
            statuses.append(RemoteImage.Status.FAILED)
        remote_images = RemoteImage.objects.filter(status__in=statuses).order_by("id")
        if limit:
            remote_images = remote_images[:limit]
        fetched = failed = 0
        for remote in remote_images:
            try:
                data = download(remote.url, timeout=timeout)
                image = Image.from_file(
                    ContentFile(data, name="remote"),
                    alt=remote.alt,
                    caption=remote.caption,
                )
            except (DownloadError, ValidationError) as error:
                reason = (
                    str(error)
                    if isinstance(error, DownloadError)
                    else (" ".join(error.messages))
                )
                remote.status, remote.failure = RemoteImage.Status.FAILED, reason
                remote.save(update_fields=["status", "failure", "updated_at"])
                self.stderr.write(f"{remote.url}: {reason}")
                failed += 1
                continue
            self.attach(remote, image)
            fetched += 1
            self.stdout.write(f"{remote.url}: image {image.uuid}")
        self.stdout.write(f"{fetched} image(s) downloaded, {failed} failed.")

    @staticmethod
    def attach(remote: RemoteImage, image: Image) -> None:
        with transaction.atomic():
            for use in remote.uses.all():
                model = apps.get_model(MODELS[use.kind])
                obj = model.objects.filter(pk=use.object_id).first()
                if obj is not None and getattr(obj, f"{use.field}_id") is None:
                    setattr(obj, f"{use.field}_id", image.pk)
                    obj.save(update_fields=[use.field])
            remote.uses.all().delete()
            remote.image, remote.status, remote.failure = image, "fetched", ""
            remote.save(update_fields=["image", "status", "failure", "updated_at"])
