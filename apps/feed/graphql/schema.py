"""GraphQL schema of the feed service, served at /graphql/feed/ and merged into /graphql/."""

from __future__ import annotations

import graphene

from apps.feed.graphql.mutations.add_comment import AddComment
from apps.feed.graphql.mutations.create_post import CreatePost
from apps.feed.graphql.mutations.delete_comment import DeleteComment
from apps.feed.graphql.mutations.delete_post import DeletePost
from apps.feed.graphql.mutations.edit_post import EditPost
from apps.feed.graphql.mutations.like_post import LikePost
from apps.feed.graphql.mutations.unlike_post import UnlikePost
from apps.feed.graphql.queries import (
    resolve_comments,
    resolve_home_feed,
    resolve_post,
    resolve_posts_by_hashtag,
    resolve_user_posts,
)
from apps.feed.graphql.search import SearchQuery
from apps.feed.graphql.types import CommentConnection, PostConnection, PostType
from apps.feed.selectors import PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX
from socialapp.graphql.types import service_info_field


def _page_arguments() -> dict[str, graphene.Argument]:
    return {
        "first": graphene.Int(default_value=PAGE_SIZE_DEFAULT, description=f"1 to {PAGE_SIZE_MAX}."),
        "after": graphene.String(description="The `endCursor` of the previous page."),
    }


class FeedQuery(graphene.ObjectType):
    feed_service = service_info_field("feed")
    post = graphene.Field(
        PostType,
        id=graphene.ID(required=True),
        resolver=resolve_post,
        description="The post, or null if there is none.",
    )
    home_feed = graphene.Field(
        PostConnection,
        **_page_arguments(),
        resolver=resolve_home_feed,
        description="The viewer's home feed: their posts and those of whom they follow, newest first.",
    )
    user_posts = graphene.Field(
        PostConnection,
        user_id=graphene.ID(),
        username=graphene.String(),
        **_page_arguments(),
        resolver=resolve_user_posts,
        description="The posts of the user named by exactly one of `userId` and `username`, newest first.",
    )
    posts_by_hashtag = graphene.Field(
        PostConnection,
        tag=graphene.String(required=True, description="With or without the #, any letter case."),
        **_page_arguments(),
        resolver=resolve_posts_by_hashtag,
        description="Posts carrying the hashtag, newest first.",
    )
    comments = graphene.Field(
        CommentConnection,
        post_id=graphene.ID(required=True),
        **_page_arguments(),
        resolver=resolve_comments,
        description="A post's comments, oldest first.",
    )


class Query(SearchQuery, FeedQuery):
    pass


class Mutation(graphene.ObjectType):
    create_post = CreatePost.Field()
    edit_post = EditPost.Field()
    delete_post = DeletePost.Field()
    like_post = LikePost.Field()
    unlike_post = UnlikePost.Field()
    add_comment = AddComment.Field()
    delete_comment = DeleteComment.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
