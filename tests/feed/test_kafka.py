"""The feed as a carved-out service: its events go through the broker, and its own consumer
group fans a new post out into a follower's home timeline."""

from __future__ import annotations

import uuid

import pytest

from apps.feed.models import Author, FollowEdge, Post, PostStatus
from apps.feed.services import post_create
from apps.feed.timelines.store import timeline_store
from apps.users.services import follow_create, profile_create
from tests.conftest import ALL_DATABASES
from tests.eventing.kafka_helpers import running_consumer, running_relay, wait_until
from tests.feed.factories import make_reader

pytestmark = [pytest.mark.django_db(databases=ALL_DATABASES, transaction=True), pytest.mark.kafka]


def test_a_post_reaches_a_followers_timeline_through_the_broker(kafka: str) -> None:
    follower, author = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=follower, username="follower")  # user-events, waiting in the users outbox
    profile_create(user_id=author, username="author")
    follow_create(follower_id=follower, followee_id=author)
    make_reader(follower)  # reads their home feed: fan-out reaches them
    timeline_store().replace(follower, [])
    post = post_create(author_id=author, content="through the broker")
    assert not FollowEdge.objects.exists()  # nothing was delivered in-process

    with running_relay("users"), running_relay("feed"), running_consumer("feed"):
        wait_until(
            lambda: timeline_store().page(follower, before=None, limit=10) == [post.id],
            timeout=60,
            what="the post in the follower's timeline",
        )
        wait_until(lambda: Post.objects.get(pk=post.id).status == PostStatus.PUBLISHED, what="the post published")

    assert Author.objects.get(pk=author).username == "author"
    assert FollowEdge.objects.filter(follower_id=follower, followee_id=author).exists()
