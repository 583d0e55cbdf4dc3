"""The last middleware: it keeps the whole middleware chain in sync mode under ASGI.

Every view, middleware of ours and ORM call here is synchronous. Under ASGI, Django builds
the chain from the inside out and runs each middleware in a mode it supports, starting from
its async inner handler. Django's own `SecurityMiddleware` and `CommonMiddleware` can run
either way, so below our sync-only middleware they ran async: a request went from a worker
thread back to the event loop, and each of their `process_request` and `process_response`
hooks went to a thread again. A `{ __typename }` GraphQL request made eight such crossings
(each a future, a condition variable and a thread switch).

Being sync-only and innermost, `SyncMiddlewareChain` makes Django adapt its inner handler to
sync once, here; every middleware above it then runs sync. The same request makes four
crossings, and a server worker's CPU per minimal request fell by about a third (ADR 0011).
Django's middleware keep their own dotted paths, which `check --deploy` looks for.

Under WSGI nothing changes: sync is the only mode there.
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
