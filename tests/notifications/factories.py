"""Notifications data for tests, written straight to the notifications database (no events):
the projections (actors, follows with the bell, post excerpts). Services are used where the
test is about them."""

from __future__ import annotations

import uuid

from factory.declarations import LazyAttribute, LazyFunction, Sequence
from factory.django import DjangoModelFactory

from apps.notifications.models import Actor, Follow, PostExcerpt


class ActorFactory(DjangoModelFactory[Actor]):
    class Meta:
        model = Actor

    user_id = LazyFunction(uuid.uuid4)
    username = Sequence(lambda n: f"actor_{n}")
    display_name = LazyAttribute(lambda actor: actor.username.title())


class FollowFactory(DjangoModelFactory[Follow]):
    class Meta:
        model = Follow

    follower_id = LazyFunction(uuid.uuid4)
    followee_id = LazyFunction(uuid.uuid4)


class PostExcerptFactory(DjangoModelFactory[PostExcerpt]):
    class Meta:
        model = PostExcerpt

    post_id = Sequence(lambda n: 10_000 + n)
    author_id = LazyFunction(uuid.uuid4)
    excerpt = Sequence(lambda n: f"post number {n}")


def make_actor(**fields: object) -> Actor:
    actor: Actor = ActorFactory.create(**fields)
    return actor


def make_follow(follower: Actor | uuid.UUID, followee: Actor | uuid.UUID, *, bell: bool = False) -> Follow:
    follow: Follow = FollowFactory.create(
        follower_id=follower.user_id if isinstance(follower, Actor) else follower,
        followee_id=followee.user_id if isinstance(followee, Actor) else followee,
        post_notifications=bell,
    )
    return follow


def make_post(author: Actor | uuid.UUID, **fields: object) -> PostExcerpt:
    post: PostExcerpt = PostExcerptFactory.create(
        author_id=author.user_id if isinstance(author, Actor) else author, **fields
    )
    return post
