"""Image benchmark (`make bench` runs it after the HTTP load): uploads of 12 MP
JPEGs through the admin's add form on gunicorn, and one `manage.py run_worker`
making their renditions.

- upload: the time of each `POST /admin/blog/image/add/` (BENCH_IMAGE_UPLOADS,
  default 3, distinct photos of 4000x3000 with camera-like noise), target under 1 s:
  the request checks, cleans and stores the original; it makes no renditions;
- renditions: from the upload's commit to the image being ready (every rendition,
  the social crop and the placeholder), one worker, target under 30 s each.

Writes bench/results/images.md. The database (BENCH_IMAGE_DATABASE_URL) is dropped
and made again: its name must contain "bench".
"""

from __future__ import annotations

import io
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import recreate_database  # noqa: E402
from bench.servers import Gunicorn  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_IMAGE_DATABASE_URL",
    "postgres://postgres@127.0.0.1:5432/writing_api_bench_images",
)
UPLOADS = int(os.environ.get("BENCH_IMAGE_UPLOADS", "3"))
RESULTS = ROOT / "bench" / "results" / "images.md"
WORK = ROOT / "bench" / "work"
SIZE = (4000, 3000)
PASSWORD = "bench-images-password-1f3c9a"


def photo(seed: int) -> bytes:
    """A 12 MP JPEG that compresses like a photo (a gradient with grain)."""
    from PIL import Image, ImageChops

    width, height = SIZE
    base = Image.linear_gradient("L").resize(SIZE).convert("RGB")
    grain = Image.effect_noise((width // 4, height // 4), 40 + seed).resize(SIZE)
    tinted = ImageChops.add(base, Image.merge("RGB", [grain] * 3), scale=2.0)
    out = io.BytesIO()
    tinted.save(out, "JPEG", quality=92)
    return out.getvalue()


def environment(media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-images-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "REDIS_URL": "",
        "IMAGE_PROCESSING": "worker",
        "MEDIA_ROOT": str(media),
        "DJANGO_ADMIN_USERNAME": "bench",
        "DJANGO_ADMIN_PASSWORD": PASSWORD,
    }


def multipart(fields: dict[str, str], name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----bench-images-boundary"
    parts = []
    for key, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; '
        f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
        + data
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class _LoopbackPolicy(DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request) -> bool:
        return True


class Admin:
    """A logged-in admin session over real HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        # The app marks its cookies Secure (DEBUG off); this plain-HTTP loopback
        # client sends them back all the same.
        self.cookies = CookieJar(policy=_LoopbackPolicy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies)
        )

    def csrf_from(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            page = response.read().decode()
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]

    def login(self) -> None:
        token = self.csrf_from("/admin/login/")
        body = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, "username": "bench", "password": PASSWORD}
        ).encode()
        request = urllib.request.Request(
            self.base + "/admin/login/?next=/admin/", data=body,
            headers={"Referer": self.base + "/admin/login/"},
        )  # fmt: skip
        with self.opener.open(request, timeout=30) as response:
            if "/admin/login/" in response.url:
                sys.exit("bench/images.py: the admin login failed")

    def upload(self, data: bytes, alt: str) -> float:
        token = self.csrf_from("/admin/blog/image/add/")
        body, content_type = multipart(
            {"csrfmiddlewaretoken": token, "alt": alt, "caption": "", "credit": ""},
            "photo.jpg",
            data,
        )
        request = urllib.request.Request(
            self.base + "/admin/blog/image/add/", data=body,
            headers={"Content-Type": content_type,
                     "Referer": self.base + "/admin/blog/image/add/"},
        )  # fmt: skip
        started = time.perf_counter()
        with self.opener.open(request, timeout=60) as response:
            page = response.read().decode(errors="replace")
            took = time.perf_counter() - started
        if "/add/" in response.url or "errorlist" in page:
            sys.exit(f"bench/images.py: the upload was refused:\n{page[:2000]}")
        return took


def main() -> None:
    recreate_database(DATABASE_URL)
    media = WORK / "media-images"
    subprocess.run(["rm", "-rf", str(media)], check=True)
    env = environment(media)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env,
                   check=True)  # fmt: skip
    subprocess.run([sys.executable, "manage.py", "ensure_admin"], cwd=ROOT, env=env,
                   check=True, capture_output=True)  # fmt: skip
    os.environ.update(env)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from blog.models import Image

    photos = [photo(seed) for seed in range(UPLOADS)]
    uploads: list[float] = []
    with Gunicorn("app-images", "config.wsgi:application", env) as app:
        admin = Admin(f"http://127.0.0.1:{app.port}")
        admin.login()
        for number, data in enumerate(photos):
            uploads.append(admin.upload(data, f"Photo {number}"))
    # The renditions: one worker, started once the uploads are in.
    if Image.objects.count() != UPLOADS:
        sys.exit("bench/images.py: not every upload made an image")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    started = time.time()
    done: dict[int, float] = {}
    try:
        while len(done) < UPLOADS and time.time() - started < 300:
            for image in Image.objects.exclude(pk__in=done).exclude(
                status=Image.Status.PENDING
            ):
                done[image.pk] = time.time()
                if image.status == Image.Status.FAILED:
                    sys.exit(f"bench/images.py: renditions failed: {image.failure}")
            time.sleep(0.05)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    # One worker takes them one after another: each one's own time is the gap
    # since the previous one finished (the first: since the worker started).
    ends = sorted(done.values())
    each = [end - begin for begin, end in zip([started, *ends[:-1]], ends, strict=True)]
    sample = Image.objects.first()
    lines = [
        "# Image benchmark",
        "",
        "Written by `make bench` (bench/images.py); see its docstring.",
        "",
        f"- date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- {UPLOADS} distinct {SIZE[0]}x{SIZE[1]} JPEGs "
        f"({statistics.mean(len(p) for p in photos) / 1e6:.1f} MB on average), "
        "uploaded through the admin's add form on gunicorn (2 sync workers), "
        "IMAGE_PROCESSING=worker, PostgreSQL, local file storage",
        f"- renditions per image: {len(sample.renditions)} files "
        f"(widths {sorted({r['width'] for r in sample.renditions})} in AVIF, WebP, "
        "JPEG), the social crop, the placeholder, BlurHash, dominant colour",
        "",
        "| measure | slowest | median | target | met? |",
        "| --- | ---: | ---: | ---: | --- |",
        f"| upload request | {max(uploads):.2f} s | {statistics.median(uploads):.2f} s"
        f" | < 1 s | {'yes' if max(uploads) < 1 else 'no'} |",
        f"| renditions of one image, one worker | {max(each):.1f} s | "
        f"{statistics.median(each):.1f} s | < 30 s | "
        f"{'yes' if len(each) == UPLOADS and max(each) < 30 else 'no'} |",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
