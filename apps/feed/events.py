"""Event handlers the feed service registers (its published event types live in contracts.py).

- `user-events` keep the feed's projections: authors (names, avatars) and the follow graph,
  which also backfills (follow) or purges (unfollow) the follower's home timeline.
- The feed consumes its own `post.created` to fan the post out, so creating a post stays one
  quick transaction and the fan-out runs in the consumer (seed, "Create Post"), and its own
  `post.deleted` to take the post out of the timelines it reached.

Each handler runs once per event (the inbox) and is idempotent besides.
"""

from __future__ import annotations

from apps.feed import services
from apps.feed.contracts import PostCreated, PostDeleted
from apps.users.contracts import ProfileCreated, ProfileUpdated, UserFollowed, UserUnfollowed
from socialapp.eventing import Envelope, event_handler


def _keep_author(event: ProfileCreated | ProfileUpdated) -> None:
    """Both carry the profile's public fields after the change: the projection upserts them."""
    services.author_upsert(
        user_id=event.user_id,
        username=event.username,
        display_name=event.display_name,
        avatar_media_id=event.avatar_media_id,
    )


@event_handler(ProfileCreated)
def keep_new_author(event: ProfileCreated, envelope: Envelope) -> None:
    _keep_author(event)


@event_handler(ProfileUpdated)
def keep_updated_author(event: ProfileUpdated, envelope: Envelope) -> None:
    _keep_author(event)


@event_handler(UserFollowed)
def keep_follow(event: UserFollowed, envelope: Envelope) -> None:
    services.follow_edge_create(follower_id=event.follower_id, followee_id=event.followee_id)


@event_handler(UserUnfollowed)
def keep_unfollow(event: UserUnfollowed, envelope: Envelope) -> None:
    services.follow_edge_delete(follower_id=event.follower_id, followee_id=event.followee_id)


@event_handler(PostCreated)
def fan_out_new_post(event: PostCreated, envelope: Envelope) -> None:
    services.post_publish(post_id=event.post_id)


@event_handler(PostDeleted)
def remove_deleted_post(event: PostDeleted, envelope: Envelope) -> None:
    services.post_unpublish(post_id=event.post_id, author_id=event.author_id)
