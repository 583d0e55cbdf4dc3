"""updateMedia: the owner describes one of their media (alt text), at upload or later."""

from __future__ import annotations

from typing import Any

import graphene

from apps.media.graphql.arguments import parse_media_id
from apps.media.graphql.types import MediaType
from apps.media.services import media_describe
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class UpdateMedia(DomainMutation):
    """Set the alt text of one of your media (errors `too_long`, `control_characters`, `not_found`;
    nothing is written on an error). Posts that show it show the new text."""

    class Arguments:
        id = graphene.ID(required=True)
        alt_text = graphene.String(
            required=True,
            description='Up to 1,500 characters, line breaks allowed, no other control characters; "" removes it.',
        )

    media = graphene.Field(MediaType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> UpdateMedia:
        viewer = require_viewer(info.context)
        media = media_describe(
            owner_id=viewer.user_id, media_id=parse_media_id(arguments["id"]), alt_text=arguments["alt_text"]
        )
        return cls(media=media)
