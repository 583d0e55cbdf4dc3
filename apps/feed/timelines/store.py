"""The interface of a home timeline store, and the configured one.

A timeline is a set of post ids ordered by id (ids are time-ordered), capped at
FEED_TIMELINE_MAX entries (the oldest fall off). A timeline either exists (it was built:
possibly empty) or is missing (never built, expired, evicted, flushed): writes that add
posts (fan-out, backfill) only touch existing timelines, so a missing one is never half
built; a reader's missing timeline is rebuilt from the database on read.

Two stores pass the same contract tests (tests/feed/timelines/test_store_contract.py):
Redis (one sorted set per reader, score = post id; production) and the database (the
embedded default, no Redis needed).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Protocol

from apps.feed import config
from apps.feed.timelines.database_store import DatabaseTimelineStore
from apps.feed.timelines.redis_store import RedisTimelineStore


class TimelineStore(Protocol):
    def exists(self, user_id: uuid.UUID) -> bool:
        """Whether the timeline is built (empty counts as built)."""
        ...

    def replace(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        """Build the timeline anew with these posts (capped), replacing what it held."""
        ...

    def add_post_to_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        """Add one post to each of these timelines that exists (the fan-out), keeping the cap."""
        ...

    def add_posts_to_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        """Add posts to one timeline if it exists (a backfill), keeping the cap."""
        ...

    def page(self, user_id: uuid.UUID, *, before: int | None, limit: int) -> list[int] | None:
        """Up to `limit` post ids below `before` (all if None), newest first; None if missing."""
        ...

    def oldest(self, user_id: uuid.UUID) -> int | None:
        """The oldest post id held, or None for an empty or missing timeline."""
        ...

    def remove_posts_from_timeline(self, user_id: uuid.UUID, post_ids: Sequence[int]) -> None:
        """Take these posts out of one timeline (an unfollow, a post found deleted)."""
        ...

    def remove_post_from_timelines(self, post_id: int, user_ids: Sequence[uuid.UUID]) -> None:
        """Take one post out of each of these timelines (a deleted post)."""
        ...

    def keep(self, user_id: uuid.UUID, seconds: int) -> None:
        """The reader is active: keep their timeline at least this long (Redis expires idle ones)."""
        ...

    def drop(self, user_id: uuid.UUID) -> None:
        """Forget the timeline: it is missing until rebuilt."""
        ...


def timeline_store() -> TimelineStore:
    """The store this process is configured for (FEED_TIMELINE_STORE, else Redis when there is a URL)."""
    if config.timeline_store_name() == "redis":
        return RedisTimelineStore.for_url(config.redis_url(), max_entries=config.timeline_max())
    return DatabaseTimelineStore(max_entries=config.timeline_max())
