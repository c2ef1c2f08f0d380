"""Content negotiation: JSON only, and an unknown `?format=` is a 406, not a 404."""

from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class JSONOnlyNegotiation(DefaultContentNegotiation):
    def filter_renderers(self, renderers, format):
        matching = [renderer for renderer in renderers if renderer.format == format]
        if not matching:
            raise exceptions.NotAcceptable(
                f"Unknown format {format[:40]!r}; this API serves JSON."
            )
        return matching
