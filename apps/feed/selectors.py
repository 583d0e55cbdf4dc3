"""Reads of the feed service.

Lists page by keyset on ids (never OFFSET): posts newest first (`id < after`), comments
oldest first (`id > after`). Each list returns snapshots (apps/feed/snapshots.py); the
GraphQL layer batches what each node needs (authors, likedByMe) per page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.db.models.functions import Lower

from apps.feed.hot_reads import fetch_on_postgres
from apps.feed.models import Author, Comment, Like, Post
from apps.feed.snapshots import AuthorSnapshot, PostSnapshot, posts_by_ids
from apps.feed.text_rules import normalise_hashtag
from apps.feed.timelines.reading import open_home_timeline
from socialapp.errors import InvalidInputError

# The two batched lookups of every page, written out for PostgreSQL (apps/feed/hot_reads.py).
_AUTHORS_SQL = "SELECT user_id, username, display_name, avatar_media_id FROM {table} WHERE user_id = ANY(%s)"
_LIKED_SQL = "SELECT post_id FROM {table} WHERE user_id = %s AND post_id = ANY(%s)"

PAGE_SIZE_MAX = 100
PAGE_SIZE_DEFAULT = 20
# A home page whose posts were deleted under it reads on in the timeline, at most this often.
_HOME_READ_ROUNDS = 3


def check_page_size(first: int) -> None:
    if not 1 <= first <= PAGE_SIZE_MAX:
        raise InvalidInputError(
            f"`first` must be between 1 and {PAGE_SIZE_MAX} (got {first}).", field="first", code="out_of_range"
        )


@dataclass(frozen=True)
class PostPage:
    posts: list[PostSnapshot]
    has_next: bool


@dataclass(frozen=True)
class CommentPage:
    comments: list[Comment]
    has_next: bool


# --- posts ----------------------------------------------------------------------------------


def post_by_id(*, post_id: int) -> PostSnapshot | None:
    return posts_by_ids([post_id]).get(post_id)


def home_feed_page(*, user_id: uuid.UUID, first: int, after_id: int | None = None) -> PostPage:
    """The reader's home feed: their posts and those of whom they follow, newest first.

    Post ids come from the timeline store (rebuilt on the spot if missing), merged with the
    posts of followed authors too big to fan out; the posts from the cache or one query.
    """
    check_page_size(first)
    timeline = open_home_timeline(user_id)
    posts: list[PostSnapshot] = []
    before = after_id
    more = False  # whether the timeline holds anything below what was read
    for _ in range(_HOME_READ_ROUNDS):
        wanted = first + 1 - len(posts)  # one extra tells whether there is a next page
        ids = timeline.ids(before=before, limit=wanted)
        found = posts_by_ids(ids)
        gone = [post_id for post_id in ids if post_id not in found]
        if gone:  # deleted posts whose `post.deleted` has not reached this timeline
            timeline.forget(gone)
        posts.extend(found[post_id] for post_id in ids if post_id in found)
        more = len(ids) == wanted
        if not more or len(posts) > first:
            break
        before = ids[-1]
    return PostPage(posts=posts[:first], has_next=len(posts) > first or (more and bool(posts)))


def user_posts_page(*, author_id: uuid.UUID, first: int, after_id: int | None = None) -> PostPage:
    """A user's posts, newest first (one index range scan)."""
    check_page_size(first)
    return _post_page(Post.objects.filter(author_id=author_id), first=first, after_id=after_id)


def hashtag_posts_page(*, tag: str, first: int, after_id: int | None = None) -> PostPage:
    """Posts carrying `#tag` (any letter case, with or without the #), newest first."""
    check_page_size(first)
    normalised = normalise_hashtag(tag)
    if normalised is None:
        raise InvalidInputError(f"{tag!r} is not a hashtag.", field="tag", code="invalid")
    # A join on the (tag, post) index: the page's posts in one query.
    return _post_page(Post.objects.filter(hashtag_rows__tag=normalised), first=first, after_id=after_id)


def _post_page(rows: QuerySet[Post], *, first: int, after_id: int | None) -> PostPage:
    if after_id is not None:
        rows = rows.filter(id__lt=after_id)
    posts = [PostSnapshot.of(post) for post in rows.order_by("-id")[: first + 1]]
    return PostPage(posts=posts[:first], has_next=len(posts) > first)


def liked_among(*, user_id: uuid.UUID, post_ids: Iterable[int]) -> set[int]:
    """Which of `post_ids` the user likes: one query for a whole page."""
    wanted = set(post_ids)
    if not wanted:
        return set()
    rows = fetch_on_postgres(Like, _LIKED_SQL, [user_id, list(wanted)])
    if rows is None:
        return set(Like.objects.filter(user_id=user_id, post_id__in=wanted).values_list("post_id", flat=True))
    return {post_id for (post_id,) in rows}


# --- comments -------------------------------------------------------------------------------


def comments_page(*, post_id: int, first: int, after_id: int | None = None) -> CommentPage:
    """A post's comments, oldest first."""
    check_page_size(first)
    rows = Comment.objects.filter(post_id=post_id)
    if after_id is not None:
        rows = rows.filter(id__gt=after_id)
    comments = list(rows.order_by("id")[: first + 1])
    return CommentPage(comments=comments[:first], has_next=len(comments) > first)


# --- authors --------------------------------------------------------------------------------


def authors_by_ids(user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, AuthorSnapshot]:
    """Every asked author, from the projection; a placeholder for those it does not know (yet)."""
    wanted = set(user_ids)
    if not wanted:
        return {}
    rows = fetch_on_postgres(Author, _AUTHORS_SQL, [list(wanted)])
    if rows is None:
        rows = list(
            Author.objects.filter(user_id__in=wanted).values_list(
                "user_id", "username", "display_name", "avatar_media_id"
            )
        )
    known = {row[0]: AuthorSnapshot.from_row(*row) for row in rows}
    return {user_id: known.get(user_id) or AuthorSnapshot.placeholder(user_id) for user_id in wanted}


def author_by_username(*, username: str) -> Author | None:
    """Case-insensitive, through the index on lower(username)."""
    if not 1 <= len(username) <= 30 or "\x00" in username:
        return None
    return (
        Author.objects.alias(username_lower=Lower("username"))
        .filter(username_lower=username.lower())
        .order_by("-updated_at")
        .first()
    )


# --- for the search package (apps/feed/search) ----------------------------------------------


@dataclass(frozen=True)
class PostDocument:
    """What a search index holds of a post (the same fields `post.created`/`post.edited` carry)."""

    post_id: int
    author_id: uuid.UUID
    author_username: str
    text: str
    hashtags: tuple[str, ...]
    created_at: datetime
    edited_at: datetime | None


def post_documents(*, post_ids: Iterable[int]) -> list[PostDocument]:
    """Search documents of these posts (those that exist), newest first."""
    posts = sorted(posts_by_ids(post_ids).values(), key=lambda post: post.id, reverse=True)
    authors = authors_by_ids(post.author_id for post in posts)
    return [_document(post, authors[post.author_id]) for post in posts]


def iter_post_documents(*, batch_size: int = 500, after_id: int | None = None) -> Iterator[list[PostDocument]]:
    """Every post as search documents, in batches, oldest first (a full reindex; keyset, no OFFSET)."""
    last = after_id or 0
    while True:
        posts = [PostSnapshot.of(post) for post in Post.objects.filter(id__gt=last).order_by("id")[:batch_size]]
        if not posts:
            return
        authors = authors_by_ids(post.author_id for post in posts)
        yield [_document(post, authors[post.author_id]) for post in posts]
        last = posts[-1].id


def _document(post: PostSnapshot, author: AuthorSnapshot) -> PostDocument:
    return PostDocument(
        post_id=post.id,
        author_id=post.author_id,
        author_username=author.username if author.known else "",
        text=post.content,
        hashtags=post.hashtags,
        created_at=post.created_at,
        edited_at=post.edited_at,
    )
