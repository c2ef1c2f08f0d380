"""Per-request shared state the views, filters and serializers read."""

from rest_framework.request import Request

from blog import derived
from blog.tags import TagDirectory


def tag_directory(request: Request) -> TagDirectory:
    """The tag directory: once per content version, at most once per request."""
    directory = getattr(request, "_tag_directory", None)
    if directory is None:
        directory = derived.tag_directory()
        request._tag_directory = directory
    return directory
