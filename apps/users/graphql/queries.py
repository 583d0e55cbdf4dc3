"""Resolvers of the users service's root queries: parse, then call one selector."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from graphene import relay

from apps.users import selectors
from apps.users.graphql.arguments import decode_cursor, encode_cursor, find_profile, require_profile
from apps.users.graphql.dataloaders import AvatarLoader, ViewerFollowsLoader, ViewerPostNotificationsLoader
from apps.users.graphql.types import FollowConnection, follow_edge
from apps.users.models import Profile


def resolve_profile(
    root: Any, info: graphene.ResolveInfo, *, id: str | None = None, username: str | None = None
) -> Profile | None:
    return find_profile(id_value=id, username=username, id_field="id")


def resolve_followers(
    root: Any,
    info: graphene.ResolveInfo,
    *,
    user_id: str | None = None,
    username: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> FollowConnection:
    return _connection(
        info,
        page_of=selectors.followers_page,
        other_end="follower",
        user_id=user_id,
        username=username,
        first=first,
        after=after,
    )


def resolve_following(
    root: Any,
    info: graphene.ResolveInfo,
    *,
    user_id: str | None = None,
    username: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> FollowConnection:
    return _connection(
        info,
        page_of=selectors.following_page,
        other_end="followee",
        user_id=user_id,
        username=username,
        first=first,
        after=after,
    )


def _connection(
    info: graphene.ResolveInfo,
    *,
    page_of: Callable[..., selectors.FollowPage],
    other_end: str,
    user_id: str | None,
    username: str | None,
    first: int | None,
    after: str | None,
) -> FollowConnection:
    size = selectors.PAGE_SIZE_DEFAULT if first is None else first
    selectors.check_page_size(size)
    after_id = decode_cursor(after)
    profile = require_profile(id_value=user_id, username=username, id_field="userId")
    page = page_of(user_id=profile.user_id, first=size, after_id=after_id)
    nodes: list[Profile] = [getattr(follow, other_end) for follow in page.follows]
    ViewerFollowsLoader.for_request(info.context).expect(node.user_id for node in nodes)
    ViewerPostNotificationsLoader.for_request(info.context).expect(node.user_id for node in nodes)
    AvatarLoader.for_request(info.context).expect(node.avatar_media_id for node in nodes if node.avatar_media_id)
    cursors = [encode_cursor(follow.id) for follow in page.follows]
    edges = [
        follow_edge(node, cursor=cursor, followed_at=follow.created_at)
        for follow, node, cursor in zip(page.follows, nodes, cursors, strict=True)
    ]
    return FollowConnection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=after_id is not None,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
    )
