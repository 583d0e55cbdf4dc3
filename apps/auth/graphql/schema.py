"""GraphQL schema of the auth service, served at /graphql/auth/ and merged into /graphql/."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import graphene

from apps.auth.graphql.mutations.login import Login
from apps.auth.graphql.mutations.logout import Logout
from apps.auth.graphql.mutations.refresh_token import RefreshToken
from apps.auth.graphql.mutations.register import Register
from apps.auth.graphql.types import AccountType, TokenValidationType
from apps.auth.selectors import user_get
from socialapp.authn.viewer import require_viewer, verify_access_token
from socialapp.errors import DomainError, NotFoundError
from socialapp.graphql.types import service_info_field


class Query(graphene.ObjectType):
    auth_service = service_info_field("auth")
    me = graphene.Field(AccountType, required=True, description="The viewer's account. Needs an access token.")
    validate_token = graphene.Field(
        TokenValidationType, required=True, token=graphene.String(required=True), description="Check an access token."
    )

    @staticmethod
    def resolve_me(root: Any, info: graphene.ResolveInfo) -> AccountType:
        viewer = require_viewer(info.context)
        user = user_get(user_id=viewer.user_id)
        if user is None:
            raise NotFoundError("This account no longer exists.", code="account_not_found")
        return AccountType.from_user(user)

    @staticmethod
    def resolve_validate_token(root: Any, info: graphene.ResolveInfo, token: str) -> TokenValidationType:
        try:
            viewer = verify_access_token(token)
        except DomainError as error:
            return TokenValidationType(valid=False, error_code=error.code, error_message=error.message)
        return TokenValidationType(
            valid=True,
            user_id=viewer.user_id,
            username=viewer.username,
            expires_at=datetime.fromtimestamp(viewer.expires_at, tz=UTC),
        )


class Mutation(graphene.ObjectType):
    register = Register.Field()
    login = Login.Field()
    refresh_token = RefreshToken.Field()
    logout = Logout.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
