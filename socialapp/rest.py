"""REST plumbing: every error answers `{"errors": [{field, code, message}]}`."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from socialapp.errors import DomainError, RateLimitedError


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
