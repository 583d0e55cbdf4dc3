"""GraphQL schema of the media service, served at /graphql/media/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    media_service = service_info_field("media")


schema = graphene.Schema(query=Query)
