"""Cutting oversized uploads off at the socket.

Django's ASGI handler reads a request's whole body (spooling it to disk) before any view runs,
so a view cannot refuse a 2 GB upload before it has arrived. This ASGI middleware wraps the
Django application and, on the upload paths, answers 413 at once when Content-Length is over
the limit, or as soon as a streamed (chunked) body passes it, without reading the rest.

The limit is MEDIA_MAX_UPLOAD_BYTES plus room for the multipart framing and the GraphQL
operation; the exact limit on the file itself is enforced by `apps.media.uploads`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from apps.media import config
from apps.media.errors import FileTooLargeError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

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


class UploadBodyLimit:
    """413 for request bodies over the upload limit on the upload paths; others pass untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = _limited(scope.get("path", "")) if scope["type"] == "http" else None
        if kind is None or scope.get("method") not in {"POST", "PUT", "PATCH"}:
            await self.app(scope, receive, send)
            return
        limit = config.max_upload_bytes() + MULTIPART_ALLOWANCE
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _refuse(send, kind)
            return
        received = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True  # Django sees a client that went away, and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if exceeded and not response_started:
            await _refuse(send, kind)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, kind: str) -> None:
    error = FileTooLargeError(config.max_upload_bytes())
    item: dict[str, Any] = error.as_dict()
    if kind == "graphql":
        item = {"message": error.message, "extensions": {"code": error.code, "field": error.field}}
    body = json.dumps({"errors": [item]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def limit_upload_bodies(app: ASGIApp) -> ASGIApp:
    """Wrap the HTTP application (socialapp/asgi.py: `"http": limit_upload_bodies(django_asgi_app)`)."""
    return UploadBodyLimit(app)
