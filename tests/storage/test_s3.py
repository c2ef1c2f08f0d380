"""The image library on S3, against a real S3 API: moto's server on a local port,
which boto3 and django-storages talk to over HTTP (no mock object in between).

The storage is the one config/settings.py builds for STORAGE_BACKEND=s3: the
settings module is run again with that environment and its STORAGES["default"] is
what the test switches to.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from storages.backends.s3 import S3Storage

import config.settings
from blog import images
from blog.images import media_url
from blog.models import Image
from tests.factories import PostFactory, image_bytes, make_image
from tests.ports import free_port

pytestmark = pytest.mark.django_db

BUCKET = "writing-api-media"
REGION = "us-east-1"
CDN = "cdn.example.test"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "avif": "image/avif",
}


@pytest.fixture(scope="module")
def moto_url():
    """moto's S3 server on a free port of 127.0.0.1, for this module's tests."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        if os.environ.get("CI"):
            raise RuntimeError("moto[server] is missing") from None
        pytest.skip("moto[server] is not installed")
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def settings_storage(monkeypatch, **environment) -> dict:
    """`STORAGES["default"]` as config/settings.py builds it in this environment
    (the settings module run again, apart from the one Django uses)."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location(
        "_settings_for_s3", config.settings.__file__
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.STORAGES["default"]


@dataclass
class S3:
    url: str
    client: object
    monkeypatch: pytest.MonkeyPatch

    @contextlib.contextmanager
    def storage(self, custom_domain: str = ""):
        """Django's default storage switched to the bucket, and back to the files
        on exit. `override_settings` fires setting_changed as pytest-django's
        `settings` fixture does, but restores here, where it can be checked (the
        fixture restores only after every other fixture's teardown)."""
        built = settings_storage(
            self.monkeypatch,
            STORAGE_BACKEND="s3",
            AWS_STORAGE_BUCKET_NAME=BUCKET,
            AWS_S3_REGION_NAME=REGION,
            AWS_S3_ENDPOINT_URL=self.url,
            AWS_S3_CUSTOM_DOMAIN=custom_domain,
        )
        assert built == {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "region_name": REGION,
                "endpoint_url": self.url,
                "custom_domain": custom_domain or None,
                "default_acl": "public-read",
                "querystring_auth": False,
                "file_overwrite": False,
                "object_parameters": {
                    "CacheControl": django_settings.MEDIA_CACHE_CONTROL
                },
            },
        }
        with override_settings(STORAGES={**django_settings.STORAGES, "default": built}):
            assert default_storage.__class__ is S3Storage
            assert images.default_storage is default_storage  # what the library uses
            assert default_storage.bucket_name == BUCKET
            assert default_storage.custom_domain == (custom_domain or None)
            yield default_storage
        assert default_storage.__class__ is FileSystemStorage
        assert storages["default"].__class__ is FileSystemStorage

    def keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET)
        return {entry["Key"] for entry in listed.get("Contents", [])}

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


@pytest.fixture
def s3(moto_url, monkeypatch, tmp_path):
    """An empty bucket on the moto server; test credentials, no profile or config
    file of the machine's."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-creds"))
    client = boto3.client("s3", endpoint_url=moto_url, region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    yield S3(url=moto_url, client=client, monkeypatch=monkeypatch)
    # The server's state is the process's: the next test starts from nothing.
    reset = urllib.request.Request(f"{moto_url}/moto-api/reset", method="POST")
    urllib.request.urlopen(reset, timeout=10).close()


@pytest.fixture
def bucket(s3):
    """Django's default storage on the bucket, with the endpoint's own URLs."""
    with s3.storage():
        yield s3


def stored_names(image: Image) -> dict[str, str]:
    """Every file the image has in storage, with its expected Content-Type."""
    names = {image.file: image.mime_type, image.social["name"]: "image/jpeg"}
    names |= {r["name"]: r["mime_type"] for r in image.renditions}
    return names


def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read(), response.headers["Content-Type"]


def test_every_file_is_a_public_immutable_object(bucket):
    photo = make_image()  # 800x600 JPEG
    drawing = make_image(format="PNG", width=400, height=300)
    assert photo.status == drawing.status == Image.Status.READY

    expected = stored_names(photo) | stored_names(drawing)
    # original, social crop, 320 and 640 in AVIF, WebP and JPEG; 320 for the PNG
    assert len(expected) == 8 + 5
    assert bucket.keys() == set(expected)  # nothing renamed, nothing else
    for key, mime_type in expected.items():
        assert mime_type == CONTENT_TYPES[key.rsplit(".", 1)[1]]
        head = bucket.client.head_object(Bucket=BUCKET, Key=key)
        assert head["CacheControl"] == django_settings.MEDIA_CACHE_CONTROL, key
        assert head["ContentType"] == mime_type, key
        grants = bucket.client.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
        public = [g for g in grants if g["Grantee"].get("URI") == ALL_USERS]
        assert [g["Permission"] for g in public] == ["READ"], key
    for image in (photo, drawing):
        assert hashlib.sha256(bucket.body(image.file)).hexdigest() == image.sha256


def assert_public_url(url: str, origin: str) -> None:
    """Absolute, on `origin`, and never signed (no query string at all)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == origin, url
    assert parts.query == "", url
    assert "Signature" not in url, url


def test_urls_are_unsigned_and_served_by_the_bucket(bucket, api):
    image = make_image()
    post = PostFactory(feature_image=image)
    names = stored_names(image)

    for name, mime_type in names.items():
        url = media_url(name)
        assert url == f"{bucket.url}/{BUCKET}/{name}"
        assert_public_url(url, bucket.url)
        data, content_type = fetch(url)  # anonymous, over HTTP
        assert data == bucket.body(name)
        assert content_type == mime_type

    response = api.get(f"/api/v1/posts/{post.slug}/")
    assert response.status_code == 200
    ref = response.json()["feature_image"]
    assert ref["id"] == str(image.uuid)
    assert ref["url"] == f"{bucket.url}/{BUCKET}/{image.file}"
    urls = [ref["url"], *(r["url"] for r in ref["renditions"])]
    assert len(urls) == 1 + len(image.renditions)
    for srcset in ref["srcset"].values():
        urls += [entry.rsplit(" ", 1)[0] for entry in srcset.split(", ")]
    assert len(urls) == 1 + 2 * len(image.renditions)
    for url in urls:
        key = urlsplit(url).path.removeprefix(f"/{BUCKET}/")
        assert key in names
        assert_public_url(url, bucket.url)
        data, content_type = fetch(url)
        assert data == bucket.body(key)
        assert content_type == names[key]


def test_urls_on_the_custom_domain(s3, api):
    """With a CDN in front of the bucket, URLs are on its domain, the key as the
    path: what the CDN fetches from its origin, the bucket."""
    with s3.storage(custom_domain=CDN):
        image = make_image()
        post = PostFactory(feature_image=image)
        names = stored_names(image)
        for name in names:
            url = media_url(name)
            assert url == f"https://{CDN}/{name}"
            assert_public_url(url, f"https://{CDN}")
            origin = f"{s3.url}/{BUCKET}{urlsplit(url).path}"
            assert fetch(origin) == (s3.body(name), names[name])

        ref = api.get(f"/api/v1/posts/{post.slug}/").json()["feature_image"]
        assert ref["url"] == f"https://{CDN}/{image.file}"
        assert {r["url"] for r in ref["renditions"]} == {
            f"https://{CDN}/{r['name']}" for r in image.renditions
        }
        for srcset in ref["srcset"].values():
            assert all(e.startswith(f"https://{CDN}/") for e in srcset.split(", "))


def test_nothing_is_overwritten_or_renamed(bucket, monkeypatch):
    data = image_bytes()
    first = Image.from_file(SimpleUploadedFile("a.jpg", data), alt="First")
    keys = bucket.keys()
    heads = {key: bucket.client.head_object(Bucket=BUCKET, Key=key) for key in keys}

    # The same file again: the same image, no new object.
    again = Image.from_file(SimpleUploadedFile("b.jpg", data), alt="Again")
    assert again.pk == first.pk
    assert Image.objects.count() == 1
    assert bucket.keys() == keys

    # An existing content-addressed name holds its bytes already: not written again
    # (other bytes under it would stay unwritten), not saved under a second name.
    original = bucket.body(first.file)
    images._store(first.file, b"not the same bytes")
    images.make_renditions(first)  # every rendition and the crop exist already
    assert bucket.keys() == keys
    assert bucket.body(first.file) == original
    for key, head in heads.items():
        now = bucket.client.head_object(Bucket=BUCKET, Key=key)
        assert (now["ETag"], now["LastModified"]) == (
            head["ETag"],
            head["LastModified"],
        )

    # Were the name taken while `_store` looked (another process storing the same
    # content-addressed file), S3Storage with file_overwrite=False saves it under
    # another name: `_store` deletes that copy and keeps the one under the name.
    storage = default_storage._wrapped
    answers = [False]  # `_store`'s own check; the backend's then asks S3 itself
    real_exists = storage.exists
    saved_as = []
    real_save = storage.save
    monkeypatch.setattr(
        storage, "exists", lambda name: answers.pop() if answers else real_exists(name)
    )
    monkeypatch.setattr(
        storage,
        "save",
        lambda *a, **k: saved_as.append(real_save(*a, **k)) or saved_as[-1],
    )
    images._store(first.file, original)
    assert saved_as[0] != first.file  # the backend really renamed it...
    assert bucket.keys() == keys  # ...and the renamed copy was deleted again
    assert bucket.body(first.file) == original
