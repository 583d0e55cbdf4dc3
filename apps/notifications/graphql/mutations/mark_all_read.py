"""markAllRead: the viewer marks every notification read, up to a stream position."""

from __future__ import annotations

from typing import Any

import graphene

from apps.notifications import selectors
from apps.notifications.services import notifications_mark_all_read
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class MarkAllRead(DomainMutation):
    """Mark read every notification whose latest change is at or before `upTo` (a `position`, as
    the list and the socket give it): what arrived after the viewer looked stays unread. No
    `upTo`: everything."""

    class Arguments:
        up_to = graphene.Int()

    marked = graphene.Int()
    unread_count = graphene.Int()

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> MarkAllRead:
        viewer = require_viewer(info.context)
        marked = notifications_mark_all_read(user_id=viewer.user_id, up_to=arguments.get("up_to"))
        return cls(marked=marked, unread_count=selectors.unread_count(user_id=viewer.user_id))
