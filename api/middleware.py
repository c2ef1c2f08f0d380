"""Headers for the HTML pages (admin, API docs): a Content-Security-Policy."""

from django.http import HttpRequest, HttpResponse

# Everything is served locally (drf-spectacular-sidecar, Django's admin assets).
# Inline styles are allowed because both Swagger UI and the admin set style
# attributes from script; scripts must come from this origin.
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
                HTML_POLICY if is_html else JSON_POLICY
            )
        return response
