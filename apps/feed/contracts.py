"""The feed service's one door: the events it publishes.

`post-events` (keyed by post id, so one post's history stays in order):
- `post.created`: a post was saved (status PENDING). Carries the text, hashtags and media
  for the search indexer, and the mentioned users' ids for notifications: mentions travel
  as a list on the post events rather than as separate `user.mentioned` events, so one post
  is one event and a consumer decides how to notify (one notification per mentioned user).
- `post.edited`: new text; `added_mentioned_user_ids` names only the users the edit newly
  mentions (notify those, not everyone again); `media_ids`, the post's images after the edit
  (null in events written before edits could change them).
- `post.deleted`: gone, with its likes and comments (no per-reaction events for those).

`reaction-events` (keyed by post id too): `post.liked`, `post.unliked`, `comment.created`,
`comment.deleted`. Each carries `post_author_id`, so notifications can tell the post's
owner without asking the feed.

Post ids are integers below 2**53 (exact in JSON and JavaScript); user ids are UUIDs.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import ClassVar

from socialapp.eventing import Event


class _FeedEvent(Event):
    source_app: ClassVar[str] = "feed"
    subject_field: ClassVar[str] = "post_id"

    post_id: int


class _PostEvent(_FeedEvent):
    topic: ClassVar[str] = "post-events"

    author_id: uuid.UUID


class PostCreated(_PostEvent):
    """A post was saved as PENDING; the feed's own fan-out consumer publishes it to timelines."""

    event_type: ClassVar[str] = "post.created"

    text: str
    media_ids: list[uuid.UUID]
    hashtags: list[str]
    mentioned_user_ids: list[uuid.UUID]
    created_at: datetime


class PostEdited(_PostEvent):
    """The author changed the text (hashtags and mentions re-parsed)."""

    event_type: ClassVar[str] = "post.edited"

    text: str
    hashtags: list[str]
    mentioned_user_ids: list[uuid.UUID]
    added_mentioned_user_ids: list[uuid.UUID]
    edited_at: datetime
    media_ids: list[uuid.UUID] | None = None


class PostDeleted(_PostEvent):
    """The author deleted the post (its likes and comments went with it)."""

    event_type: ClassVar[str] = "post.deleted"


class _ReactionEvent(_FeedEvent):
    topic: ClassVar[str] = "reaction-events"

    # Whose post it is: the owner a notification goes to.
    post_author_id: uuid.UUID


class PostLiked(_ReactionEvent):
    """`user_id` liked the post (not published when they already did)."""

    event_type: ClassVar[str] = "post.liked"

    user_id: uuid.UUID
    like_count: int


class PostUnliked(_ReactionEvent):
    """`user_id` took their like back (not published when there was none)."""

    event_type: ClassVar[str] = "post.unliked"

    user_id: uuid.UUID
    like_count: int


class CommentCreated(_ReactionEvent):
    event_type: ClassVar[str] = "comment.created"

    comment_id: int
    author_id: uuid.UUID
    text: str
    comment_count: int


class CommentDeleted(_ReactionEvent):
    """Deleted by its author or by the post's author (`deleted_by`)."""

    event_type: ClassVar[str] = "comment.deleted"

    comment_id: int
    author_id: uuid.UUID
    deleted_by: uuid.UUID
    comment_count: int
