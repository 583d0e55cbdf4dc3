"""GraphQL schema of the auth service, served at /graphql/auth/ and merged into /graphql/."""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.graphql.types import ServiceInfo, service_info


class Query(graphene.ObjectType):
    auth_service = graphene.Field(ServiceInfo, required=True, description="The service answering.")

    @staticmethod
    def resolve_auth_service(root: Any, info: graphene.ResolveInfo) -> ServiceInfo:
        return service_info("auth")


schema = graphene.Schema(query=Query)
