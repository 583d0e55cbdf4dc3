"""setPostNotifications: the bell, per followed account."""

from __future__ import annotations

from typing import Any

import graphene

from apps.notifications.services import post_notifications_set
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.cursors import parse_uuid
from socialapp.graphql.mutations import DomainMutation


class SetPostNotifications(DomainMutation):
    """Be told (or stop being told) of every new post of an account the viewer follows
    (`not_following` otherwise). Unfollowing turns it off."""

    class Arguments:
        user_id = graphene.ID(required=True)
        enabled = graphene.Boolean(required=True)

    enabled = graphene.Boolean()

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> SetPostNotifications:
        viewer = require_viewer(info.context)
        user_id = parse_uuid(arguments["user_id"], field="userId")
        post_notifications_set(subscriber_id=viewer.user_id, user_id=user_id, enabled=arguments["enabled"])
        return cls(enabled=arguments["enabled"])
