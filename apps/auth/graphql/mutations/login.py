from __future__ import annotations

from typing import Any

import graphene

from apps.auth.graphql.types import AccountType, TokensType
from apps.auth.services import user_login
from socialapp.graphql.mutations import DomainMutation
from socialapp.http import client_address


class Login(DomainMutation):
    """Log in with a username or an email address."""

    class Arguments:
        login = graphene.String(required=True, description="Username or email address.")
        password = graphene.String(required=True)

    account = graphene.Field(AccountType)
    tokens = graphene.Field(TokensType)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Login:
        pair = user_login(
            login=arguments["login"], password=arguments["password"], client_address=client_address(info.context)
        )
        return cls(account=AccountType.from_user(pair.user), tokens=TokensType.from_pair(pair))
