"""Lists of links an editor types as JSON: an author's profiles elsewhere, the
site's navigation and its links. Each validator names the item it refuses, so a
form shows which line to fix."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

_ABSOLUTE = URLValidator(schemes=["http", "https"])
LABEL_MAX_LENGTH = 100
NETWORK_MAX_LENGTH = 50


def _is_absolute_url(value: str) -> bool:
    try:
        _ABSOLUTE(value)
    except ValidationError:
        return False
    return True


def _is_path(value: str) -> bool:
    """A path of the front-end: "/" then no space, control character or backslash
    (browsers read "/\\host" and "//host" as another host)."""
    return (
        value.startswith("/")
        and not value.startswith("//")
        and value.isprintable()
        and not any(char.isspace() or char == "\\" for char in value)
    )


def _items(value, example: str) -> list:
    if not isinstance(value, list):
        raise ValidationError(f"A list of {example} objects.", code="not_a_list")
    return value


def validate_links(value) -> None:
    """A list of `{"network", "url"}` with absolute http(s) URLs."""
    example = '{"network": "mastodon", "url": "https://..."}'
    for number, item in enumerate(_items(value, example), start=1):
        if not (
            isinstance(item, dict)
            and set(item) == {"network", "url"}
            and isinstance(item["network"], str)
            and 0 < len(item["network"]) <= NETWORK_MAX_LENGTH
            and isinstance(item["url"], str)
        ):
            raise ValidationError(
                f"Link {number}: each link is {example}, the network at most "
                f"{NETWORK_MAX_LENGTH} characters.",
                code="invalid_link",
            )
        if not _is_absolute_url(item["url"]):
            raise ValidationError(
                f"Link {number}: {item['url']!r} is not an absolute http(s) URL.",
                code="invalid_url",
            )


def validate_navigation(value) -> None:
    """A list of `{"label", "url"}`; a url is an absolute http(s) URL or a path of
    the front-end starting with "/" (not "//", which names another host)."""
    example = '{"label": "About", "url": "/about/"}'
    for number, item in enumerate(_items(value, example), start=1):
        if not (
            isinstance(item, dict)
            and set(item) == {"label", "url"}
            and isinstance(item["label"], str)
            and 0 < len(item["label"].strip()) <= LABEL_MAX_LENGTH
            and isinstance(item["url"], str)
        ):
            raise ValidationError(
                f"Item {number}: each item is {example}, the label 1 to "
                f"{LABEL_MAX_LENGTH} characters.",
                code="invalid_item",
            )
        url = item["url"]
        if not (_is_path(url) or _is_absolute_url(url)):
            raise ValidationError(
                f'Item {number}: {url!r} is neither a path starting with "/" nor an '
                "absolute http(s) URL.",
                code="invalid_url",
            )
