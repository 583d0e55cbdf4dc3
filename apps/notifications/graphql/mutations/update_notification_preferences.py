"""updateNotificationPreferences: turn kinds of notification on or off."""

from __future__ import annotations

from typing import Any

import graphene

from apps.notifications.graphql.types import NotificationPreferencesType
from apps.notifications.models import Kind
from apps.notifications.services import preferences_update
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class UpdateNotificationPreferences(DomainMutation):
    """Each kind given is turned on (true) or off (false); the others stay as they were."""

    class Arguments:
        follow = graphene.Boolean()
        mention = graphene.Boolean()
        like = graphene.Boolean()
        comment = graphene.Boolean()
        post = graphene.Boolean()

    preferences = graphene.Field(NotificationPreferencesType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> UpdateNotificationPreferences:
        viewer = require_viewer(info.context)
        changes = {kind: bool(arguments[kind]) for kind in Kind.values if arguments.get(kind) is not None}
        preference = preferences_update(user_id=viewer.user_id, changes=changes)
        return cls(preferences=NotificationPreferencesType.of(preference))
