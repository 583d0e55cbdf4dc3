"""requestImageUpload: a presigned POST to upload an image straight to the bucket (S3 only)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.media.graphql.types import DirectUploadType, direct_upload
from apps.media.services import media_direct_upload_request
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class RequestImageUpload(DomainMutation):
    """Where to POST one image of `contentType` (image/jpeg, image/png, image/webp or image/gif)
    directly to storage; then call completeImageUpload with the upload id."""

    class Arguments:
        content_type = graphene.String(required=True)

    upload = graphene.Field(DirectUploadType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> RequestImageUpload:
        viewer = require_viewer(info.context)
        upload = media_direct_upload_request(owner_id=viewer.user_id, content_type=arguments["content_type"])
        return cls(
            upload=direct_upload(upload.upload_id, upload.url, upload.fields, upload.expires_at, upload.max_bytes)
        )
