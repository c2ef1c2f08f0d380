"""The local file storage's files under `MEDIA_URL` (`STORAGE_BACKEND=local`): the
image library's originals and renditions, on one host.

Every stored name is made of its content's hash, so an answer never changes: a year
of `immutable` caching. `nosniff` keeps a browser from reading a file as anything but
its type. With `STORAGE_BACKEND=s3` the bucket (or its CDN) serves them instead.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse

from api.errors import json_error, refuse_unsafe_method

TYPES = {".avif": "image/avif", ".webp": "image/webp"}


def serve(request: HttpRequest, path: str) -> HttpResponse:
    refused = refuse_unsafe_method(request)
    if refused is not None:
        return refused
    root = Path(settings.MEDIA_ROOT).resolve()
    try:
        target = (root / path).resolve()
        found = root in target.parents and target.is_file()
    except (ValueError, OSError):  # a NUL byte, a name too long for the system
        found = False
    if not found:
        return json_error(404, "Not found.")
    content_type = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
    response = FileResponse(target.open("rb"), content_type=content_type)
    response["Cache-Control"] = settings.MEDIA_CACHE_CONTROL
    response["X-Content-Type-Options"] = "nosniff"
    return response
