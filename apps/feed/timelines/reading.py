"""Reading a home timeline: post ids for one page, whatever state the timeline is in.

Opening a reader's timeline costs one query (their last read time; none when this process saw
them read within FEED_ACTIVITY_WRITE_SECONDS, see `RecentReads`) and, when the timeline
is missing (new reader, expired, evicted, Redis flushed) or stale (the reader was inactive
longer than FEED_INACTIVE_DAYS, so fan-outs skipped them), one more to rebuild it from the
posts of the reader and everyone they follow; the first page then comes from the rebuilt
list, never empty while rebuilding. A page is then one store read plus one statement for
the newest posts of the followed authors too big to fan out, merged in by id (two queries
off PostgreSQL), so its cost depends on the page size, not on how many people the reader
follows.
"""

from __future__ import annotations

import itertools
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.db import connections, router, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from apps.feed import config
from apps.feed.hot_reads import fetch_on_postgres
from apps.feed.models import Author, FollowEdge, Post, PostStatus, TimelineReader
from apps.feed.timelines.store import TimelineStore, timeline_store


@dataclass
class HomeTimeline:
    user_id: uuid.UUID
    store: TimelineStore
    # Set when this read rebuilt the timeline: pages come from this list (no store round trip).
    rebuilt: list[int] | None = None

    def ids(self, *, before: int | None, limit: int) -> list[int]:
        """Up to `limit` post ids below `before`, newest first: the timeline merged with pulled authors."""
        pushed = None if self.rebuilt is not None else self.store.page(self.user_id, before=before, limit=limit)
        if pushed is None:
            if self.rebuilt is None:  # gone since the last read (evicted, expired, flushed)
                self.rebuilt = rebuild(self.user_id, store=self.store)
                self.store.keep(self.user_id, _keep_seconds())
            pushed = [post_id for post_id in self.rebuilt if before is None or post_id < before][:limit]
        pulled = _pulled_post_ids(self.user_id, before=before, limit=limit)
        if not pulled:
            return pushed
        return sorted(set(pushed) | set(pulled), reverse=True)[:limit]

    def forget(self, post_ids: list[int]) -> None:
        """Posts found gone (deleted) leave the timeline."""
        self.store.remove_posts_from_timeline(self.user_id, post_ids)
        if self.rebuilt is not None:
            gone = set(post_ids)
            self.rebuilt = [post_id for post_id in self.rebuilt if post_id not in gone]


class RecentReads:
    """The last read time of readers this process served lately, as the database holds it.

    Checking it is a PostgreSQL round trip on every page, one of the four a page costs. Yet
    for a reader whose recorded time is within the activity write interval the answer is
    known: the time only moves forward, so they are neither stale (the interval is far shorter
    than the inactivity window) nor due a write. A reader is remembered for that long, in
    this process only (other processes check once for themselves). At most `capacity` readers;
    past it the longest remembered go first.
    """

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._last_read: dict[uuid.UUID, datetime] = {}
        self._lock = threading.Lock()

    def get(self, user_id: uuid.UUID, *, not_before: datetime) -> datetime | None:
        """The remembered time if it is `not_before` or later; None to ask the database."""
        last_read = self._last_read.get(user_id)
        return last_read if last_read is not None and last_read >= not_before else None

    def remember(self, user_id: uuid.UUID, last_read: datetime) -> None:
        with self._lock:
            self._last_read.pop(user_id, None)  # re-inserted last: dicts keep insertion order
            self._last_read[user_id] = last_read
            if len(self._last_read) > self.capacity:
                for oldest in list(itertools.islice(self._last_read, len(self._last_read) - self.capacity)):
                    del self._last_read[oldest]

    def clear(self) -> None:
        with self._lock:
            self._last_read.clear()


recent_reads = RecentReads()


def open_home_timeline(user_id: uuid.UUID, *, store: TimelineStore | None = None) -> HomeTimeline:
    """The reader's timeline, rebuilt first if missing or stale; records that they read."""
    store = store or timeline_store()
    now = timezone.now()
    # Remembered only while it needs neither a rebuild nor a write, whatever the settings.
    fresh_after = now - min(config.activity_write_interval(), config.inactive_after())
    last_read = recent_reads.get(user_id, not_before=fresh_after)
    if last_read is None:
        last_read = _last_read_at(user_id)
    timeline = HomeTimeline(user_id=user_id, store=store)
    if last_read is None or last_read < now - config.inactive_after():
        # New, or back after fan-outs skipped them: whatever the store holds is not current.
        timeline.rebuilt = rebuild(user_id, store=store)
    if last_read is None or last_read < now - config.activity_write_interval():
        TimelineReader.objects.bulk_create(  # one upsert statement
            [TimelineReader(user_id=user_id, last_read_at=now)],
            update_conflicts=True,
            unique_fields=["user_id"],
            update_fields=["last_read_at"],
        )
        store.keep(user_id, _keep_seconds())
        # Once written for good: a rolled-back write remembered would keep a returning reader
        # out of fan-outs until the memory expires.
        transaction.on_commit(partial(recent_reads.remember, user_id, now), using=router.db_for_write(TimelineReader))
    else:
        recent_reads.remember(user_id, last_read)
    return timeline


def rebuild(user_id: uuid.UUID, *, store: TimelineStore | None = None) -> list[int]:
    """Build the timeline from the published posts of the reader and of everyone they follow
    (a PENDING post joins when its fan-out publishes it, as on the push path); returns its ids."""
    store = store or timeline_store()
    followees = FollowEdge.objects.filter(follower_id=user_id).values("followee_id")
    ids = list(
        Post.objects.filter(Q(author_id=user_id) | Q(author_id__in=followees), status=PostStatus.PUBLISHED)
        .order_by("-id")
        .values_list("id", flat=True)[: config.timeline_max()]
    )
    store.replace(user_id, ids)
    return ids


# Written out for PostgreSQL (apps/feed/hot_reads.py); other databases use the ORM.
_LAST_READ_SQL = "SELECT last_read_at FROM {table} WHERE user_id = %s"
_PULLED_SQL = """
SELECT newest.id FROM {edge} AS edge
JOIN {author} AS author ON author.user_id = edge.followee_id AND author.followers_count > %s
CROSS JOIN LATERAL (
    SELECT post.id FROM {{table}} AS post
    WHERE post.author_id = edge.followee_id AND post.id < %s AND post.status = %s
    ORDER BY post.id DESC LIMIT %s
) AS newest
WHERE edge.follower_id = %s
ORDER BY newest.id DESC LIMIT %s
"""
_NO_UPPER_BOUND = 2**63 - 1  # post ids are positive bigints


def _last_read_at(user_id: uuid.UUID) -> datetime | None:
    rows = fetch_on_postgres(TimelineReader, _LAST_READ_SQL, [user_id])
    if rows is None:
        return TimelineReader.objects.filter(pk=user_id).values_list("last_read_at", flat=True).first()
    return rows[0][0] if rows else None


def _pulled_post_ids(user_id: uuid.UUID, *, before: int | None, limit: int) -> list[int]:
    """The newest posts below `before` of the followed authors too big to fan out.

    The few authors above the threshold (by index) that the reader follows, each one's newest
    `limit` posts (by index), merged: O(pulled authors x page size), whatever the reader
    follows or they posted. One statement on PostgreSQL; two queries elsewhere.
    """
    sql = _PULLED_SQL.format(edge=FollowEdge._meta.db_table, author=Author._meta.db_table)
    # Published posts only: a PENDING post joins when its fan-out publishes it, as on the push path.
    published = PostStatus.PUBLISHED.value
    params = [config.fanout_max_followers(), before or _NO_UPPER_BOUND, published, limit, user_id, limit]
    rows = fetch_on_postgres(Post, sql, params)
    if rows is not None:
        return [post_id for (post_id,) in rows]
    big = Author.objects.filter(followers_count__gt=config.fanout_max_followers()).values("user_id")
    pulled = list(
        FollowEdge.objects.filter(follower_id=user_id, followee_id__in=big).values_list("followee_id", flat=True)
    )
    if not pulled:
        return []
    newest = [_newest_posts(author_id, before=before, limit=limit) for author_id in pulled]
    if len(newest) == 1:
        return list(newest[0])
    if connections[router.db_for_read(Post)].features.supports_slicing_ordering_in_compound:
        merged: list[int] = list(newest[0].union(*newest[1:], all=True))
    else:  # SQLite (the embedded default) refuses LIMIT inside UNION: one query per author
        merged = [post_id for posts in newest for post_id in posts]
    return sorted(merged, reverse=True)[:limit]


def _newest_posts(author_id: uuid.UUID, *, before: int | None, limit: int) -> QuerySet[Post, int]:
    posts = Post.objects.filter(author_id=author_id, status=PostStatus.PUBLISHED)
    if before is not None:
        posts = posts.filter(id__lt=before)
    return posts.order_by("-id").values_list("id", flat=True)[:limit]


def _keep_seconds() -> int:
    # Idle timelines outlive the inactivity window by a day: a reader coming back within the
    # window still finds theirs (fan-outs kept it current until then).
    return int(config.inactive_after().total_seconds()) + 86_400
