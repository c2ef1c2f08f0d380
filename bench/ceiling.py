"""The ceiling: a WSGI app that replays recorded responses and does nothing else.

The driver records the exact status line, headers and body the real app returned for
each case and variant (bench/work/captures.json) and serves this app with the same
gunicorn settings, driven by the same wrk command. Its requests per second are the
most this machine, gunicorn and wrk can do for a response of that size: the app's
rate divided by it says how much of that the app reaches.

A request's path, with its query, names the recording: the variant first, then the
path the app was asked (`/warm/api/v1/tags/`, `/304/api/v1/index/`).

    BENCH_CEILING_RESPONSES=bench/work/captures.json \\
        gunicorn --chdir bench ceiling:application --workers 2 --bind 127.0.0.1:8001
"""

import base64
import json
import os

# gunicorn writes these itself (WSGI forbids hop-by-hop headers from the app).
SERVER_HEADERS = {"connection", "date", "keep-alive", "server", "transfer-encoding"}
NOT_FOUND = ("404 Not Found", [("Content-Length", "0")], b"")


def load(path: str) -> dict[str, tuple[str, list[tuple[str, str]], bytes]]:
    with open(path, encoding="utf-8") as stream:
        recordings = json.load(stream)
    return {
        recording["path"]: (
            recording["status"],
            [
                (name, value)
                for name, value in recording["headers"]
                if name.lower() not in SERVER_HEADERS
            ],
            base64.b64decode(recording["body"]),
        )
        for recording in recordings
    }


RESPONSES = load(os.environ["BENCH_CEILING_RESPONSES"])


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if environ.get("QUERY_STRING"):
        path += "?" + environ["QUERY_STRING"]
    status, headers, body = RESPONSES.get(path, NOT_FOUND)
    start_response(status, headers)
    return [body]
