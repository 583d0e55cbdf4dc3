"""GraphQL schema of the users service, served at /graphql/users/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from apps.users.graphql.mutations.follow_user import FollowUser
from apps.users.graphql.mutations.unfollow_user import UnfollowUser
from apps.users.graphql.mutations.update_profile import UpdateProfile
from apps.users.graphql.queries import resolve_followers, resolve_following, resolve_profile
from apps.users.graphql.types import FollowConnection, ProfileType
from apps.users.selectors import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from socialapp.graphql.types import service_info_field

_PAGE_ARGUMENTS = {
    "user_id": graphene.ID(),
    "username": graphene.String(),
    "first": graphene.Int(default_value=PAGE_SIZE_DEFAULT, description=f"1 to {PAGE_SIZE_MAX}."),
    "after": graphene.String(description="The `endCursor` of the previous page."),
}


class Query(graphene.ObjectType):
    users_service = service_info_field("users")
    profile = graphene.Field(
        ProfileType,
        id=graphene.ID(),
        username=graphene.String(description="Any letter case."),
        resolver=resolve_profile,
        description="The profile named by exactly one of `id` and `username`; null if there is none.",
    )
    followers = graphene.Field(
        FollowConnection,
        **_PAGE_ARGUMENTS,
        resolver=resolve_followers,
        description="Who follows the user named by exactly one of `userId` and `username`, newest first.",
    )
    following = graphene.Field(
        FollowConnection,
        **_PAGE_ARGUMENTS,
        resolver=resolve_following,
        description="Whom the user named by exactly one of `userId` and `username` follows, newest first.",
    )


class Mutation(graphene.ObjectType):
    update_profile = UpdateProfile.Field()
    follow_user = FollowUser.Field()
    unfollow_user = UnfollowUser.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
