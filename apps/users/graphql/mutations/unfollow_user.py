"""unfollowUser: the viewer stops following someone (idempotent)."""

from __future__ import annotations

from typing import Any

import graphene

from apps.users.graphql.arguments import require_profile
from apps.users.graphql.dataloaders import ViewerFollowsLoader
from apps.users.graphql.mutations.base import error_field_renamed
from apps.users.graphql.types import ProfileType
from apps.users.services import follow_delete
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.mutations import DomainMutation


class UnfollowUser(DomainMutation):
    """Stop following the user named by exactly one of `userId` and `username`. Not following is no error."""

    class Arguments:
        user_id = graphene.ID()
        username = graphene.String()

    profile = graphene.Field(ProfileType, description="The unfollowed profile, with its counts after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> UnfollowUser:
        viewer = require_viewer(info.context)
        followee = require_profile(
            id_value=arguments.get("user_id"), username=arguments.get("username"), id_field="userId"
        )
        argument = "userId" if arguments.get("user_id") is not None else "username"
        with error_field_renamed("followee_id", argument):
            change = follow_delete(follower_id=viewer.user_id, followee_id=followee.user_id)
        ViewerFollowsLoader.for_request(info.context).prime(followee.user_id, False)
        return cls(profile=change.followee)
