"""addComment: the viewer comments on a post."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_post_id
from apps.feed.graphql.types import CommentType, PostType
from apps.feed.services import comment_create
from apps.feed.snapshots import PostSnapshot
from apps.feed.text_rules import COMMENT_MAX_LENGTH
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class AddComment(DomainMutation):
    class Arguments:
        post_id = graphene.ID(required=True)
        content = graphene.String(required=True, description=f"1 to {COMMENT_MAX_LENGTH:,} characters once trimmed.")

    comment = graphene.Field(CommentType, description="The new comment.")
    post = graphene.Field(PostType, description="The post, with its comment count after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> AddComment:
        post_id: str = arguments["post_id"]
        content: str = arguments["content"]
        viewer = require_viewer(info.context)
        change = comment_create(
            author_id=viewer.user_id, post_id=parse_post_id(post_id, field="postId"), content=content
        )
        return cls(comment=change.comment, post=PostSnapshot.of(change.post))
