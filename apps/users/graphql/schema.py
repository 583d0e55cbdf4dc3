"""GraphQL schema of the users service, served at /graphql/users/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    users_service = service_info_field("users")


schema = graphene.Schema(query=Query)
