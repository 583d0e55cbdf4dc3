"""Writes of the feed service: each function validates, writes and publishes its events.

Writes to one post (edit, delete, like, comment) first lock its row, so they are serialised,
its counts stay exact (F() in the same transaction) and its events enter the outbox in commit
order. Cached rows of a written post are invalidated (apps/feed/snapshots.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from apps.feed import text_rules
from apps.feed.contracts import (
    CommentCreated,
    CommentDeleted,
    PostCreated,
    PostDeleted,
    PostEdited,
    PostLiked,
    PostUnliked,
)
from apps.feed.errors import CommentNotFoundError, NotYourPostError, PostNotFoundError, UnknownMediaError
from apps.feed.ids import next_post_id
from apps.feed.models import Author, Comment, FollowEdge, Like, Post, PostHashtag, PostMention, PostStatus
from apps.feed.snapshots import forget_posts
from apps.feed.timelines import fanout
from apps.media.contracts import MediaPort, media_port
from socialapp.db import atomic_for
from socialapp.errors import InvalidInputError
from socialapp.eventing import publish

# --- media -----------------------------------------------------------------------------------


def _media_port() -> MediaPort:
    """The media service's port as settings configure it (in-process or HTTP); tests replace it."""
    return media_port()


def check_media_ids(*, author_id: uuid.UUID, media_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
    """At most four distinct ids of media the author uploaded, in the order given."""
    if len(media_ids) > text_rules.MAX_MEDIA:
        raise InvalidInputError(
            f"A post has at most {text_rules.MAX_MEDIA} images (got {len(media_ids)}).",
            field="media_ids",
            code="too_many_media",
        )
    if len(set(media_ids)) != len(media_ids):
        raise InvalidInputError("The same image is attached twice.", field="media_ids", code="duplicate_media")
    if media_ids:
        owned = _media_port().media_owned_by(owner_id=author_id, media_ids=list(media_ids))
        unknown = [media_id for media_id in media_ids if media_id not in owned]
        if unknown:
            raise UnknownMediaError(
                f"You have no uploaded image with the id {unknown[0]}.",
                field="media_ids",
                media_ids=[str(media_id) for media_id in unknown],
            )
    return list(media_ids)


# --- posts -----------------------------------------------------------------------------------


def post_create(*, author_id: uuid.UUID, content: str, media_ids: Sequence[uuid.UUID] = ()) -> Post:
    """Save a post as PENDING and announce it (`post.created`); the fan-out consumer publishes it."""
    cleaned = text_rules.check_post_content(content)
    media = check_media_ids(author_id=author_id, media_ids=media_ids)
    hashtags = text_rules.parse_hashtags(cleaned)
    mentions = _resolve_mentions(cleaned)
    with atomic_for(Post):
        post = _insert_post(
            author_id=author_id,
            content=cleaned,
            media_ids=[str(media_id) for media_id in media],
            hashtags=hashtags,
            mentions=[{"username": name, "user_id": str(uid) if uid else None} for name, uid in mentions],
        )
        _write_tags(post, hashtags=hashtags, mentioned=_ids(mentions))
        publish(
            PostCreated(
                post_id=post.id,
                author_id=author_id,
                text=cleaned,
                media_ids=media,
                hashtags=hashtags,
                mentioned_user_ids=[uid for uid in _ids(mentions) if uid != author_id],
                created_at=post.created_at,
            )
        )
    return post


def _insert_post(**fields: object) -> Post:
    """Insert with a fresh time-ordered id; another process may have made the same one (rare): retry."""
    attempts = 3
    for attempt in range(attempts):
        try:
            with atomic_for(Post):  # a savepoint: a collision must not break the caller's transaction
                return Post.objects.create(id=next_post_id(), **fields)
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


def post_edit(*, user_id: uuid.UUID, post_id: int, content: str, media_ids: Sequence[uuid.UUID] | None = None) -> Post:
    """The author changes the text, and the images if `media_ids` is given (None: unchanged);
    hashtags and mentions are parsed again. Nothing changed: nothing written, no event."""
    cleaned = text_rules.check_post_content(content)
    with atomic_for(Post):
        post = _lock_post(post_id)
        _check_author(post, user_id, "edit")
        media = None if media_ids is None else [str(media_id) for media_id in media_ids]
        if media is not None and media != post.media_ids:
            check_media_ids(author_id=user_id, media_ids=list(media_ids or []))
        if post.content == cleaned and (media is None or media == post.media_ids):
            return post
        hashtags = text_rules.parse_hashtags(cleaned)
        mentions = _resolve_mentions(cleaned)
        before = set(PostMention.objects.filter(post=post).values_list("user_id", flat=True))
        post.content = cleaned
        post.hashtags = hashtags
        post.mentions = [{"username": name, "user_id": str(uid) if uid else None} for name, uid in mentions]
        post.edited_at = timezone.now()
        if media is not None:
            post.media_ids = media
        post.save(update_fields=["content", "hashtags", "mentions", "media_ids", "edited_at"])
        PostHashtag.objects.filter(post=post).delete()
        PostMention.objects.filter(post=post).delete()
        _write_tags(post, hashtags=hashtags, mentioned=_ids(mentions))
        others = [uid for uid in _ids(mentions) if uid != user_id]
        publish(
            PostEdited(
                post_id=post.id,
                author_id=post.author_id,
                text=cleaned,
                hashtags=hashtags,
                mentioned_user_ids=others,
                added_mentioned_user_ids=[uid for uid in others if uid not in before],
                edited_at=post.edited_at,
                media_ids=[uuid.UUID(str(media_id)) for media_id in post.media_ids],
            )
        )
        forget_posts([post.id])
    return post


def post_delete(*, user_id: uuid.UUID, post_id: int) -> None:
    """The author deletes the post, its likes and comments; timelines drop it when `post.deleted` is handled."""
    with atomic_for(Post):
        post = _lock_post(post_id)
        _check_author(post, user_id, "delete")
        Post.objects.filter(pk=post.pk).delete()
        publish(PostDeleted(post_id=post_id, author_id=post.author_id))
        forget_posts([post_id])


def post_publish(*, post_id: int) -> bool:
    """Fan the post out into home timelines, then mark it PUBLISHED (the `post.created` handler).

    Idempotent: timelines are sets, and a published post stays published. False if the post
    was deleted before its fan-out ran.
    """
    author_id = Post.objects.filter(pk=post_id).values_list("author_id", flat=True).first()
    if author_id is None:
        return False
    fanout.fan_out_post(post_id=post_id, author_id=author_id)
    if Post.objects.filter(pk=post_id, status=PostStatus.PENDING).update(status=PostStatus.PUBLISHED):
        forget_posts([post_id])
    return True


def post_unpublish(*, post_id: int, author_id: uuid.UUID) -> None:
    """Take a deleted post out of the timelines it reached (the `post.deleted` handler)."""
    fanout.remove_post_everywhere(post_id=post_id, author_id=author_id)


def _lock_post(post_id: int) -> Post:
    post = Post.objects.select_for_update().filter(pk=post_id).first()
    if post is None:
        raise PostNotFoundError("No post has this id.", field="post_id")
    return post


def _check_author(post: Post, user_id: uuid.UUID, verb: str) -> None:
    if post.author_id != user_id:
        raise NotYourPostError(f"Only the author can {verb} this post.", field="post_id")


def _resolve_mentions(text: str) -> list[tuple[str, uuid.UUID | None]]:
    """Each mentioned username with the id the author projection knows for it (None if unknown)."""
    names = text_rules.parse_mentions(text)
    if not names:
        return []
    known: dict[str, uuid.UUID] = {}
    rows = (
        Author.objects.alias(username_lower=Lower("username"))
        .filter(username_lower__in=[name.lower() for name in names])
        .order_by("updated_at")
        .values_list("username", "user_id")
    )
    for username, user_id in rows:
        known[username.lower()] = user_id  # the most recently updated holder of a name wins
    return [(name, known.get(name.lower())) for name in names]


def _ids(mentions: list[tuple[str, uuid.UUID | None]]) -> list[uuid.UUID]:
    return list(dict.fromkeys(uid for _, uid in mentions if uid is not None))


def _write_tags(post: Post, *, hashtags: list[str], mentioned: list[uuid.UUID]) -> None:
    PostHashtag.objects.bulk_create([PostHashtag(post=post, tag=tag) for tag in hashtags])
    PostMention.objects.bulk_create([PostMention(post=post, user_id=user_id) for user_id in mentioned])


# --- likes -----------------------------------------------------------------------------------


def post_like(*, user_id: uuid.UUID, post_id: int) -> Post:
    """`user_id` likes the post. Idempotent: liking again changes nothing and publishes nothing."""
    with atomic_for(Post):
        post = _lock_post(post_id)
        if Like.objects.filter(post=post, user_id=user_id).exists():
            return post
        Like.objects.create(post=post, user_id=user_id)
        _count(post, "like_count", 1)
        publish(PostLiked(post_id=post.id, post_author_id=post.author_id, user_id=user_id, like_count=post.like_count))
    return post


def post_unlike(*, user_id: uuid.UUID, post_id: int) -> Post:
    """`user_id` takes their like back. Idempotent: no like, no change, no event."""
    with atomic_for(Post):
        post = _lock_post(post_id)
        deleted, _ = Like.objects.filter(post=post, user_id=user_id).delete()
        if not deleted:
            return post
        _count(post, "like_count", -1)
        publish(
            PostUnliked(post_id=post.id, post_author_id=post.author_id, user_id=user_id, like_count=post.like_count)
        )
    return post


def _count(post: Post, field: str, delta: int) -> None:
    Post.objects.filter(pk=post.pk).update(**{field: F(field) + delta})
    setattr(post, field, getattr(post, field) + delta)  # exact without reading back: the row is locked
    forget_posts([post.pk])


# --- comments --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentChange:
    comment: Comment
    # The commented post, with its comment count after the change.
    post: Post


def comment_create(*, author_id: uuid.UUID, post_id: int, content: str) -> CommentChange:
    cleaned = text_rules.check_comment_content(content)
    with atomic_for(Comment):
        post = _lock_post(post_id)
        comment = Comment.objects.create(post=post, author_id=author_id, content=cleaned)
        _count(post, "comment_count", 1)
        publish(
            CommentCreated(
                post_id=post.id,
                post_author_id=post.author_id,
                comment_id=comment.id,
                author_id=author_id,
                text=cleaned,
                comment_count=post.comment_count,
            )
        )
    return CommentChange(comment=comment, post=post)


def comment_delete(*, user_id: uuid.UUID, comment_id: int) -> CommentChange:
    """Delete a comment: its author or the post's author may."""
    with atomic_for(Comment):
        post_id = Comment.objects.filter(pk=comment_id).values_list("post_id", flat=True).first()
        if post_id is None:
            raise CommentNotFoundError("No comment has this id.", field="comment_id")
        post = _lock_post(post_id)  # the post first, as every write to it does: no deadlock
        comment = Comment.objects.filter(pk=comment_id).first()
        if comment is None:  # deleted while we waited for the lock
            raise CommentNotFoundError("No comment has this id.", field="comment_id")
        if user_id not in (comment.author_id, post.author_id):
            raise NotYourPostError(
                "Only the comment's author or the post's author can delete this comment.", field="comment_id"
            )
        Comment.objects.filter(pk=comment.pk).delete()
        _count(post, "comment_count", -1)
        publish(
            CommentDeleted(
                post_id=post.id,
                post_author_id=post.author_id,
                comment_id=comment_id,
                author_id=comment.author_id,
                deleted_by=user_id,
                comment_count=post.comment_count,
            )
        )
    return CommentChange(comment=comment, post=post)


# --- projections of the users service --------------------------------------------------------


def author_upsert(*, user_id: uuid.UUID, username: str, display_name: str, avatar_media_id: uuid.UUID | None) -> Author:
    """Keep the feed's copy of a profile (`user.profile_created` / `user.profile_updated` carry snapshots)."""
    with atomic_for(Author):
        author, _ = Author.objects.update_or_create(
            user_id=user_id,
            defaults={"username": username, "display_name": display_name, "avatar_media_id": avatar_media_id},
        )
    return author


def follow_edge_create(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> bool:
    """Record the edge and backfill the followee's recent posts. False if it was already known."""
    with atomic_for(FollowEdge):
        _, created = FollowEdge.objects.get_or_create(follower_id=follower_id, followee_id=followee_id)
        if created:
            Author.objects.get_or_create(user_id=followee_id)
            Author.objects.filter(pk=followee_id).update(followers_count=F("followers_count") + 1)
        fanout.backfill_followee(follower_id=follower_id, followee_id=followee_id)
    return created


def follow_edge_delete(*, follower_id: uuid.UUID, followee_id: uuid.UUID) -> bool:
    """Remove the edge and the followee's posts from the follower's timeline. False if it was not known."""
    with atomic_for(FollowEdge):
        deleted, _ = FollowEdge.objects.filter(follower_id=follower_id, followee_id=followee_id).delete()
        if deleted:
            Author.objects.filter(pk=followee_id).update(followers_count=F("followers_count") - 1)
        fanout.purge_followee(follower_id=follower_id, followee_id=followee_id)
    return bool(deleted)
