"""Resolvers of the feed service's root queries: parse, then call one selector."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed import selectors
from apps.feed.errors import PostNotFoundError
from apps.feed.graphql.arguments import author_id_of, decode_cursor, page_size, parse_post_id
from apps.feed.graphql.types import CommentConnection, PostConnection, comment_connection, post_connection
from apps.feed.snapshots import PostSnapshot
from socialapp.authn.viewer import require_viewer


def resolve_post(root: Any, info: graphene.ResolveInfo, *, id: str) -> PostSnapshot | None:
    return selectors.post_by_id(post_id=parse_post_id(id, field="id"))


def resolve_home_feed(
    root: Any, info: graphene.ResolveInfo, *, first: int | None = None, after: str | None = None
) -> PostConnection:
    viewer = require_viewer(info.context)
    size, after_id = page_size(first), decode_cursor("post", after)
    page = selectors.home_feed_page(user_id=viewer.user_id, first=size, after_id=after_id)
    return post_connection(info, page, after_id=after_id)


def resolve_user_posts(
    root: Any,
    info: graphene.ResolveInfo,
    *,
    user_id: str | None = None,
    username: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> PostConnection:
    size, after_id = page_size(first), decode_cursor("post", after)
    author_id = author_id_of(user_id=user_id, username=username)
    page = selectors.user_posts_page(author_id=author_id, first=size, after_id=after_id)
    return post_connection(info, page, after_id=after_id)


def resolve_posts_by_hashtag(
    root: Any, info: graphene.ResolveInfo, *, tag: str, first: int | None = None, after: str | None = None
) -> PostConnection:
    size, after_id = page_size(first), decode_cursor("post", after)
    page = selectors.hashtag_posts_page(tag=tag, first=size, after_id=after_id)
    return post_connection(info, page, after_id=after_id)


def resolve_comments(
    root: Any, info: graphene.ResolveInfo, *, post_id: str, first: int | None = None, after: str | None = None
) -> CommentConnection:
    size, after_id = page_size(first), decode_cursor("comment", after)
    parsed = parse_post_id(post_id, field="postId")
    if selectors.post_by_id(post_id=parsed) is None:
        raise PostNotFoundError("No post has this id.", field="postId")
    page = selectors.comments_page(post_id=parsed, first=size, after_id=after_id)
    return comment_connection(info, page, after_id=after_id)
