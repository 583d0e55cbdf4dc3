"""deletePost: the author deletes a post, with its likes and comments."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_post_id
from apps.feed.services import post_delete
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class DeletePost(DomainMutation):
    """Delete one of the viewer's posts; it leaves every home feed it reached."""

    class Arguments:
        post_id = graphene.ID(required=True)

    deleted_post_id = graphene.ID(description="The id of the deleted post.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DeletePost:
        post_id: str = arguments["post_id"]
        viewer = require_viewer(info.context)
        parsed = parse_post_id(post_id, field="postId")
        post_delete(user_id=viewer.user_id, post_id=parsed)
        return cls(deleted_post_id=str(parsed))
