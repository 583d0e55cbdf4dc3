"""Feed data for tests, written straight to the feed database (no events): authors and follow
edges of the projections, posts, readers. Services are used where the test is about them."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone
from factory.declarations import LazyAttribute, LazyFunction, Sequence
from factory.django import DjangoModelFactory

from apps.feed.ids import next_post_id
from apps.feed.models import Author, FollowEdge, Post, PostHashtag, PostStatus, TimelineReader
from apps.feed.text_rules import parse_hashtags


class AuthorFactory(DjangoModelFactory[Author]):
    class Meta:
        model = Author

    user_id = LazyFunction(uuid.uuid4)
    username = Sequence(lambda n: f"author_{n}")
    display_name = LazyAttribute(lambda author: author.username.title())


class PostFactory(DjangoModelFactory[Post]):
    class Meta:
        model = Post

    id = LazyFunction(next_post_id)
    author_id = LazyFunction(uuid.uuid4)
    content = Sequence(lambda n: f"post number {n}")
    status = PostStatus.PUBLISHED
    hashtags = LazyAttribute(lambda post: parse_hashtags(post.content))

    @classmethod
    def _create(cls, model_class: type[Post], *args: Any, **kwargs: Any) -> Post:
        post: Post = super()._create(model_class, *args, **kwargs)
        PostHashtag.objects.bulk_create([PostHashtag(post=post, tag=tag) for tag in post.hashtags])
        return post


def make_author(**fields: object) -> Author:
    author: Author = AuthorFactory.create(**fields)
    return author


def make_post(author: Author | uuid.UUID | None = None, **fields: object) -> Post:
    if author is not None:
        fields["author_id"] = author.user_id if isinstance(author, Author) else author
    post: Post = PostFactory.create(**fields)
    return post


def make_follow(follower: Author | uuid.UUID, followee: Author | uuid.UUID) -> FollowEdge:
    """An edge of the projection, with the followee's follower count kept right."""
    follower_id = follower.user_id if isinstance(follower, Author) else follower
    followee_id = followee.user_id if isinstance(followee, Author) else followee
    edge = FollowEdge.objects.create(follower_id=follower_id, followee_id=followee_id)
    Author.objects.get_or_create(user_id=followee_id)
    Author.objects.filter(pk=followee_id).update(followers_count=F("followers_count") + 1)
    return edge


def make_reader(
    user: Author | uuid.UUID, *, last_read_at: datetime | None = None, days_ago: float = 0
) -> TimelineReader:
    """A user who reads their home feed (fan-out reaches only those who read recently)."""
    user_id = user.user_id if isinstance(user, Author) else user
    when = last_read_at or timezone.now() - timedelta(days=days_ago)
    reader, _ = TimelineReader.objects.update_or_create(user_id=user_id, defaults={"last_read_at": when})
    return reader
