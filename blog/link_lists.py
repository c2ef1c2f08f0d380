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


# Ghost keeps a profile on X or Facebook as a handle ("@ada", "ada"), where a
# link here is a URL; its themes and clients build the URL from the handle.
_PROFILES = {
    "x": ("https://x.com/", "@", {"x.com", "twitter.com", "mobile.twitter.com"}),
    "facebook": ("https://www.facebook.com/", "", {"facebook.com", "m.facebook.com"}),
}
PROFILE_NETWORKS = {"twitter": "x", "x": "x", "facebook": "facebook"}


def profile_link(network: str, handle: str) -> dict[str, str] | None:
    """Ghost's `twitter`/`facebook` value as a link: "@ada" on X is
    `{"network": "x", "url": "https://x.com/ada"}`. None for an empty or odd one."""
    network = PROFILE_NETWORKS[network]
    base, _, _ = _PROFILES[network]
    handle = (handle or "").strip()
    if _is_absolute_url(handle):
        return {"network": network, "url": handle}
    handle = handle.lstrip("@/")
    if not handle or not all(char.isalnum() or char in "_.-/" for char in handle):
        return None
    return {"network": network, "url": base + handle}


def profile_handle(links: list, network: str) -> str | None:
    """The handle Ghost would show for the first link on `network` ("x" or
    "facebook"): the path of a profile URL on that network, else the URL itself."""
    _, prefix, hosts = _PROFILES[network]
    names = {name for name, same in PROFILE_NETWORKS.items() if same == network}
    for link in links or ():
        if link.get("network") not in names:
            continue
        url = link.get("url") or ""
        host, _, path = url.partition("://")[2].partition("/")
        handle = path.split("?")[0].strip("/")
        if host.removeprefix("www.") in hosts and handle:
            return prefix + handle
        return url or None
    return None
