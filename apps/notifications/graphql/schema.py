"""GraphQL schema of the notifications service, served at /graphql/notifications/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    notifications_service = service_info_field("notifications")


schema = graphene.Schema(query=Query)
