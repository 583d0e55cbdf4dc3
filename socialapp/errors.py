"""Domain errors: one hierarchy with stable codes, rendered in one place per protocol.

Services raise these; GraphQL mutations turn them into `errors { field code message }`,
REST views into a JSON body with the matching HTTP status, WebSocket consumers into close
codes. Nothing else decides how an error looks.
"""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_LENGTH = 300


def shortened(message: str, limit: int = MAX_MESSAGE_LENGTH) -> str:
    """The message, cut to `limit` characters (an ellipsis says it was cut)."""
    return message if len(message) <= limit else message[: limit - 1] + "\u2026"


class DomainError(Exception):
    code: str = "error"
    http_status: int = 400
    websocket_close_code: int = 4400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **details: Any) -> None:
        message = shortened(message)  # a message may quote input: never echo it unbounded
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"field": self.field, "code": self.code, "message": self.message, **self.details}


class InvalidInputError(DomainError):
    code = "invalid"


class NotAuthenticatedError(DomainError):
    code = "not_authenticated"
    http_status = 401
    websocket_close_code = 4401


class PermissionDeniedError(DomainError):
    code = "forbidden"
    http_status = 403
    websocket_close_code = 4403


class NotFoundError(DomainError):
    code = "not_found"
    http_status = 404
    websocket_close_code = 4404


class ConflictError(DomainError):
    code = "conflict"
    http_status = 409


class RateLimitedError(DomainError):
    code = "rate_limited"
    http_status = 429
    websocket_close_code = 4429
