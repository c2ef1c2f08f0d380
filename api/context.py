"""Per-request shared state the views, filters and serializers read."""

from rest_framework.request import Request

from blog.tags import TagDirectory


def tag_directory(request: Request) -> TagDirectory:
    """The tag directory, loaded at most once per request."""
    directory = getattr(request, "_tag_directory", None)
    if directory is None:
        directory = TagDirectory.load()
        request._tag_directory = directory
    return directory
