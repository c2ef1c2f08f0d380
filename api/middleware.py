"""Headers for the HTML pages (admin, API docs): a Content-Security-Policy."""

from urllib.parse import unquote_to_bytes, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse


# Everything is served locally (drf-spectacular-sidecar, Django's admin assets).
# Inline styles are allowed because both Swagger UI and the admin set style
# attributes from script; scripts must come from this origin.
def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def media_origins() -> str:
    """Where the image library's files load from, besides this origin: the
    `API_PUBLIC_URL` stored bodies use, and the storage's own host (S3, a CDN)."""
    from django.core.files.storage import default_storage

    found = {_origin(settings.API_PUBLIC_URL), _origin(default_storage.url("x"))}
    return " ".join(sorted(origin for origin in found if origin))


def html_policy() -> str:
    images = " ".join(filter(None, ["'self' data:", media_origins()]))
    return HTML_POLICY.replace("img-src 'self' data:", f"img-src {images}")


HTML_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# JSON answers embed nothing: forbid everything.
JSON_POLICY = "default-src 'none'; frame-ancestors 'none'"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            content_type = response.get("Content-Type", "")
            is_html = content_type.startswith("text/html")
            response["Content-Security-Policy"] = (
                html_policy() if is_html else JSON_POLICY
            )
        return response


class MalformedQueryMiddleware:
    """A 400 for API query strings that are not valid UTF-8, carry NUL bytes or are
    longer than `API_MAX_QUERY_STRING`.

    Django would quietly turn invalid bytes into U+FFFD; a client sending them has a
    bug worth hearing about, and no parameter value ever needs a NUL.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(("/api/", "/ghost/api/")):
            problem = malformed_parameter(request.META.get("QUERY_STRING", ""))
            if problem and request.path_info.startswith("/ghost/"):
                from api.ghost import errors, views

                name, reason, _ = problem
                error = errors.bad_request("Invalid Request", f"{name}: {reason}")
                return error.response(views.respond)
            if problem:
                from api.errors import json_error

                name, reason, code = problem
                return json_error(
                    400,
                    f"Invalid value for '{name}'.",
                    [{"parameter": name, "code": code, "detail": reason}],
                )
        return self.get_response(request)


def malformed_parameter(query_string: str) -> tuple[str, str, str] | None:
    """(parameter, reason, code) of the first malformed parameter, or None."""
    raw = query_string.encode("latin-1", "replace")
    limit = settings.API_MAX_QUERY_STRING
    if len(raw) > limit:
        longest = max(raw.split(b"&"), key=len).partition(b"=")[0]
        name = unquote_to_bytes(longest.replace(b"+", b" "))
        return (
            name.decode(errors="replace")[:60].replace("\x00", ""),
            f"The query string is longer than {limit} characters.",
            "query_too_long",
        )
    for pair in raw.split(b"&"):
        name, _, value = pair.partition(b"=")
        try:
            decoded_name = unquote_to_bytes(name.replace(b"+", b" ")).decode()
        except UnicodeDecodeError:
            return ("(name)", "A parameter name is not valid UTF-8.", "invalid_utf8")
        try:
            decoded = unquote_to_bytes(value.replace(b"+", b" ")).decode()
        except UnicodeDecodeError:
            return (decoded_name[:60], "The value is not valid UTF-8.", "invalid_utf8")
        if "\x00" in decoded or "\x00" in decoded_name:
            return (decoded_name[:60].replace("\x00", ""), "Null bytes are not "
                    "allowed.", "null_characters_not_allowed")  # fmt: skip
    return None
