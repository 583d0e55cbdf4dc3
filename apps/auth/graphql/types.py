"""GraphQL types of the auth service."""

from __future__ import annotations

import graphene

from apps.auth.models import User
from apps.auth.services import TokenPair


class AccountType(graphene.ObjectType):
    """The viewer's own identity (the email is only ever shown to its owner)."""

    id = graphene.ID(required=True)
    username = graphene.String(required=True)
    email = graphene.String(required=True)
    date_joined = graphene.DateTime(required=True)

    @staticmethod
    def from_user(user: User) -> AccountType:
        return AccountType(id=user.id, username=user.username, email=user.email, date_joined=user.date_joined)


class TokensType(graphene.ObjectType):
    access_token = graphene.String(required=True)
    refresh_token = graphene.String(required=True)
    access_token_expires_at = graphene.DateTime(required=True)
    refresh_token_expires_at = graphene.DateTime(required=True)
    token_type = graphene.String(required=True, default_value="Bearer")

    @staticmethod
    def from_pair(pair: TokenPair) -> TokensType:
        return TokensType(
            access_token=pair.access,
            refresh_token=pair.refresh,
            access_token_expires_at=pair.access_expires_at,
            refresh_token_expires_at=pair.refresh_expires_at,
        )


class TokenValidationType(graphene.ObjectType):
    """Whether an access token is valid here and now, and if not, why."""

    valid = graphene.Boolean(required=True)
    user_id = graphene.ID()
    username = graphene.String()
    expires_at = graphene.DateTime()
    error_code = graphene.String(description="token_invalid, token_expired or token_revoked when not valid.")
    error_message = graphene.String()
