"""Slugs: the public address of posts and tags (`[a-z0-9]+(?:-[a-z0-9]+)*`)."""

import re
from collections.abc import Callable

from django.core.validators import RegexValidator
from django.utils.text import slugify

SLUG_PATTERN = r"[a-z0-9]+(?:-[a-z0-9]+)*"
SLUG_MAX_LENGTH = 200
SLUG_RE = re.compile(rf"\A{SLUG_PATTERN}\Z")

validate_slug = RegexValidator(
    SLUG_RE,
    "Use lowercase letters, digits and single hyphens between words "
    "(for example: failure-isolation-beats-scheduling).",
    code="invalid_slug",
)


def is_valid_slug(value: str) -> bool:
    return len(value) <= SLUG_MAX_LENGTH and bool(SLUG_RE.match(value))


def slug_from_text(text: str, fallback: str = "post") -> str:
    """A pattern-conforming slug for any text (underscores and runs of - collapse)."""
    slug = re.sub(r"[^a-z0-9]+", "-", slugify(text).lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or fallback


def unique_slug(base: str, exists: Callable[[str], bool]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free, within the length limit."""
    candidate, n = base, 1
    while exists(candidate):
        n += 1
        suffix = f"-{n}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return candidate
