"""The users service's one door: the events it publishes on `user-events`.

Consumers (the feed's author and follow-graph projections, notifications) keep their own
copies from these. Payloads carry ids and the few fields those projections need.

Ordering: a profile's events are keyed by its user id; follow events by the follower's id
(see `UserFollowed`). Events of different keys are not ordered with each other, so a
consumer may see `user.followed` before the followee's `user.profile_created`: projections
must accept references to users they have not heard of yet.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from socialapp.eventing import Event


class _UserEvent(Event):
    topic: ClassVar[str] = "user-events"
    source_app: ClassVar[str] = "users"


class _ProfileSnapshot(_UserEvent):
    """The public fields of a profile after the change: consumers upsert, never patch."""

    subject_field: ClassVar[str] = "user_id"

    user_id: uuid.UUID
    username: str
    display_name: str
    avatar_media_id: uuid.UUID | None


class ProfileCreated(_ProfileSnapshot):
    """A profile exists (made from the auth service's `user.registered`)."""

    event_type: ClassVar[str] = "user.profile_created"


class ProfileUpdated(_ProfileSnapshot):
    """The owner changed their profile (published only when something changed)."""

    event_type: ClassVar[str] = "user.profile_updated"


class _FollowEdgeEvent(_UserEvent):
    # Keyed by the follower: the edge's follow/unfollow history stays in order (both share the
    # key), and so does everything that changes one user's home timeline, which the feed builds
    # per follower (backfill on follow, purge on unfollow) on one partition.
    subject_field: ClassVar[str] = "follower_id"

    follower_id: uuid.UUID
    followee_id: uuid.UUID


class UserFollowed(_FollowEdgeEvent):
    """`follower_id` started following `followee_id` (not published when it already did)."""

    event_type: ClassVar[str] = "user.followed"


class UserUnfollowed(_FollowEdgeEvent):
    """`follower_id` stopped following `followee_id` (not published when it did not follow)."""

    event_type: ClassVar[str] = "user.unfollowed"
