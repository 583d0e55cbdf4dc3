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


# The JSON body answering a refused request, by its path.
Refusal = Callable[[str], dict[str, Any]]


class BodySizeLimit:
    """ASGI: 413 for bodies over `limit`, declared or streamed, on the paths `applies` accepts;
    `refusal(path)` is the JSON body of the 413."""

    def __init__(self, app: ASGIApp, *, limit: int, applies: Callable[[str], bool], refusal: Refusal) -> None:
        self.app = app
        self.limit = limit
        self.applies = applies
        self.refusal = refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") not in BODY_METHODS or not self.applies(path):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope.get("headers", []))
        if declared is not None and declared > self.limit:
            await self._refuse(send, path)
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
            await self._refuse(send, path)

    async def _refuse(self, send: Send, path: str) -> None:
        body = json.dumps(self.refusal(path)).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def limit_request_bodies(app: ASGIApp) -> ASGIApp:
    """Every path but those whose apps limit their own bodies, to DATA_UPLOAD_MAX_MEMORY_SIZE."""
    limit: int = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    exempt = _ExemptPaths()
    return BodySizeLimit(
        app, limit=limit, applies=lambda path: path not in exempt, refusal=lambda _path: _error_body(limit)
    )


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
