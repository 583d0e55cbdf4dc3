"""muteNotifications: no more notifications caused by an account (this service owns the list)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.notifications.services import mute_set
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.cursors import parse_uuid
from socialapp.graphql.mutations import DomainMutation


class MuteNotifications(DomainMutation):
    """Mute (true) or unmute (false) an account's likes, comments, mentions, follows and posts
    for the viewer's notifications. Notifications already there stay."""

    class Arguments:
        user_id = graphene.ID(required=True)
        muted = graphene.Boolean(required=True)

    muted = graphene.Boolean()

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> MuteNotifications:
        viewer = require_viewer(info.context)
        muted_user_id = parse_uuid(arguments["user_id"], field="userId")
        mute_set(user_id=viewer.user_id, muted_user_id=muted_user_id, muted=arguments["muted"])
        return cls(muted=arguments["muted"])
