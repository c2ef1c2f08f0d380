"""Draft preview tokens: signed, expiring names of one post (or page), and nothing
more.

A token is `django.core.signing` over `{"post": <pk>}` (`{"page": <pk>}`) with its
own salt, so it
cannot be confused with (or replayed as) a session, a password-reset link or any
other value signed with the same secret key. It names the post by primary key,
not slug, so renaming a draft does not break a preview already sent for review.
It grants one thing: reading that post through `GET /api/v1/preview/{token}/` (a
page through `GET /api/v1/preview/pages/{token}/`); a post's token names no page.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing

from blog.public_urls import public_url

SALT = "writing-api.preview"


def make_token(post_id: int, kind: str = "post") -> str:
    """A preview token for the post (or page) with this primary key, valid from
    now."""
    return signing.dumps({kind: post_id}, salt=SALT)


def post_id_from_token(token: str, kind: str = "post") -> int | None:
    """The primary key of the `kind` a valid, unexpired token names; None for any
    other string."""
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=settings.PREVIEW_TOKEN_MAX_AGE
        )
    except signing.BadSignature:  # also SignatureExpired, its subclass
        return None
    post_id = payload.get(kind) if isinstance(payload, dict) else None
    # bool is an int subclass; a signed `true` is not a primary key.
    if type(post_id) is not int:
        return None
    return post_id


def preview_url(token: str, api_url: str) -> str:
    """Where an editor opens the preview: the front-end's preview page when
    `FRONTEND_PREVIEW_URL` is set (its `{token}` replaced), else `api_url`, the
    absolute URL of the API's preview endpoint for this token."""
    template = settings.FRONTEND_PREVIEW_URL
    if template:
        return template.replace("{token}", token)
    return api_url


def post_url(slug: str) -> str | None:
    """The post's page on the front-end, when `FRONTEND_POST_URL` is set."""
    return public_url("post", slug)


def lifetime_minutes() -> int:
    """How long a new token stays valid, in whole minutes (at least one)."""
    return max(1, settings.PREVIEW_TOKEN_MAX_AGE // 60)
