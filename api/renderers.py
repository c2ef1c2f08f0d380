"""JSON rendering with orjson: DRF's renderer's output, several times faster."""

import orjson
from django.utils.functional import Promise
from rest_framework import renderers

# Datetimes that reach the renderer directly (the index) come out exactly like the
# serializers' DATETIME_FORMAT: whole seconds, UTC, with a `Z`.
ORJSON_OPTIONS = orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS


def _default(value):
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def render_json(data) -> bytes:
    return orjson.dumps(data, default=_default, option=ORJSON_OPTIONS)


class PreRendered:
    """A body a view already rendered with `render_json`: passed through as is."""

    __slots__ = ("content",)

    def __init__(self, content: bytes) -> None:
        self.content = content


class JSONRenderer(renderers.JSONRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        if isinstance(data, PreRendered):
            return data.content
        return render_json(data)
