"""GraphQL schema of the notifications service, served at /graphql/notifications/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from apps.notifications.graphql.mutations.mark_all_read import MarkAllRead
from apps.notifications.graphql.mutations.mark_read import MarkRead
from apps.notifications.graphql.mutations.mute_notifications import MuteNotifications
from apps.notifications.graphql.mutations.set_post_notifications import SetPostNotifications
from apps.notifications.graphql.mutations.update_notification_preferences import UpdateNotificationPreferences
from apps.notifications.graphql.queries import (
    resolve_notification_preferences,
    resolve_notifications,
    resolve_notifications_muted,
    resolve_post_notifications_enabled,
    resolve_unread_count,
)
from apps.notifications.graphql.types import NotificationConnection, NotificationKind, NotificationPreferencesType
from apps.notifications.selectors import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    notifications_service = service_info_field("notifications")
    notifications = graphene.Field(
        NotificationConnection,
        first=graphene.Int(default_value=PAGE_SIZE_DEFAULT, description=f"1 to {PAGE_SIZE_MAX}."),
        after=graphene.String(description="The `endCursor` of the previous page."),
        unread_only=graphene.Boolean(default_value=False),
        kinds=graphene.List(graphene.NonNull(NotificationKind), description="Only these kinds (all if absent)."),
        resolver=resolve_notifications,
        description="The viewer's notifications, grouped, latest activity first.",
    )
    unread_count = graphene.Int(
        required=True, resolver=resolve_unread_count, description="The viewer's unread notifications (groups)."
    )
    notification_preferences = graphene.Field(
        NotificationPreferencesType, required=True, resolver=resolve_notification_preferences
    )
    post_notifications_enabled = graphene.Boolean(
        required=True,
        user_id=graphene.ID(required=True),
        resolver=resolve_post_notifications_enabled,
        description="Whether the viewer rang the bell for this account's posts.",
    )
    notifications_muted = graphene.Boolean(
        required=True,
        user_id=graphene.ID(required=True),
        resolver=resolve_notifications_muted,
        description="Whether the viewer muted this account's notifications.",
    )


class Mutation(graphene.ObjectType):
    mark_read = MarkRead.Field()
    mark_all_read = MarkAllRead.Field()
    update_notification_preferences = UpdateNotificationPreferences.Field()
    set_post_notifications = SetPostNotifications.Field()
    mute_notifications = MuteNotifications.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
