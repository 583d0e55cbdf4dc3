"""Event handlers the notifications service registers (it publishes no events of its own).

- `user-events` keep the projections: actors (names, avatars) and the follow graph (with the
  bell); a new follow notifies the followee.
- `post-events` keep post excerpts and notify mentioned users and followers with the bell on;
  a deleted post takes its notifications away.
- `reaction-events` notify the post's author (`post_author_id`) of likes and comments.

Each handler runs once per event (the inbox) and is idempotent besides.
"""

from __future__ import annotations

from apps.feed.contracts import (
    CommentCreated,
    CommentDeleted,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostLiked,
)
from apps.notifications import services
from apps.users.contracts import ProfileCreated, ProfileUpdated, UserFollowed, UserUnfollowed
from socialapp.eventing import Envelope, event_handler


def _keep_actor(event: ProfileCreated | ProfileUpdated) -> None:
    """Both carry the profile's public fields after the change: the projection upserts them."""
    services.actor_upsert(
        user_id=event.user_id,
        username=event.username,
        display_name=event.display_name,
        avatar_media_id=event.avatar_media_id,
    )


@event_handler(ProfileCreated)
def keep_new_actor(event: ProfileCreated, envelope: Envelope) -> None:
    _keep_actor(event)


@event_handler(ProfileUpdated)
def keep_updated_actor(event: ProfileUpdated, envelope: Envelope) -> None:
    _keep_actor(event)


@event_handler(UserFollowed)
def notify_follow(event: UserFollowed, envelope: Envelope) -> None:
    services.follow_create(follower_id=event.follower_id, followee_id=event.followee_id, at=envelope.time)


@event_handler(UserUnfollowed)
def forget_follow(event: UserUnfollowed, envelope: Envelope) -> None:
    services.follow_delete(follower_id=event.follower_id, followee_id=event.followee_id)


@event_handler(PostCreated)
def notify_new_post(event: PostCreated, envelope: Envelope) -> None:
    services.post_created(
        post_id=event.post_id,
        author_id=event.author_id,
        text=event.text,
        mentioned_user_ids=event.mentioned_user_ids,
        at=event.created_at,
    )


@event_handler(PostEdited)
def notify_new_mentions(event: PostEdited, envelope: Envelope) -> None:
    services.post_edited(
        post_id=event.post_id,
        author_id=event.author_id,
        text=event.text,
        added_mentioned_user_ids=event.added_mentioned_user_ids,
        at=event.edited_at,
    )


@event_handler(PostDeleted)
def remove_post_notifications(event: PostDeleted, envelope: Envelope) -> None:
    services.post_deleted(post_id=event.post_id, author_id=event.author_id)


@event_handler(PostLiked)
def notify_like(event: PostLiked, envelope: Envelope) -> None:
    services.like_added(
        post_id=event.post_id, post_author_id=event.post_author_id, user_id=event.user_id, at=envelope.time
    )


@event_handler(CommentCreated)
def notify_comment(event: CommentCreated, envelope: Envelope) -> None:
    services.comment_added(
        post_id=event.post_id,
        post_author_id=event.post_author_id,
        comment_id=event.comment_id,
        author_id=event.author_id,
        at=envelope.time,
    )


@event_handler(CommentDeleted)
def remove_comment_notification(event: CommentDeleted, envelope: Envelope) -> None:
    services.comment_removed(
        post_id=event.post_id,
        post_author_id=event.post_author_id,
        comment_id=event.comment_id,
        author_id=event.author_id,
    )
