"""Cutting oversized uploads off at the socket, on the upload paths (the kernel's body limiter,
socialapp/body_limits.py, with media's larger limit and its typed error).

The limit is MEDIA_MAX_UPLOAD_BYTES plus room for the multipart framing and the GraphQL
operation; the exact limit on the file itself is enforced by `apps.media.uploads`.
"""

from __future__ import annotations

from typing import Any

from apps.media import config
from apps.media.errors import FileTooLargeError
from socialapp.body_limits import ASGIApp, BodySizeLimit

MULTIPART_ALLOWANCE = 64 * 1024
REST_PATHS = ("/api/media/",)
GRAPHQL_PATHS = ("/graphql/media/", "/graphql/")


def _limited(path: str) -> str | None:
    """`rest` or `graphql` for the paths whose bodies are limited, None for the others."""
    if path.startswith(REST_PATHS):
        return "rest"
    if path in GRAPHQL_PATHS:
        return "graphql"
    return None


def _refusal(path: str) -> dict[str, Any]:
    error = FileTooLargeError(config.max_upload_bytes())
    if _limited(path) == "graphql":
        return {"errors": [{"message": error.message, "extensions": {"code": error.code, "field": error.field}}]}
    return {"errors": [error.as_dict()]}


def limit_upload_bodies(app: ASGIApp) -> ASGIApp:
    """Wrap the HTTP application (declared in MediaConfig.asgi_http_middleware)."""
    return BodySizeLimit(
        app,
        limit=config.max_upload_bytes() + MULTIPART_ALLOWANCE,
        applies=lambda path: _limited(path) is not None,
        refusal=_refusal,
    )
