"""createPost: the viewer writes a post; it comes back at once, PENDING until fanned out."""

from __future__ import annotations

from typing import Any

import graphene

from apps.feed.graphql.arguments import parse_uuids
from apps.feed.graphql.types import PostType
from apps.feed.services import post_create
from apps.feed.snapshots import PostSnapshot
from apps.feed.text_rules import MAX_MEDIA, POST_MAX_LENGTH
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class CreatePost(DomainMutation):
    """Write a post. Hashtags (`#tag`) and mentions (`@username`) are picked out of the content."""

    class Arguments:
        content = graphene.String(required=True, description=f"1 to {POST_MAX_LENGTH:,} characters once trimmed.")
        media_ids = graphene.List(
            graphene.NonNull(graphene.ID), description=f"Up to {MAX_MEDIA} images the viewer uploaded."
        )

    post = graphene.Field(PostType, description="The new post (status PENDING).")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> CreatePost:
        content: str = arguments["content"]
        media_ids: list[str] | None = arguments.get("media_ids")
        viewer = require_viewer(info.context)
        media = parse_uuids(media_ids or [], field="mediaIds")
        post = post_create(author_id=viewer.user_id, content=content, media_ids=media)
        return cls(post=PostSnapshot.of(post))
