"""GraphQL types of the feed service, and the helper that turns a page into a connection
(the search package builds its result lists with `post_connection` too)."""

from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from apps.feed.graphql.arguments import encode_cursor
from apps.feed.graphql.dataloaders import AuthorLoader, LikedByViewerLoader, MediaViewLoader
from apps.feed.models import Comment
from apps.feed.selectors import CommentPage, PostPage
from apps.feed.snapshots import AuthorSnapshot, Mention, PostSnapshot
from apps.media.contracts import MediaAttachmentType, MediaView


class AuthorType(graphene.ObjectType):
    """A user as the feed knows them (its own copy of their profile)."""

    class Meta:
        name = "Author"

    id = graphene.ID(required=True, description="The user's id: the same UUID in every service.")
    username = graphene.String(
        required=True, description="`unknown-user` while the feed has not heard of this user's profile."
    )
    display_name = graphene.String(required=True, description="`Unknown user` while the profile is unknown.")
    avatar_media_id = graphene.ID(description="The avatar's media id, or null.")
    avatar = graphene.Field(
        MediaAttachmentType, description="The avatar's renditions; null without one (or while it is not READY)."
    )

    @staticmethod
    def resolve_id(root: AuthorSnapshot, info: graphene.ResolveInfo) -> str:
        return str(root.user_id)

    @staticmethod
    def resolve_avatar(root: AuthorSnapshot, info: graphene.ResolveInfo) -> MediaView | None:
        if root.avatar_media_id is None:
            return None
        return MediaViewLoader.for_request(info.context).load(root.avatar_media_id)

    @staticmethod
    def resolve_avatar_media_id(root: AuthorSnapshot, info: graphene.ResolveInfo) -> str | None:
        return None if root.avatar_media_id is None else str(root.avatar_media_id)


class MentionType(graphene.ObjectType):
    class Meta:
        name = "Mention"

    username = graphene.String(required=True, description="As written in the post.")
    user_id = graphene.ID(description="The mentioned user's id; null if no such user was known when it was written.")

    @staticmethod
    def resolve_user_id(root: Mention, info: graphene.ResolveInfo) -> str | None:
        return None if root.user_id is None else str(root.user_id)


class PostStatusEnum(graphene.Enum):
    """PENDING: saved, not yet in followers' home feeds. PUBLISHED: fanned out."""

    class Meta:
        name = "PostStatus"

    PENDING = "PENDING"
    PUBLISHED = "PUBLISHED"


class PostType(graphene.ObjectType):
    class Meta:
        name = "Post"

    id = graphene.ID(required=True, description="Time-ordered: a newer post has a greater id.")
    author = graphene.Field(AuthorType, required=True)
    content = graphene.String(required=True)
    media_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    media = graphene.List(
        graphene.NonNull(MediaAttachmentType),
        required=True,
        description="The attached images, in order (one deleted by its owner is left out).",
    )
    hashtags = graphene.List(graphene.NonNull(graphene.String), required=True, description="Lower-cased, no #.")
    mentions = graphene.List(graphene.NonNull(MentionType), required=True)
    status = graphene.Field(PostStatusEnum, required=True)
    created_at = graphene.DateTime(required=True)
    edited_at = graphene.DateTime(description="Null until the post is edited.")
    like_count = graphene.Int(required=True)
    comment_count = graphene.Int(required=True)
    liked_by_me = graphene.Boolean(description="Whether the viewer likes it; null for an anonymous request.")

    @staticmethod
    def resolve_id(root: PostSnapshot, info: graphene.ResolveInfo) -> str:
        return str(root.id)

    @staticmethod
    def resolve_author(root: PostSnapshot, info: graphene.ResolveInfo) -> AuthorSnapshot:
        return AuthorLoader.for_request(info.context).load(root.author_id)

    @staticmethod
    def resolve_media_ids(root: PostSnapshot, info: graphene.ResolveInfo) -> list[str]:
        return [str(media_id) for media_id in root.media_ids]

    @staticmethod
    def resolve_media(root: PostSnapshot, info: graphene.ResolveInfo) -> list[MediaView]:
        loader = MediaViewLoader.for_request(info.context)
        views = [loader.load(media_id) for media_id in root.media_ids]
        return [view for view in views if view is not None]

    @staticmethod
    def resolve_status(root: PostSnapshot, info: graphene.ResolveInfo) -> str:
        return root.status

    @staticmethod
    def resolve_liked_by_me(root: PostSnapshot, info: graphene.ResolveInfo) -> bool | None:
        return LikedByViewerLoader.for_request(info.context).load(root.id)


class CommentType(graphene.ObjectType):
    class Meta:
        name = "Comment"

    id = graphene.ID(required=True)
    post_id = graphene.ID(required=True)
    author = graphene.Field(AuthorType, required=True)
    content = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_id(root: Comment, info: graphene.ResolveInfo) -> str:
        return str(root.id)

    @staticmethod
    def resolve_post_id(root: Comment, info: graphene.ResolveInfo) -> str:
        return str(root.post_id)

    @staticmethod
    def resolve_author(root: Comment, info: graphene.ResolveInfo) -> AuthorSnapshot:
        return AuthorLoader.for_request(info.context).load(root.author_id)


class PostConnection(relay.Connection):
    """Posts, newest first."""

    class Meta:
        node = PostType
        strict_types = True


class CommentConnection(relay.Connection):
    """A post's comments, oldest first."""

    class Meta:
        node = CommentType
        strict_types = True


def expect_posts(info: graphene.ResolveInfo, posts: list[PostSnapshot]) -> None:
    """Announce what a page of posts will need: its authors, likedByMe, and its images and the
    authors' avatars (one media port call for the page)."""
    AuthorLoader.for_request(info.context).expect(post.author_id for post in posts)
    LikedByViewerLoader.for_request(info.context).expect(post.id for post in posts)
    MediaViewLoader.for_request(info.context).expect(media_id for post in posts for media_id in post.media_ids)


def post_connection(info: graphene.ResolveInfo, page: PostPage, *, after_id: int | None) -> PostConnection:
    """A page of posts as a connection; its authors, likedByMe and images are loaded in one batch each."""
    expect_posts(info, page.posts)
    edge_class: Any = PostConnection.Edge
    edges = [edge_class(node=post, cursor=encode_cursor("post", post.id)) for post in page.posts]
    return PostConnection(edges=edges, page_info=_page_info(edges, has_next=page.has_next, after_id=after_id))


def comment_connection(info: graphene.ResolveInfo, page: CommentPage, *, after_id: int | None) -> CommentConnection:
    AuthorLoader.for_request(info.context).expect(comment.author_id for comment in page.comments)
    edge_class: Any = CommentConnection.Edge
    edges = [edge_class(node=comment, cursor=encode_cursor("comment", comment.id)) for comment in page.comments]
    return CommentConnection(edges=edges, page_info=_page_info(edges, has_next=page.has_next, after_id=after_id))


def _page_info(edges: list[Any], *, has_next: bool, after_id: int | None) -> relay.PageInfo:
    return relay.PageInfo(
        has_next_page=has_next,
        has_previous_page=after_id is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
