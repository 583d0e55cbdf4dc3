"""likePost: the viewer likes a post (idempotent)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_post_id
from apps.feed.graphql.dataloaders import LikedByViewerLoader
from apps.feed.graphql.types import PostType
from apps.feed.services import post_like
from apps.feed.snapshots import PostSnapshot
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class LikePost(DomainMutation):
    """Like a post. Liking it again is no error and counts once."""

    class Arguments:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostType, description="The post, with its like count after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> LikePost:
        post_id: str = arguments["post_id"]
        viewer = require_viewer(info.context)
        post = post_like(user_id=viewer.user_id, post_id=parse_post_id(post_id, field="postId"))
        LikedByViewerLoader.for_request(info.context).prime(post.id, True)
        return cls(post=PostSnapshot.of(post))
