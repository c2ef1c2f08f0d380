"""Ghost's errors, as its Content API sends them:
`{"errors": [{"message", "context", "type", "details", "property", "help", "code",
"id", "ghostErrorCode"}]}`."""

from __future__ import annotations

import uuid

from django.http import HttpRequest

from blog import derived
from blog.content_keys import KEY_PATTERN

MISSING_KEY_CONTEXT = (
    "Unable to determine the authenticated user or integration. Check that cookies "
    "are being passed through if using session authentication."
)


class GhostError(Exception):
    def __init__(self, status: int, kind: str, message: str, context=None, code=None):
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message
        self.context, self.code = context, code

    def body(self) -> dict:
        return {
            "errors": [
                {
                    "message": self.message,
                    "context": self.context,
                    "type": self.kind,
                    "details": None,
                    "property": None,
                    "help": None,
                    "code": self.code,
                    "id": str(uuid.uuid4()),
                    "ghostErrorCode": None,
                }
            ]
        }

    def response(self, respond):
        response = respond(self.body(), self.status)
        if self.status in (401, 403):
            # An answer about the key, not the content: no cache keeps it.
            response["Cache-Control"] = "private, no-store"
        return response


def not_found(message: str) -> GhostError:
    return GhostError(404, "NotFoundError", message)


def bad_filter(context: str) -> GhostError:
    return GhostError(400, "BadRequestError", "Error parsing filter", context)


def bad_request(message: str, context: str | None = None) -> GhostError:
    return GhostError(400, "BadRequestError", message, context)


def validation(message: str) -> GhostError:
    return GhostError(422, "ValidationError", message)


def authenticate(request: HttpRequest) -> None:
    """The Content API key (`?key=`): missing, Ghost's 403; unknown, its 401."""
    key = request.GET.get("key", "")  # the last one, as the canonical query keeps
    if not key:
        raise GhostError(
            403, "NoPermissionError", "Authorization failed", MISSING_KEY_CONTEXT
        )
    if not KEY_PATTERN.fullmatch(key) or key not in derived.content_api_keys():
        raise GhostError(401, "UnauthorizedError", "Unknown Content API Key", None,
                         "UNKNOWN_CONTENT_API_KEY")  # fmt: skip
