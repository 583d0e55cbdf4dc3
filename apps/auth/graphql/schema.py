"""GraphQL schema of the auth service, served at /graphql/auth/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    auth_service = service_info_field("auth")


schema = graphene.Schema(query=Query)
