"""Per-request shared state the views, filters and serializers read."""

from rest_framework.request import Request

from blog import derived
from blog.related import Directory, Related


def directory(request: Request, related: Related) -> Directory:
    """The directory of tags (or authors): once per content version, at most once
    per request."""
    directories = request.__dict__.setdefault("_directories", {})
    found = directories.get(related.name)
    if found is None:
        found = directories[related.name] = derived.directory(related)
    return found
