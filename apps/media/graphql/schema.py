"""GraphQL schema of the media service, served at /graphql/media/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from apps.media.graphql.mutations.complete_image_upload import CompleteImageUpload
from apps.media.graphql.mutations.delete_media import DeleteMedia
from apps.media.graphql.mutations.request_image_upload import RequestImageUpload
from apps.media.graphql.mutations.update_media import UpdateMedia
from apps.media.graphql.mutations.upload_image import UploadImage
from apps.media.graphql.queries import resolve_media, resolve_media_url, resolve_my_media
from apps.media.graphql.types import MediaConnection, MediaSizeEnum, MediaType, MediaUrlType
from apps.media.selectors import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    media_service = service_info_field("media")
    media = graphene.Field(
        MediaType,
        id=graphene.ID(required=True),
        resolver=resolve_media,
        description="One of your media; null if it does not exist or is not yours.",
    )
    media_url = graphene.Field(
        MediaUrlType,
        id=graphene.ID(required=True),
        size=graphene.Argument(MediaSizeEnum, default_value="original"),
        resolver=resolve_media_url,
        description="A URL of a media's rendition: yours, or one in use (in a post, an avatar); "
        "null otherwise and until READY.",
    )
    my_media = graphene.Field(
        MediaConnection,
        required=True,
        first=graphene.Int(default_value=PAGE_SIZE_DEFAULT, description=f"1 to {PAGE_SIZE_MAX}."),
        after=graphene.String(description="The `endCursor` of the previous page."),
        resolver=resolve_my_media,
        description="Your media, newest first.",
    )


class Mutation(graphene.ObjectType):
    upload_image = UploadImage.Field()
    request_image_upload = RequestImageUpload.Field()
    complete_image_upload = CompleteImageUpload.Field()
    update_media = UpdateMedia.Field()
    delete_media = DeleteMedia.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
