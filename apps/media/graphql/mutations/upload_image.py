"""uploadImage: the viewer uploads an image (GraphQL multipart request)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.media.graphql.multipart import OVERSIZED, Upload
from apps.media.graphql.types import MediaType
from apps.media.services import media_upload
from apps.media.uploads import ReceivedFile
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class UploadImage(DomainMutation):
    """Upload a JPEG, PNG, WebP or GIF image (at most MEDIA_MAX_UPLOAD_BYTES), sent as the
    `file` variable of a GraphQL multipart request. Returns it READY with its URLs when it was
    processed inline, else PROCESSING (ask `media(id)` again)."""

    class Arguments:
        file = Upload(required=True)
        alt_text = graphene.String(
            description="What a screen reader says instead of the image: up to 1,500 characters, "
            "line breaks allowed, no other control characters."
        )

    media = graphene.Field(MediaType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> UploadImage:
        viewer = require_viewer(info.context)
        file = arguments.get("file")
        upload = file if isinstance(file, ReceivedFile) else None
        media = media_upload(
            owner_id=viewer.user_id,
            upload=upload,
            oversized=file is OVERSIZED,
            alt_text=arguments.get("alt_text") or "",
        )
        return cls(media=media)
