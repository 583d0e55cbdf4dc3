"""editPost: the author changes a post's content, and its images if given."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_post_id, parse_uuids
from apps.feed.graphql.types import PostType
from apps.feed.services import post_edit
from apps.feed.snapshots import PostSnapshot
from apps.feed.text_rules import MAX_MEDIA, POST_MAX_LENGTH
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class EditPost(DomainMutation):
    """Change the content of one of the viewer's posts (hashtags and mentions follow the new text),
    and its images when `mediaIds` is given (each must be the viewer's and READY, as in createPost)."""

    class Arguments:
        post_id = graphene.ID(required=True)
        content = graphene.String(required=True, description=f"1 to {POST_MAX_LENGTH:,} characters once trimmed.")
        media_ids = graphene.List(
            graphene.NonNull(graphene.ID),
            description=f"Up to {MAX_MEDIA} images the viewer uploaded, in order; left out: unchanged.",
        )

    post = graphene.Field(PostType, description="The post after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> EditPost:
        post_id: str = arguments["post_id"]
        content: str = arguments["content"]
        media_ids: list[str] | None = arguments.get("media_ids")
        viewer = require_viewer(info.context)
        post = post_edit(
            user_id=viewer.user_id,
            post_id=parse_post_id(post_id, field="postId"),
            content=content,
            media_ids=None if media_ids is None else parse_uuids(media_ids, field="mediaIds"),
        )
        return cls(post=PostSnapshot.of(post))
