"""Request bodies refused by their size before they are read, on every route.

Django's ASGI handler reads a whole body (spooling it to disk) before any middleware or view
runs, so `BodySizeLimit` wraps the ASGI application: a declared Content-Length over the limit
is answered 413 at once, and a streamed body is cut off as soon as it passes the limit. Under
WSGI the body is read lazily, so `OversizedBodyMiddleware` answers 413 from the declared length
before any view could read it. The limit is DATA_UPLOAD_MAX_MEMORY_SIZE; paths whose app sets
its own limit (media's uploads: `ServiceAppConfig.own_body_limit_paths`) are left to that app.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from socialapp.service_app import enabled_service_configs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _error_body(limit: int) -> dict[str, Any]:
    message = f"The request body is larger than {limit} bytes."
    return {"errors": [{"field": None, "code": "body_too_large", "message": message}]}


class _ExemptPaths:
    """The paths apps limit themselves: exact, or every path under a prefix written `/prefix/*`."""

    def __init__(self) -> None:
        declared = [path for config in enabled_service_configs() for path in config.own_body_limit_paths]
        self.prefixes = tuple(path.removesuffix("*") for path in declared if path.endswith("*"))
        self.exact = frozenset(path for path in declared if not path.endswith("*"))

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and (path in self.exact or path.startswith(self.prefixes))


def _declared_length(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodySizeLimit:
    """ASGI: 413 for bodies over the limit, declared or streamed, outside the exempt paths."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        self.exempt = _ExemptPaths()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") not in BODY_METHODS
            or scope.get("path") in self.exempt
        ):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope.get("headers", []))
        if declared is not None and declared > self.limit:
            await self._refuse(send)
            return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    exceeded = True  # Django sees a client that went away and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, limited_receive, tracking_send)
        if exceeded and not started:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps(_error_body(self.limit)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def limit_request_bodies(app: ASGIApp) -> ASGIApp:
    return BodySizeLimit(app)


class OversizedBodyMiddleware:
    """Django (WSGI): 413 from a declared Content-Length over the limit, before any view reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.exempt = _ExemptPaths()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if request.method in BODY_METHODS and request.path not in self.exempt:
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                declared = 0
            if declared > limit:
                return JsonResponse(_error_body(limit), status=413)
        return self.get_response(request)
