"""GraphQL types of the media service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import graphene
from graphene import relay

from apps.media import selectors
from apps.media.contracts import MediaSize, MediaUrl
from apps.media.models import Media, MediaStatus, MediaVariant

MediaSizeEnum = graphene.Enum.from_enum(
    MediaSize,
    description=lambda value: (
        {
            MediaSize.ORIGINAL: "Full size, metadata stripped, in the upload's format.",
            MediaSize.LARGE: "1080 px wide (never enlarged).",
            MediaSize.SMALL: "320 px wide (never enlarged).",
        }.get(value)
        if value is not None
        else "Which rendition of an image."
    ),
)
MediaStatusEnum = graphene.Enum.from_enum(
    MediaStatus,
    description=lambda value: (
        {
            MediaStatus.PROCESSING: "Accepted; its renditions are being made.",
            MediaStatus.READY: "Its renditions can be fetched.",
            MediaStatus.FAILED: "Processing gave up: see `failure`.",
        }.get(value)
        if value is not None
        else "Where an upload's processing stands."
    ),
)


class MediaUrlType(graphene.ObjectType):
    """A URL that fetches one rendition: presigned (S3) or signed (local), until `expiresAt`."""

    class Meta:
        name = "MediaUrl"

    size = graphene.Field(MediaSizeEnum, required=True)
    url = graphene.String(required=True)
    expires_at = graphene.DateTime(description="When the URL stops working; null for a public URL.")
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    content_type = graphene.String(required=True)

    @staticmethod
    def resolve_size(root: MediaUrl, info: graphene.ResolveInfo) -> str:
        return root.size.value


class MediaVariantType(graphene.ObjectType):
    """A stored rendition."""

    class Meta:
        name = "MediaVariant"

    size = graphene.Field(MediaSizeEnum, required=True)
    width = graphene.Int(required=True)
    height = graphene.Int(required=True)
    content_type = graphene.String(required=True)
    bytes = graphene.Int(required=True)
    url = graphene.Field(MediaUrlType, required=True)

    @staticmethod
    def resolve_bytes(root: MediaVariant, info: graphene.ResolveInfo) -> int:
        return root.size_bytes

    @staticmethod
    def resolve_url(root: MediaVariant, info: graphene.ResolveInfo) -> MediaUrl:
        return selectors.variant_url(root.media, root, request=info.context)


class MediaFailure(graphene.ObjectType):
    code = graphene.String(required=True)
    message = graphene.String(required=True)


class MediaType(graphene.ObjectType):
    """An uploaded image. Only its owner sees it here (posts show it to their readers as `Post.media`)."""

    class Meta:
        name = "Media"

    id = graphene.ID(required=True)
    status = graphene.Field(MediaStatusEnum, required=True)
    content_type = graphene.String(required=True, description="Of the upload, from its content.")
    bytes = graphene.Int(required=True, description="Size of the upload as received.")
    sha256 = graphene.String(required=True, description="SHA-256 of the upload as received (hex).")
    width = graphene.Int(required=True, description="As displayed (EXIF orientation applied).")
    height = graphene.Int(required=True, description="As displayed (EXIF orientation applied).")
    frames = graphene.Int(required=True, description="More than 1 for an animation.")
    alt_text = graphene.String(required=True, description='What a screen reader says instead of it; "" if none.')
    blurhash = graphene.String(description="A BlurHash placeholder (https://blurha.sh); null until READY.")
    created_at = graphene.DateTime(required=True)
    failure = graphene.Field(MediaFailure, description="Why processing failed; null unless FAILED.")
    url = graphene.Field(
        MediaUrlType,
        size=graphene.Argument(MediaSizeEnum, default_value=MediaSize.ORIGINAL.value),
        description="A URL of this rendition; null until READY.",
    )
    variants = graphene.List(graphene.NonNull(MediaVariantType), required=True, description="Empty until READY.")

    @staticmethod
    def resolve_id(root: Media, info: graphene.ResolveInfo) -> str:
        return str(root.id)

    @staticmethod
    def resolve_bytes(root: Media, info: graphene.ResolveInfo) -> int:
        return root.size_bytes

    @staticmethod
    def resolve_blurhash(root: Media, info: graphene.ResolveInfo) -> str | None:
        return root.blurhash or None

    @staticmethod
    def resolve_failure(root: Media, info: graphene.ResolveInfo) -> MediaFailure | None:
        if root.status != MediaStatus.FAILED:
            return None
        return MediaFailure(code=root.failure_code, message=root.failure_message)

    @staticmethod
    def resolve_url(root: Media, info: graphene.ResolveInfo, size: str = MediaSize.ORIGINAL.value) -> MediaUrl | None:
        variant = selectors.variant_of(root, MediaSize(size))
        return None if variant is None else selectors.variant_url(root, variant, request=info.context)

    @staticmethod
    def resolve_variants(root: Media, info: graphene.ResolveInfo) -> list[MediaVariant]:
        if root.status != MediaStatus.READY:
            return []
        variants = list(root.variants.all())
        for variant in variants:
            variant.media = root  # the URL resolver reads it: no query per variant
        return variants


class MediaConnection(relay.Connection):
    """The viewer's media, newest first."""

    class Meta:
        node = MediaType
        strict_types = True


def media_edge(media: Media, *, cursor: str) -> Any:
    """An edge of `MediaConnection` (graphene builds the Edge class, so it is untyped)."""
    edge_class: Any = MediaConnection.Edge
    return edge_class(node=media, cursor=cursor)


class FormField(graphene.ObjectType):
    name = graphene.String(required=True)
    value = graphene.String(required=True)


class DirectUploadType(graphene.ObjectType):
    """POST the file to `url` as multipart/form-data: every field of `fields`, in order, then
    the file as the last field, named `file`. Then call completeImageUpload(uploadId)."""

    class Meta:
        name = "DirectUpload"

    upload_id = graphene.ID(required=True)
    url = graphene.String(required=True)
    fields = graphene.List(graphene.NonNull(FormField), required=True)
    expires_at = graphene.DateTime(required=True, description="The POST is refused after this.")
    max_bytes = graphene.Int(required=True, description="The largest file accepted.")


def direct_upload(upload_id: str, url: str, fields: dict[str, str], expires_at: datetime, max_bytes: int) -> Any:
    return DirectUploadType(
        upload_id=upload_id,
        url=url,
        fields=[FormField(name=name, value=value) for name, value in fields.items()],
        expires_at=expires_at,
        max_bytes=max_bytes,
    )
