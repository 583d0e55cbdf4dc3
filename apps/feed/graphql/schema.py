"""GraphQL schema of the feed service, served at /graphql/feed/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    feed_service = service_info_field("feed")


schema = graphene.Schema(query=Query)
