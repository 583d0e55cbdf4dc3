"""GraphQL types of the notifications service."""

from __future__ import annotations

import uuid
from typing import Any

import graphene
from graphene import relay

from apps.notifications.graphql.dataloaders import ActorLoader, PostExcerptLoader
from apps.notifications.models import Kind, NotificationGroup, Preference

NotificationKind = graphene.Enum.from_enum(Kind, name="NotificationKind", description="What a notification is about.")


class NotificationActorType(graphene.ObjectType):
    """Someone whose action is in a notification (names from this service's projection)."""

    class Meta:
        name = "NotificationActor"

    id = graphene.ID(required=True)
    username = graphene.String(required=True, description="Empty until the profile reaches this service.")
    display_name = graphene.String(required=True)
    avatar_media_id = graphene.ID()

    @staticmethod
    def resolve_id(root: uuid.UUID, info: graphene.ResolveInfo) -> str:
        return str(root)

    @staticmethod
    def resolve_username(root: uuid.UUID, info: graphene.ResolveInfo) -> str:
        actor = ActorLoader.for_request(info.context).load(root)
        return actor.username if actor else ""

    @staticmethod
    def resolve_display_name(root: uuid.UUID, info: graphene.ResolveInfo) -> str:
        actor = ActorLoader.for_request(info.context).load(root)
        return actor.display_name if actor else ""

    @staticmethod
    def resolve_avatar_media_id(root: uuid.UUID, info: graphene.ResolveInfo) -> str | None:
        actor = ActorLoader.for_request(info.context).load(root)
        return str(actor.avatar_media_id) if actor and actor.avatar_media_id else None


class NotificationPostType(graphene.ObjectType):
    """The post a notification is about, as far as this service knows it."""

    class Meta:
        name = "NotificationPost"

    id = graphene.ID(required=True)
    excerpt = graphene.String(required=True, description="Its first 140 characters.")


class NotificationType(graphene.ObjectType):
    """A group: "Ana and 12 others liked your post" is one notification."""

    class Meta:
        name = "Notification"

    id = graphene.ID(required=True)
    kind = graphene.Field(NotificationKind, required=True)
    post = graphene.Field(NotificationPostType, description="The post it is about (null for follows).")
    actor_count = graphene.Int(required=True, description="How many accounts are in the group.")
    actors = graphene.List(
        graphene.NonNull(NotificationActorType), required=True, description="The latest few, newest first."
    )
    latest_at = graphene.DateTime(required=True)
    read = graphene.Boolean(required=True)
    position = graphene.Int(
        required=True, description="Stream position of its latest change (`markAllRead(upTo:)`, the socket's)."
    )

    @staticmethod
    def resolve_id(root: NotificationGroup, info: graphene.ResolveInfo) -> str:
        return str(root.id)

    @staticmethod
    def resolve_kind(root: NotificationGroup, info: graphene.ResolveInfo) -> str:
        return root.kind

    @staticmethod
    def resolve_post(root: NotificationGroup, info: graphene.ResolveInfo) -> NotificationPostType | None:
        if root.post_id is None:
            return None
        excerpt = PostExcerptLoader.for_request(info.context).load(root.post_id)
        if excerpt is None:  # the post's events have not arrived yet
            return NotificationPostType(id=str(root.post_id), excerpt="")
        if excerpt.deleted:
            return None
        return NotificationPostType(id=str(excerpt.post_id), excerpt=excerpt.excerpt)

    @staticmethod
    def resolve_actors(root: NotificationGroup, info: graphene.ResolveInfo) -> list[uuid.UUID]:
        return [uuid.UUID(value) for value in root.latest_actor_ids]

    @staticmethod
    def resolve_read(root: NotificationGroup, info: graphene.ResolveInfo) -> bool:
        return root.read_at is not None


class NotificationConnection(relay.Connection):
    """The viewer's notifications, latest activity first."""

    class Meta:
        node = NotificationType
        strict_types = True

    stream_position = graphene.Int(
        required=True, description="The viewer's stream position now: connect the socket with `since` set to it."
    )
    unread_count = graphene.Int(required=True)


def notification_edge(group: NotificationGroup, *, cursor: str) -> Any:
    """An edge of `NotificationConnection` (graphene builds the Edge class, so it is untyped)."""
    edge_class: Any = NotificationConnection.Edge
    return edge_class(node=group, cursor=cursor)


class NotificationPreferencesType(graphene.ObjectType):
    """Which kinds the viewer is notified of (all, until they turn some off)."""

    class Meta:
        name = "NotificationPreferences"

    follow = graphene.Boolean(required=True)
    mention = graphene.Boolean(required=True)
    like = graphene.Boolean(required=True)
    comment = graphene.Boolean(required=True)
    post = graphene.Boolean(required=True, description="New posts of accounts whose bell the viewer rang.")

    @staticmethod
    def of(preference: Preference) -> NotificationPreferencesType:
        return NotificationPreferencesType(**{kind: preference.wants(kind) for kind in Kind.values})
