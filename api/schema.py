"""OpenAPI schema: parameter documentation, the Error component, and hooks."""

import re
from dataclasses import dataclass, field

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

API_PATH_PREFIX = "/api/v1/"

ERROR_COMPONENT = {
    "type": "object",
    "description": "The one shape of every error response.",
    "required": ["status", "code", "detail", "errors"],
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status code."},
        "code": {
            "type": "string",
            "description": "Machine-readable error kind.",
            "example": "invalid_parameter",
        },
        "detail": {"type": "string", "description": "A sentence for humans."},
        "errors": {
            "type": "array",
            "description": "For a 400: one entry per offending parameter.",
            "items": {"$ref": "#/components/schemas/ParameterError"},
        },
    },
}
PARAMETER_ERROR_COMPONENT = {
    "type": "object",
    "required": ["parameter", "code", "detail"],
    "properties": {
        "parameter": {"type": "string", "example": "tag"},
        "code": {"type": "string", "example": "unknown_tag"},
        "detail": {"type": "string", "example": "Unknown tag: 'nope'."},
    },
}

ERROR_RESPONSES = {
    "400": "A query parameter is invalid (or not UTF-8, or holds a NUL byte, or "
    "names a date outside the years 1 to 9999 once in UTC, or a repeated one has more "
    "than 20 values), or the query string is longer than 4,096 characters; "
    "`errors` names the parameter. Errors carry `Cache-Control: public, "
    "max-age=10` (cut short before the next scheduled publish).",
    "404": "No such resource, or a page past the last.",
    "405": "Only GET, HEAD and OPTIONS are allowed.",
    "406": "The `Accept` header or `format` asks for something other than JSON.",
    "429": "Too many requests (only when rate limiting is configured); retry after "
    "the `Retry-After` seconds. Never cached (`Cache-Control: no-store`).",
    "503": "The database is unreachable; retry after the `Retry-After` seconds. "
    "Never cached (`Cache-Control: no-store`).",
}
# Operations without a path variable or pages cannot answer 404.
_NO_404 = {"getIndex", "getApiRoot", "getSite"}
URI_TOO_LONG = {
    "description": "The request line is longer than the server accepts (8 KB under "
    "gunicorn). Answered by the server itself, so no JSON body is promised.",
}


class AutoSchema(SpectacularAutoSchema):
    """Operation ids come from each view's `extend_schema(operation_id=...)`."""

    def get_auth(self) -> list:
        # The API is anonymous: no `security` block, so generated clients take a
        # plain client instead of demanding an authenticated one.
        return []

    def get_paginated_name(self, serializer_name: str) -> str:
        if serializer_name == "IndexEntry":
            return "WritingIndex"  # unpaginated: {"count", "results"}
        return super().get_paginated_name(serializer_name)


def only_public_api(endpoints):
    """Document the content API; leave the schema and docs endpoints out."""
    hidden = ("/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/")
    return [endpoint for endpoint in endpoints if endpoint[0] not in hidden]


def add_error_responses(result, generator, request, public):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    schemas["ParameterError"] = PARAMETER_ERROR_COMPONENT
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            operation_id = operation.get("operationId", "")
            for status, description in ERROR_RESPONSES.items():
                if status == "404" and operation_id in _NO_404:
                    continue
                operation["responses"][status] = {
                    "description": description,
                    "content": {"application/json": {"schema": reference}},
                }
            operation["responses"]["414"] = URI_TOO_LONG
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query":
                    # The contract: an empty parameter (`?tag=`) is ignored.
                    parameter["allowEmptyValue"] = True
    return result


# --- Plain Django views (feeds, sitemaps) -------------------------------------------
# drf-spectacular documents DRF views only. A plain view of the API declares its
# operation (`view.openapi = PlainOperation(...)`) beside its code, and
# `add_plain_views` puts it in the document; tests/api/test_schema.py fails for a
# route of the API that is in neither.

PLAIN_ERRORS = {
    "400": ERROR_RESPONSES["400"],
    "404": ERROR_RESPONSES["404"],
    "405": "Only GET and HEAD are allowed.",
    "429": ERROR_RESPONSES["429"],
    "503": ERROR_RESPONSES["503"],
}
_ROUTE_VARIABLE = re.compile(r"<(?:\w+:)?(\w+)>")


@dataclass(frozen=True)
class PlainOperation:
    """The OpenAPI operation of a plain view: its 200 body (one media type), its
    parameters, and the components its schema refers to."""

    operation_id: str
    description: str
    returns: str  # the 200's description
    tag: str
    media_type: str
    schema: dict
    parameters: tuple[dict, ...] = ()
    components: dict = field(default_factory=dict)
    not_found: str | None = None  # when it can answer 404, why

    def as_openapi(self) -> dict:
        responses = {
            "200": {
                "description": self.returns,
                "content": {self.media_type: {"schema": self.schema}},
            }
        }
        reference = {"$ref": "#/components/schemas/Error"}
        for status, description in PLAIN_ERRORS.items():
            if status == "404":
                if self.not_found is None:
                    continue
                description = self.not_found
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": reference}},
            }
        responses["414"] = URI_TOO_LONG
        return {
            "operationId": self.operation_id,
            "description": self.description,
            "tags": [self.tag],
            **({"parameters": list(self.parameters)} if self.parameters else {}),
            "responses": responses,
        }


def path_parameter(name: str, description: str, schema: dict | None = None) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def openapi_path(route: str) -> str:
    """`tags/<contentslug:slug>/feeds/rss/` as the document's
    `/api/v1/tags/{slug}/feeds/rss/`."""
    return API_PATH_PREFIX + _ROUTE_VARIABLE.sub(r"{\1}", route)


def plain_routes() -> list[tuple[str, object]]:
    """(OpenAPI path, view) of every route of the API that is a plain view."""
    from api import urls

    return [
        (openapi_path(str(pattern.pattern)), pattern.callback)
        for pattern in urls.urlpatterns
        if not hasattr(pattern.callback, "cls")  # DRF views have `cls`
    ]


MOVED_COMPONENT = {
    "type": "object",
    "description": "An old slug's answer: the resource now lives at `location`.",
    "required": ["status", "code", "detail", "location"],
    "properties": {
        "status": {"type": "integer", "enum": [301]},
        "code": {"type": "string", "enum": ["moved_permanently"]},
        "detail": {"type": "string"},
        "location": {"type": "string", "format": "uri"},
    },
}
MOVED_RESPONSE = {
    "description": "The slug is an old one: `Location` (and `location`) is the "
    "current address, query string kept. `Cache-Control: public, max-age=300`. "
    "HTTP clients follow it (httpx: `follow_redirects=True`).",
    "headers": {
        "Location": {"schema": {"type": "string", "format": "uri"}, "required": True}
    },
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Moved"}}},
}
# The detail paths of what keeps its old addresses (`blog.redirects`).
_REDIRECTED_PATHS = re.compile(r"^/api/v1/(posts|tags|authors|pages)/\{slug\}/")


def add_moved_responses(result, generator, request, public):
    """A 301 on every detail path of a slug that can change."""
    result.setdefault("components", {}).setdefault("schemas", {})["Moved"] = (
        MOVED_COMPONENT
    )
    for path, path_item in result.get("paths", {}).items():
        if _REDIRECTED_PATHS.match(path):
            for operation in path_item.values():
                operation["responses"]["301"] = MOVED_RESPONSE
                operation["responses"] = dict(sorted(operation["responses"].items()))
    return result


def add_plain_views(result, generator, request, public):
    paths = result.setdefault("paths", {})
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for path, view in plain_routes():
        declared = getattr(view, "openapi", None)
        if declared is None:
            continue
        paths[path] = {"get": declared.as_openapi()}
        schemas.update(declared.components)
    result["paths"] = dict(sorted(paths.items()))  # as drf-spectacular sorts them
    return result
