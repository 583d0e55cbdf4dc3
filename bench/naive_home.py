"""The home feed served fan-out-on-read: the feed benchmark's like-for-like baseline.

The same application, GraphQL schema, authentication and page hydration as the feed service,
with one change: a page's post ids come from a query over the posts of everyone the reader
follows (`NAIVE_IDS`) instead of the reader's fan-out timeline. Serving both through the same
HTTP stack compares the two read strategies, not GraphQL over HTTP with a bare SQL query.
Bench only, served as the feed Deployment serves (ADR 0011):

    SOCIALAPP_SERVICES=feed gunicorn bench.naive_home:wsgi_application -k gthread --threads 4
    uvicorn bench.naive_home:asgi_application     # the ASGI stack, for comparison
"""

from __future__ import annotations

import uuid
from typing import Any


class FanOutOnReadTimeline:
    """What `open_home_timeline` returns, computed from the follow graph on every read."""

    NAIVE_IDS = (
        "SELECT id FROM feed_post WHERE author_id IN (SELECT followee_id FROM feed_followedge WHERE follower_id = %s)"
        " AND id < %s ORDER BY id DESC LIMIT %s"
    )

    def __init__(self, user_id: uuid.UUID) -> None:
        self.user_id = user_id

    def ids(self, *, before: int | None, limit: int) -> list[int]:
        from django.db import connections, router

        from apps.feed.models import Post

        with connections[router.db_for_read(Post)].cursor() as cursor:
            cursor.execute(self.NAIVE_IDS, [self.user_id, before if before is not None else 2**53, limit])
            return [row[0] for row in cursor.fetchall()]

    def forget(self, post_ids: list[int]) -> None:
        """Nothing to forget: a deleted post is simply not selected."""


def _install_fan_out_on_read() -> None:
    from apps.feed import selectors

    def open_fan_out_on_read(user_id: uuid.UUID) -> FanOutOnReadTimeline:
        return FanOutOnReadTimeline(user_id)

    selectors.open_home_timeline = open_fan_out_on_read  # type: ignore[attr-defined,assignment]


def __getattr__(name: str) -> Any:
    # Each server imports only the application it serves (the WSGI one refuses the services
    # that need ASGI, and each entry module sets Django up itself).
    if name == "wsgi_application":
        from socialapp.wsgi import application as wsgi_application

        _install_fan_out_on_read()
        return wsgi_application
    if name == "asgi_application":
        from socialapp.asgi import application as asgi_application

        _install_fan_out_on_read()
        return asgi_application
    raise AttributeError(name)
