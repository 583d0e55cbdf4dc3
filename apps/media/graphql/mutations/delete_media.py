"""deleteMedia: the owner deletes a media and all its files."""

from __future__ import annotations

from typing import Any

import graphene

from apps.media.graphql.arguments import parse_media_id
from apps.media.services import media_delete
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class DeleteMedia(DomainMutation):
    """Delete one of your media. Posts that use it lose the image (it is detached, not refused)."""

    class Arguments:
        id = graphene.ID(required=True)

    deleted_id = graphene.ID(description="The id of the deleted media.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> DeleteMedia:
        viewer = require_viewer(info.context)
        deleted = media_delete(owner_id=viewer.user_id, media_id=parse_media_id(arguments["id"]))
        return cls(deleted_id=str(deleted))
