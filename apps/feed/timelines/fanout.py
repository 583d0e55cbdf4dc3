"""Writing home timelines: fan-out on write, with a pull path for authors too big to push.

- A new post goes into its author's timeline and into the timeline of every active follower
  (read within FEED_INACTIVE_DAYS), in batches of FEED_FANOUT_BATCH_SIZE. Authors with more
  than FEED_FANOUT_MAX_FOLLOWERS followers are not fanned out: `reading` merges their recent
  posts into their followers' pages instead (hybrid push/pull).
- Following someone backfills their recent posts; unfollowing takes them out again.
- A deleted post leaves the timelines it reached (its author's and its active followers'; an
  entry anywhere else is dropped when a read finds its post gone).

Everything here only touches timelines that exist (see `store`), so it is idempotent and safe
to run again when an event is redelivered.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from django.db.models import Exists, OuterRef
from django.utils import timezone

from apps.feed import config
from apps.feed.models import Author, FollowEdge, Post, PostStatus, TimelineReader
from apps.feed.timelines.store import TimelineStore, timeline_store


def is_pulled(author_id: uuid.UUID) -> bool:
    """Whether the author has too many followers to fan out (their posts are merged at read time)."""
    followers = Author.objects.filter(pk=author_id).values_list("followers_count", flat=True).first()
    return (followers or 0) > config.fanout_max_followers()


def active_follower_batches(author_id: uuid.UUID) -> Iterator[list[uuid.UUID]]:
    """The author's followers who read recently, in batches, by keyset on the follower id."""
    cutoff = timezone.now() - config.inactive_after()
    recent = TimelineReader.objects.filter(user_id=OuterRef("follower_id"), last_read_at__gte=cutoff)
    rows = FollowEdge.objects.filter(followee_id=author_id).filter(Exists(recent)).order_by("follower_id")
    size = config.fanout_batch_size()
    after: uuid.UUID | None = None
    while True:
        page = rows if after is None else rows.filter(follower_id__gt=after)
        batch = list(page.values_list("follower_id", flat=True)[:size])
        if batch:
            yield batch
        if len(batch) < size:
            return
        after = batch[-1]


def fan_out_post(*, post_id: int, author_id: uuid.UUID, store: TimelineStore | None = None) -> None:
    store = store or timeline_store()
    store.add_post_to_timelines(post_id, [author_id])
    if is_pulled(author_id):
        return
    for batch in active_follower_batches(author_id):
        store.add_post_to_timelines(post_id, batch)


def remove_post_everywhere(*, post_id: int, author_id: uuid.UUID, store: TimelineStore | None = None) -> None:
    store = store or timeline_store()
    store.remove_post_from_timelines(post_id, [author_id])
    if is_pulled(author_id):
        return  # not fanned out; a stray entry (pushed before the author grew) is dropped on read
    for batch in active_follower_batches(author_id):
        store.remove_post_from_timelines(post_id, batch)


def backfill_followee(*, follower_id: uuid.UUID, followee_id: uuid.UUID, store: TimelineStore | None = None) -> None:
    """Put the followee's recent posts into the follower's timeline (if it is built)."""
    store = store or timeline_store()
    if not store.exists(follower_id):
        return  # built from the database, followee included, when next read
    recent = list(
        Post.objects.filter(author_id=followee_id, status=PostStatus.PUBLISHED)
        .order_by("-id")
        .values_list("id", flat=True)[: config.timeline_max()]
    )
    store.add_posts_to_timeline(follower_id, recent)


def purge_followee(*, follower_id: uuid.UUID, followee_id: uuid.UUID, store: TimelineStore | None = None) -> None:
    """Take the followee's posts out of the follower's timeline: those since its oldest entry."""
    store = store or timeline_store()
    oldest = store.oldest(follower_id)
    if oldest is None:
        return
    posts = list(Post.objects.filter(author_id=followee_id, id__gte=oldest).values_list("id", flat=True))
    store.remove_posts_from_timeline(follower_id, posts)
