"""GraphQL schema of the media service, served at /graphql/media/ and merged into /graphql/."""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.graphql.types import ServiceInfo, service_info


class Query(graphene.ObjectType):
    media_service = graphene.Field(ServiceInfo, required=True, description="The service answering.")

    @staticmethod
    def resolve_media_service(root: Any, info: graphene.ResolveInfo) -> ServiceInfo:
        return service_info("media")


schema = graphene.Schema(query=Query)
