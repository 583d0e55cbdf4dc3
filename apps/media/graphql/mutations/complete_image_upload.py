"""completeImageUpload: validate and record an image uploaded straight to the bucket."""

from __future__ import annotations

from typing import Any

import graphene

from apps.media.graphql.types import MediaType
from apps.media.services import media_direct_upload_complete
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class CompleteImageUpload(DomainMutation):
    """The uploaded object is checked as uploadImage checks a file (a refused one is deleted)
    and becomes a media. Completing again returns the same media."""

    class Arguments:
        upload_id = graphene.ID(required=True)

    media = graphene.Field(MediaType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> CompleteImageUpload:
        viewer = require_viewer(info.context)
        media = media_direct_upload_complete(owner_id=viewer.user_id, upload_id=arguments["upload_id"])
        return cls(media=media)
