"""GraphQL types of the users service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import graphene
from graphene import relay

from apps.media.contracts import MediaAttachmentType, MediaView
from apps.users.graphql.dataloaders import AvatarLoader, ViewerFollowsLoader, ViewerPostNotificationsLoader
from apps.users.models import Profile


class ProfileType(graphene.ObjectType):
    """A user's public profile."""

    class Meta:
        name = "Profile"

    id = graphene.ID(required=True, description="The user's id: the same UUID in every service.")
    username = graphene.String(required=True)
    display_name = graphene.String(required=True)
    bio = graphene.String(required=True)
    avatar_media_id = graphene.ID(description="The avatar's media id, or null.")
    avatar = graphene.Field(
        MediaAttachmentType, description="The avatar's renditions; null without one (or while it is not READY)."
    )
    followers_count = graphene.Int(required=True)
    following_count = graphene.Int(required=True)
    viewer_follows = graphene.Boolean(
        description="Whether the viewer follows this profile; null for an anonymous request."
    )
    viewer_post_notifications = graphene.Boolean(
        description="Whether the viewer rang this profile's bell (told of each new post: "
        "`setPostNotifications`); null for an anonymous request."
    )

    @staticmethod
    def resolve_id(root: Profile, info: graphene.ResolveInfo) -> str:
        return str(root.user_id)

    @staticmethod
    def resolve_avatar_media_id(root: Profile, info: graphene.ResolveInfo) -> str | None:
        return None if root.avatar_media_id is None else str(root.avatar_media_id)

    @staticmethod
    def resolve_avatar(root: Profile, info: graphene.ResolveInfo) -> MediaView | None:
        if root.avatar_media_id is None:
            return None
        return AvatarLoader.for_request(info.context).load(root.avatar_media_id)

    @staticmethod
    def resolve_viewer_follows(root: Profile, info: graphene.ResolveInfo) -> bool | None:
        return ViewerFollowsLoader.for_request(info.context).load(root.user_id)

    @staticmethod
    def resolve_viewer_post_notifications(root: Profile, info: graphene.ResolveInfo) -> bool | None:
        return ViewerPostNotificationsLoader.for_request(info.context).load(root.user_id)


class FollowConnection(relay.Connection):
    """Profiles at the other end of follow edges, newest edge first."""

    class Meta:
        node = ProfileType
        strict_types = True

    class Edge:
        followed_at = graphene.DateTime(required=True, description="When this follow began.")


def follow_edge(profile: Profile, *, cursor: str, followed_at: datetime) -> Any:
    """An edge of `FollowConnection` (graphene builds the Edge class, so it is untyped)."""
    edge_class: Any = FollowConnection.Edge
    return edge_class(node=profile, cursor=cursor, followed_at=followed_at)
