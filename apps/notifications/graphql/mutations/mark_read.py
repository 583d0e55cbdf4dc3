"""markRead: the viewer marks some of their notifications read."""

from __future__ import annotations

from typing import Any

import graphene

from apps.notifications import selectors
from apps.notifications.graphql.arguments import group_ids
from apps.notifications.services import notifications_mark_read
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class MarkRead(DomainMutation):
    """Mark these notifications read. Ids that are not the viewer's notifications (unknown or
    someone else's: the error does not say which) refuse the whole call, and nothing is written."""

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True, description="At most 100.")

    marked = graphene.Int(description="How many were unread before.")
    unread_count = graphene.Int()

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> MarkRead:
        viewer = require_viewer(info.context)
        marked = notifications_mark_read(user_id=viewer.user_id, group_ids=group_ids(arguments["ids"]))
        return cls(marked=marked, unread_count=selectors.unread_count(user_id=viewer.user_id))
