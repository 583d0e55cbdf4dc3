"""Domain errors: one hierarchy with stable codes, rendered in one place per protocol.

Services raise these; GraphQL mutations turn them into `errors { field code message }`,
REST views into a JSON body with the matching HTTP status, WebSocket consumers into close
codes. Nothing else decides how an error looks.
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    code: str = "error"
    http_status: int = 400
    websocket_close_code: int = 4400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **details: Any) -> None:
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


def rest_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, taught our domain errors. The body is always `{"errors": [...]}`."""
    if isinstance(exc, DomainError):
        response = Response({"errors": [exc.as_dict()]}, status=exc.http_status)
        if isinstance(exc, RateLimitedError) and "retry_after" in exc.details:
            response["Retry-After"] = str(exc.details["retry_after"])
        return response
    fallback = drf_exception_handler(exc, context)
    if fallback is not None and isinstance(exc, drf_exceptions.APIException):
        fallback.data = {"errors": _api_exception_errors(exc)}
    return fallback


def _api_exception_errors(exc: drf_exceptions.APIException) -> list[dict[str, Any]]:
    detail: Any = exc.get_full_details()
    if isinstance(detail, dict) and "message" not in detail:
        return [
            {"field": field, "code": item.get("code", "invalid"), "message": str(item.get("message", ""))}
            for field, items in detail.items()
            for item in (items if isinstance(items, list) else [items])
        ]
    return [{"field": None, "code": str(exc.get_codes()), "message": str(exc.detail)}]
