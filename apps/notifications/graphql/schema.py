"""GraphQL schema of the notifications service, served at /graphql/notifications/ and merged into /graphql/."""

from __future__ import annotations

from typing import Any

import graphene

from socialapp.graphql.types import ServiceInfo, service_info


class Query(graphene.ObjectType):
    notifications_service = graphene.Field(ServiceInfo, required=True, description="The service answering.")

    @staticmethod
    def resolve_notifications_service(root: Any, info: graphene.ResolveInfo) -> ServiceInfo:
        return service_info("notifications")


schema = graphene.Schema(query=Query)
