"""Calling a WSGI application as gunicorn does (see the `production_app` fixture)."""

from io import BytesIO
from wsgiref.util import setup_testing_defaults


def wsgi_get(
    app, path: str, query: str = "", method: str = "GET", **headers: str
) -> tuple[int, dict, bytes]:
    """Call the WSGI application; return (status, headers, body)."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": "testserver",
        "wsgi.input": BytesIO(),
    }
    environ.update({f"HTTP_{k.upper()}": v for k, v in headers.items()})
    setup_testing_defaults(environ)
    captured = {}

    def start_response(status, response_headers, exc_info=None):
        captured["status"] = int(status.split()[0])
        captured["headers"] = dict(response_headers)

    body = b"".join(app(environ, start_response))
    return captured["status"], captured["headers"], body
