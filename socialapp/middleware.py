"""The last middleware, sync only: under ASGI it makes Django adapt the chain to sync once,
here, so every middleware above runs sync instead of hopping between the event loop and
threads around each of Django's own hooks (ADR 0011). Under WSGI it changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class SyncMiddlewareChain:
    """A pass-through that is sync only. Keep it last in MIDDLEWARE."""

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
