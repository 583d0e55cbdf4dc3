"""GraphQL schema of the users service, served at /graphql/users/ and merged into /graphql/."""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.graphql.types import ServiceInfo, service_info


class Query(graphene.ObjectType):
    users_service = graphene.Field(ServiceInfo, required=True, description="The service answering.")

    @staticmethod
    def resolve_users_service(root: Any, info: graphene.ResolveInfo) -> ServiceInfo:
        return service_info("users")


schema = graphene.Schema(query=Query)
