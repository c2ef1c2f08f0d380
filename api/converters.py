"""Path converters: a slug is matched by its pattern before any query runs."""

from blog.slugs import SLUG_MAX_LENGTH, SLUG_PATTERN


class SlugConverter:
    regex = SLUG_PATTERN

    def to_python(self, value: str) -> str:
        if len(value) > SLUG_MAX_LENGTH:
            raise ValueError("slug too long")  # Django treats this as no match: 404
        return value

    def to_url(self, value: str) -> str:
        return value
