from __future__ import annotations

from typing import Any

import graphene

from apps.auth.graphql.types import TokensType
from apps.auth.services import token_refresh
from socialapp.graphql.mutations import DomainMutation


class RefreshToken(DomainMutation):
    """Exchange a refresh token for a new pair; the old refresh token is spent."""

    class Arguments:
        refresh_token = graphene.String(required=True)

    tokens = graphene.Field(TokensType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> RefreshToken:
        return cls(tokens=TokensType.from_pair(token_refresh(refresh=arguments["refresh_token"])))
