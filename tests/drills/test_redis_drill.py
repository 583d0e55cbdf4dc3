"""Fault drill: Redis flushed while posts exist (issue 16). Every reader's home timeline is
rebuilt on their next read and equals the database's truth (their own and their followees'
published posts, newest first), with no PENDING post in it, whether the reader's timeline
existed before, whether they follow an author too big to fan out (merged at read time), and
after the pending posts' fan-out runs on the rebuilt timelines."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator

import pytest
import redis
from django.db.models import Q
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.models import FollowEdge, Post, PostStatus
from apps.feed.selectors import home_feed_page
from apps.feed.services import post_create, post_publish
from apps.feed.timelines.reading import recent_reads
from apps.users.services import follow_create, profile_create
from tests.conftest import ALL_DATABASES
from tests.drills.workers import count_table

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

PAGE = 100  # larger than any reader's timeline here: one page holds all of it


@pytest.fixture(autouse=True)
def fresh_process_memory() -> Iterator[None]:
    recent_reads.clear()
    yield
    recent_reads.clear()


def truth(reader: uuid.UUID) -> list[int]:
    """What the reader's home timeline must hold: the published posts of them and of whom they follow."""
    followees = FollowEdge.objects.filter(follower_id=reader).values("followee_id")
    posts = Post.objects.filter(Q(author_id=reader) | Q(author_id__in=followees), status=PostStatus.PUBLISHED)
    return list(posts.order_by("-id").values_list("id", flat=True)[:PAGE])


def home(reader: uuid.UUID) -> list[int]:
    return [post.id for post in home_feed_page(user_id=reader, first=PAGE).posts]


def test_drill_every_home_timeline_is_rebuilt_right_after_redis_is_flushed(settings: SettingsWrapper) -> None:
    assert settings.REDIS_URL, "the drill flushes a real Redis database (REDIS_URL)"
    settings.FEED_FANOUT_MAX_FOLLOWERS = 8  # "star" below is pulled at read time, not fanned out
    rng = random.Random(16)
    users = {f"drill{n}": uuid.uuid4() for n in range(15)}
    for username, user_id in users.items():
        profile_create(user_id=user_id, username=username)
    star = users["drill0"]
    readers = [user_id for user_id in users.values() if user_id != star]
    for reader in readers:
        follow_create(follower_id=reader, followee_id=star)
        for followee in rng.sample([u for u in readers if u != reader], 4):
            follow_create(follower_id=reader, followee_id=followee)
    for reader in readers[::2]:  # half the readers have a timeline in Redis before the flush
        home(reader)
    for _ in range(4):
        for user_id in users.values():
            post_create(author_id=user_id, content=f"published by {user_id}")
    published = Post.objects.filter(status=PostStatus.PUBLISHED).count()

    # Posts whose fan-out has not run yet (their `post.created` waits in the outbox for a relay).
    settings.KAFKA_BOOTSTRAP_SERVERS = "127.0.0.1:9"  # Kafka mode: publishing only writes outbox rows
    pending = [post_create(author_id=user_id, content="not fanned out yet").id for user_id in users.values()]
    settings.KAFKA_BOOTSTRAP_SERVERS = ""

    client = redis.Redis.from_url(settings.REDIS_URL)
    keys_before = client.dbsize()
    client.flushdb()  # this test session's own Redis database
    client.close()
    recent_reads.clear()  # as a restarted server would find it

    after_flush = {reader: home(reader) for reader in readers}
    for post_id in pending:  # the fan-out runs now, onto the rebuilt timelines
        post_publish(post_id=post_id)
    after_fanout = {reader: home(reader) for reader in readers}

    pending_ids = set(pending)
    wrong_after_flush = [r for r in readers if after_flush[r] != [i for i in truth(r) if i not in pending_ids]]
    wrong_after_fanout = [r for r in readers if after_fanout[r] != truth(r)]
    pending_seen = sum(len(pending_ids & set(ids)) for ids in after_flush.values())
    table = count_table(
        "Redis flushed while posts exist",
        {
            "readers (timelines checked)": len(readers),
            "Redis keys flushed": keys_before,
            "posts published / pending at the flush": f"{published} / {len(pending)}",
            "timeline entries compared": sum(map(len, after_flush.values())) + sum(map(len, after_fanout.values())),
            "timelines wrong after the flush": len(wrong_after_flush),
            "PENDING posts shown after the flush": pending_seen,
            "timelines wrong after the fan-out": len(wrong_after_fanout),
        },
    )
    assert keys_before > 0, table
    assert pending_seen == 0, table
    assert wrong_after_flush == [], table
    assert wrong_after_fanout == [], table
    assert all(len(ids) >= 4 * 6 for ids in after_fanout.values()), table  # own + star + 4 followees, 4 posts each
