"""One JSON error shape for every 4xx and 5xx the API returns.

{"status": 400, "code": "invalid_parameter",
 "detail": "Invalid value for 'tag'.",
 "errors": [{"parameter": "tag", "code": "unknown_tag", "detail": "..."}]}
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from api.renderers import render_json

TOP_LEVEL_CODES = {
    400: "invalid_parameter",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}


def error_body(status_code: int, detail: str, errors: list[dict] | None = None) -> dict:
    return {
        "status": status_code,
        "code": TOP_LEVEL_CODES.get(status_code, "error"),
        "detail": detail,
        "errors": errors or [],
    }


def json_error(
    status_code: int, detail: str, errors: list[dict] | None = None
) -> HttpResponse:
    """An error outside DRF (URL resolver 404s, handler500, middleware)."""
    return HttpResponse(
        render_json(error_body(status_code, detail, errors)),
        status=status_code,
        content_type="application/json; charset=utf-8",
    )


# How long a shared cache may keep a 301 of an old slug (the contract's).
MOVED_MAX_AGE = 300


def moved_body(location: str) -> dict:
    return {
        "status": 301,
        "code": "moved_permanently",
        "detail": f"This address has moved to {location}.",
        "location": location,
    }


def moved_headers(location: str) -> dict:
    return {"Location": location, "Cache-Control": f"public, max-age={MOVED_MAX_AGE}"}


class Moved(exceptions.APIException):
    """An old slug's address: answered with a 301 to the current one."""

    status_code = 301

    def __init__(self, location: str) -> None:
        super().__init__(detail=location)
        self.location = location


def moved_response(location: str) -> HttpResponse:
    """The 301 outside DRF (feeds)."""
    response = HttpResponse(
        render_json(moved_body(location)),
        status=301,
        content_type="application/json; charset=utf-8",
    )
    for name, value in moved_headers(location).items():
        response[name] = value
    return response


def refuse_unsafe_method(request) -> HttpResponse | None:
    """The JSON 405 for a plain Django view of the API (feeds, sitemaps) asked
    anything but GET or HEAD; None when the method is one of those."""
    if request.method in {"GET", "HEAD"}:
        return None
    response = json_error(405, f'Method "{request.method}" not allowed.')
    response["Allow"] = "GET, HEAD"
    return response


def _parameter_errors(detail) -> list[dict]:
    """Flatten DRF's {"param": [ErrorDetail, ...]} into one entry per message."""
    if isinstance(detail, dict):
        items = detail.items()
    else:
        items = [("non_field_errors", detail)]
    errors = []
    for parameter, messages in items:
        for message in messages if isinstance(messages, list) else [messages]:
            errors.append(
                {
                    "parameter": parameter,
                    "code": getattr(message, "code", "invalid"),
                    "detail": str(message),
                }
            )
    return errors


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database is unreachable (or a statement timed out): a 503 the client
        # may retry, never a 500.
        return Response(
            error_body(503, "The service is temporarily unavailable; retry shortly."),
            status=503,
            headers={"Retry-After": "5"},
        )
    if isinstance(exc, DatabaseError):
        return None  # any other database error is a bug: let it be a 500
    if isinstance(exc, Moved):
        return Response(
            moved_body(exc.location), status=301, headers=moved_headers(exc.location)
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _parameter_errors(exc.detail)
        names = ", ".join(dict.fromkeys(f"'{e['parameter']}'" for e in errors))
        response.data = error_body(
            status.HTTP_400_BAD_REQUEST, f"Invalid value for {names}.", errors
        )
    else:
        response.data = error_body(response.status_code, str(exc.detail))
    return response


def _is_admin(request: HttpRequest) -> bool:
    return request.path.startswith(f"/{settings.ADMIN_URL}")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return json_error(400, "Bad request.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_admin(request):
        from django.views.defaults import page_not_found as html_page_not_found

        return html_page_not_found(request, exception)
    return json_error(404, "Not found.")


def server_error(request: HttpRequest) -> HttpResponse:
    return json_error(500, "Internal server error.")
