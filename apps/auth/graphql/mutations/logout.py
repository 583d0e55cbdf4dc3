from __future__ import annotations

from typing import Any

import graphene

from apps.auth.services import user_logout
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class Logout(DomainMutation):
    """Revoke the access token of this request and, if given, the login's refresh tokens."""

    class Arguments:
        refresh_token = graphene.String()

    ok = graphene.Boolean(required=True, default_value=False)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> Logout:
        user_logout(viewer=require_viewer(info.context), refresh=arguments.get("refresh_token"))
        return cls(ok=True)
