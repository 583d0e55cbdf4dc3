"""Resolvers of the notifications service's root queries: authenticate, parse, call one selector."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import graphene
from graphene import relay

from apps.notifications import selectors
from apps.notifications.graphql.arguments import decode_cursor, encode_cursor, kind_values
from apps.notifications.graphql.dataloaders import ActorLoader, PostExcerptLoader
from apps.notifications.graphql.types import NotificationConnection, NotificationPreferencesType, notification_edge
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.cursors import parse_uuid


def resolve_notifications(
    root: Any,
    info: graphene.ResolveInfo,
    *,
    first: int | None = None,
    after: str | None = None,
    unread_only: bool = False,
    kinds: Iterable[Any] | None = None,
) -> NotificationConnection:
    viewer = require_viewer(info.context)
    size = selectors.PAGE_SIZE_DEFAULT if first is None else first
    selectors.check_page_size(size)
    after_position = decode_cursor(after)
    page = selectors.notifications_page(
        user_id=viewer.user_id,
        first=size,
        after_position=after_position,
        unread_only=bool(unread_only),
        kinds=kind_values(kinds),
    )
    # The page announces what its nodes will ask for: one query for all actors, one for all posts.
    ActorLoader.for_request(info.context).expect(
        {uuid.UUID(value) for group in page.groups for value in group.latest_actor_ids}
    )
    PostExcerptLoader.for_request(info.context).expect(g.post_id for g in page.groups if g.post_id is not None)
    cursors = [encode_cursor(group.position) for group in page.groups]
    return NotificationConnection(
        edges=[notification_edge(group, cursor=cursor) for group, cursor in zip(page.groups, cursors, strict=True)],
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after_position is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        stream_position=selectors.stream_position(user_id=viewer.user_id),
        unread_count=selectors.unread_count(user_id=viewer.user_id),
    )


def resolve_unread_count(root: Any, info: graphene.ResolveInfo) -> int:
    return selectors.unread_count(user_id=require_viewer(info.context).user_id)


def resolve_notification_preferences(root: Any, info: graphene.ResolveInfo) -> NotificationPreferencesType:
    viewer = require_viewer(info.context)
    return NotificationPreferencesType.of(selectors.preferences_for(user_id=viewer.user_id))


def resolve_post_notifications_enabled(root: Any, info: graphene.ResolveInfo, *, user_id: str) -> bool:
    viewer = require_viewer(info.context)
    return selectors.post_notifications_enabled(
        subscriber_id=viewer.user_id, user_id=parse_uuid(user_id, field="userId")
    )


def resolve_notifications_muted(root: Any, info: graphene.ResolveInfo, *, user_id: str) -> bool:
    viewer = require_viewer(info.context)
    return selectors.is_muted(user_id=viewer.user_id, muted_user_id=parse_uuid(user_id, field="userId"))
