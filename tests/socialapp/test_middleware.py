"""The middleware chain runs in sync mode under ASGI: a request changes thread as few times as
Django allows for a sync view (socialapp/middleware.py, ADR 0011)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from asgiref.sync import AsyncToSync, SyncToAsync, async_to_sync
from django.conf import settings
from django.test import AsyncClient

pytestmark = pytest.mark.django_db(databases=["auth"])


def crossings_of_an_asgi_request(method: str, path: str, **kwargs: Any) -> tuple[int, Counter[str]]:
    """The response status and how often the request went to a thread (sync_to_async) and back
    to the event loop (async_to_sync), counted on a second request (the first loads things)."""
    counted: Counter[str] = Counter()
    to_thread, to_loop = SyncToAsync.__call__, AsyncToSync.__call__

    async def counting_to_thread(self: SyncToAsync[Any, Any], *args: Any, **kw: Any) -> Any:
        counted["to thread"] += 1
        return await to_thread(self, *args, **kw)

    def counting_to_loop(self: AsyncToSync[Any, Any], *args: Any, **kw: Any) -> Any:
        counted["to event loop"] += 1
        return to_loop(self, *args, **kw)

    async def two_requests() -> int:
        client = AsyncClient()
        await getattr(client, method)(path, **kwargs)
        counted.clear()
        response = await getattr(client, method)(path, **kwargs)
        return int(response.status_code)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SyncToAsync, "__call__", counting_to_thread)
        patch.setattr(AsyncToSync, "__call__", counting_to_loop)
        status = async_to_sync(two_requests)()
    return status, counted


def test_a_graphql_request_changes_thread_at_most_four_times_not_eight() -> None:
    status, crossings = crossings_of_an_asgi_request(
        "post", "/graphql/feed/", data={"query": "{ __typename }"}, content_type="application/json"
    )

    assert status == 200
    # Django 5.2: its adapter into the chain, the chain's one return to its async core, the view,
    # and the request_finished signal. With Django's middleware left async it was 8 and 1.
    assert crossings["to thread"] <= 4
    assert crossings["to event loop"] <= 1


def test_the_sync_chain_is_last_and_djangos_middleware_keep_their_paths() -> None:
    assert settings.MIDDLEWARE[-1] == "socialapp.middleware.SyncMiddlewareChain"
    # `check --deploy` finds the security middleware by its dotted path.
    assert "django.middleware.security.SecurityMiddleware" in settings.MIDDLEWARE
