"""The client's address behind `DJANGO_NUM_PROXIES` trusted reverse proxies.

Each trusted proxy appends the address it saw to `X-Forwarded-For`, so the client
is the entry that many places from the right; anything further left was written by
the client and proves nothing. With no trusted proxy the header is ignored. The rate
limit (`api.throttling`) and the admin lockout (django-axes) both key on this.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(meta: dict) -> str:
    """From a request's META (or a WSGI environ)."""
    remote = meta.get("REMOTE_ADDR", "")
    proxies = settings.NUM_PROXIES
    forwarded = meta.get("HTTP_X_FORWARDED_FOR", "")
    if not proxies or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote


def request_client_address(request: HttpRequest) -> str:
    """`AXES_CLIENT_IP_CALLABLE`."""
    return client_address(request.META)
