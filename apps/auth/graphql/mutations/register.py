from __future__ import annotations

from typing import Any

import graphene

from apps.auth.graphql.types import AccountType, TokensType
from apps.auth.services import user_register
from socialapp.graphql.mutations import DomainMutation
from socialapp.http import client_address


class Register(DomainMutation):
    """Create an account and log it in."""

    class Arguments:
        username = graphene.String(required=True)
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    account = graphene.Field(AccountType)
    tokens = graphene.Field(TokensType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Register:
        tokens = user_register(
            username=arguments["username"],
            email=arguments["email"],
            password=arguments["password"],
            client_address=client_address(info.context),
        )
        return cls(account=AccountType.from_user(tokens.user), tokens=TokensType.from_pair(tokens))
