"""updateProfile: the viewer changes their own profile."""

from __future__ import annotations

from typing import Any

import graphene

from apps.users.graphql.types import ProfileType
from apps.users.services import UNSET, profile_update
from socialapp.authn.viewer import require_viewer
from socialapp.graphql.cursors import parse_uuid
from socialapp.graphql.mutations import DomainMutation


class UpdateProfile(DomainMutation):
    """Change the viewer's profile. Arguments left out stay as they are; null resets one."""

    class Arguments:
        display_name = graphene.String(description="1 to 50 characters once trimmed; null: back to the username.")
        bio = graphene.String(description="Up to 300 characters once trimmed; null: empty.")
        avatar_media_id = graphene.ID(description="A media id; null removes the avatar.")

    profile = graphene.Field(ProfileType, description="The profile after the change.")

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **arguments: Any) -> UpdateProfile:
        viewer = require_viewer(info.context)
        avatar = arguments.get("avatar_media_id", UNSET)
        if isinstance(avatar, str):
            avatar = parse_uuid(avatar, field="avatarMediaId")
        profile = profile_update(
            user_id=viewer.user_id,
            display_name=arguments.get("display_name", UNSET),
            bio=arguments.get("bio", UNSET),
            avatar_media_id=avatar,
        )
        return cls(profile=profile)
