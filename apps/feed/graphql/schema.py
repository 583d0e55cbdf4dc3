"""GraphQL schema of the feed service, served at /graphql/feed/ and merged into /graphql/."""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.graphql.types import ServiceInfo, service_info


class Query(graphene.ObjectType):
    feed_service = graphene.Field(ServiceInfo, required=True, description="The service answering.")

    @staticmethod
    def resolve_feed_service(root: Any, info: graphene.ResolveInfo) -> ServiceInfo:
        return service_info("feed")


schema = graphene.Schema(query=Query)
