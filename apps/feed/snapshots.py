"""What reads hand out: immutable snapshots of posts and authors, and the post row cache.

A home feed page is a list of post ids (from the timeline store); its posts are hydrated
from the cache (`feed:post:v1:<id>`, Django's default cache: Redis in production) with one
database query for the misses. Every write to a post invalidates its entry (at once and again
after commit); the entry's lifetime (FEED_POST_CACHE_SECONDS) bounds a lost invalidation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

import redis
from django.core.cache import cache
from django.db import router, transaction

from apps.feed import config
from apps.feed.models import Author, Post, PostStatus

logger = logging.getLogger(__name__)

_CACHE_KEY = "feed:post:v1:{}"
# Raised by the Redis cache when Redis is away: reads fall back to the database.
_CACHE_ERRORS = (redis.RedisError, OSError)


@dataclass(frozen=True)
class Mention:
    username: str
    # The mentioned user's id if the feed knew the username when the post was written.
    user_id: uuid.UUID | None


@dataclass(frozen=True)
class PostSnapshot:
    id: int
    author_id: uuid.UUID
    content: str
    media_ids: tuple[uuid.UUID, ...]
    hashtags: tuple[str, ...]
    mentions: tuple[Mention, ...]
    status: str
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    comment_count: int

    @classmethod
    def of(cls, post: Post) -> PostSnapshot:
        return cls(
            id=post.id,
            author_id=post.author_id,
            content=post.content,
            media_ids=tuple(uuid.UUID(str(media_id)) for media_id in post.media_ids),
            hashtags=tuple(post.hashtags),
            mentions=tuple(
                Mention(username=m["username"], user_id=uuid.UUID(m["user_id"]) if m.get("user_id") else None)
                for m in post.mentions
            ),
            status=PostStatus(post.status).value,
            created_at=post.created_at,
            edited_at=post.edited_at,
            like_count=post.like_count,
            comment_count=post.comment_count,
        )


@dataclass(frozen=True)
class AuthorSnapshot:
    user_id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None
    # False: the feed has not heard of this user's profile (yet); the names are placeholders.
    known: bool

    @classmethod
    def of(cls, author: Author) -> AuthorSnapshot:
        return cls.from_row(author.user_id, author.username, author.display_name, author.avatar_media_id)

    @classmethod
    def from_row(
        cls, user_id: uuid.UUID, username: str, display_name: str, avatar_media_id: uuid.UUID | None
    ) -> AuthorSnapshot:
        if not username:
            return cls.placeholder(user_id)
        return cls(
            user_id=user_id,
            username=username,
            display_name=display_name or username,
            avatar_media_id=avatar_media_id,
            known=True,
        )

    @classmethod
    def placeholder(cls, user_id: uuid.UUID) -> AuthorSnapshot:
        """An author whose profile event has not reached the feed (or never will): shown, not hidden.

        `unknown-user` cannot be anyone's username (usernames have no hyphen).
        """
        return cls(
            user_id=user_id, username="unknown-user", display_name="Unknown user", avatar_media_id=None, known=False
        )


def posts_by_ids(post_ids: Iterable[int]) -> dict[int, PostSnapshot]:
    """The posts that exist among `post_ids`: cached ones from the cache, the rest in one query."""
    wanted = list(dict.fromkeys(post_ids))
    if not wanted:
        return {}
    keys = {_CACHE_KEY.format(post_id): post_id for post_id in wanted}
    try:
        cached: dict[str, PostSnapshot] = cache.get_many(list(keys))
    except _CACHE_ERRORS:
        logger.warning("post cache unavailable; reading posts from the database", exc_info=True)
        cached = {}
    found = {keys[key]: snapshot for key, snapshot in cached.items()}
    missing = [post_id for post_id in wanted if post_id not in found]
    if missing:
        loaded = {post.id: PostSnapshot.of(post) for post in Post.objects.filter(id__in=missing)}
        found.update(loaded)
        remember(loaded.values())
    return found


def remember(snapshots: Iterable[PostSnapshot]) -> None:
    entries = {_CACHE_KEY.format(snapshot.id): snapshot for snapshot in snapshots}
    if not entries:
        return
    try:
        cache.set_many(entries, timeout=config.post_cache_seconds())
    except _CACHE_ERRORS:
        logger.warning("post cache unavailable; not caching", exc_info=True)


def forget_posts(post_ids: Iterable[int]) -> None:
    """Drop cached rows of posts being written: now, and again once the write commits (a
    concurrent read may have cached the old row in between)."""
    ids = list(post_ids)
    if not ids:
        return
    uncache(ids)
    transaction.on_commit(partial(uncache, ids), using=router.db_for_write(Post))


def uncache(post_ids: Iterable[int]) -> None:
    """Drop these posts' cached rows (the next read loads them from the database)."""
    keys = [_CACHE_KEY.format(post_id) for post_id in post_ids]
    try:
        cache.delete_many(keys)
    except _CACHE_ERRORS:
        logger.warning("post cache unavailable; an entry lives until it expires", exc_info=True)
