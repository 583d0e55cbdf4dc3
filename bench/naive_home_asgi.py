"""The home feed served fan-out-on-read: the feed benchmark's like-for-like baseline.

The same ASGI application, GraphQL schema, authentication and page hydration as
`socialapp.asgi`, with one change: a page's post ids come from a query over the posts of
everyone the reader follows (`NAIVE_IDS`) instead of the reader's fan-out timeline. Serving
both through the same HTTP stack compares the two read strategies, not GraphQL over HTTP with
a bare SQL query. Bench only: `uvicorn bench.naive_home_asgi:application`.
"""

# ruff: noqa: I001  (socialapp.asgi sets Django up, so it must come before the models)
from __future__ import annotations

import uuid

from socialapp.asgi import application
from django.db import connections, router
from apps.feed import selectors
from apps.feed.models import Post

NAIVE_IDS = (
    "SELECT id FROM feed_post WHERE author_id IN (SELECT followee_id FROM feed_followedge WHERE follower_id = %s) "
    "AND id < %s ORDER BY id DESC LIMIT %s"
)


class FanOutOnReadTimeline:
    """What `open_home_timeline` returns, computed from the follow graph on every read."""

    def __init__(self, user_id: uuid.UUID) -> None:
        self.user_id = user_id

    def ids(self, *, before: int | None, limit: int) -> list[int]:
        with connections[router.db_for_read(Post)].cursor() as cursor:
            cursor.execute(NAIVE_IDS, [self.user_id, before if before is not None else 2**53, limit])
            return [row[0] for row in cursor.fetchall()]

    def forget(self, post_ids: list[int]) -> None:
        """Nothing to forget: a deleted post is simply not selected."""


def _open_fan_out_on_read(user_id: uuid.UUID) -> FanOutOnReadTimeline:
    return FanOutOnReadTimeline(user_id)


selectors.open_home_timeline = _open_fan_out_on_read  # type: ignore[attr-defined,assignment]

__all__ = ["application"]
