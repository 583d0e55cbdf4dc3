"""deleteComment: the comment's author or the post's author deletes a comment."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_comment_id
from apps.feed.graphql.types import PostType
from apps.feed.services import comment_delete
from apps.feed.snapshots import PostSnapshot
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class DeleteComment(DomainMutation):
    """Delete a comment you wrote, or any comment on a post you wrote."""

    class Arguments:
        comment_id = graphene.ID(required=True)

    deleted_comment_id = graphene.ID(description="The id of the deleted comment.")
    post = graphene.Field(PostType, description="The post, with its comment count after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DeleteComment:
        comment_id: str = arguments["comment_id"]
        viewer = require_viewer(info.context)
        parsed = parse_comment_id(comment_id, field="commentId")
        change = comment_delete(user_id=viewer.user_id, comment_id=parsed)
        return cls(deleted_comment_id=str(parsed), post=PostSnapshot.of(change.post))
