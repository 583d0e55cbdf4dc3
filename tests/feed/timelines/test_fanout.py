"""Fan-out rules, on the configured store: who receives a post, in batches; who does not."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.timelines import fanout
from apps.feed.timelines.store import timeline_store
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_follow, make_post, make_reader

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture(autouse=True, params=["redis", "database"])
def _store(request: pytest.FixtureRequest, settings: SettingsWrapper) -> None:
    settings.FEED_TIMELINE_STORE = request.param


def test_active_followers_are_listed_in_batches_by_keyset(settings: SettingsWrapper) -> None:
    settings.FEED_FANOUT_BATCH_SIZE = 2
    author = make_author()
    active = [make_author() for _ in range(5)]
    for follower in active:
        make_follow(follower, author)
        make_reader(follower)
    idle, never = make_author(), make_author()
    make_follow(idle, author)
    make_reader(idle, days_ago=7.1)
    make_follow(never, author)

    batches = list(fanout.active_follower_batches(author.user_id))

    assert [len(batch) for batch in batches] == [2, 2, 1]
    assert sorted(user for batch in batches for user in batch) == sorted(f.user_id for f in active)


def test_an_author_above_the_threshold_reaches_only_their_own_timeline(settings: SettingsWrapper) -> None:
    settings.FEED_FANOUT_MAX_FOLLOWERS = 1
    star, fans = make_author(), [make_author(), make_author()]
    store = timeline_store()
    for fan in fans:
        make_follow(fan, star)
        make_reader(fan)
        store.replace(fan.user_id, [])
    store.replace(star.user_id, [])
    post = make_post(star)

    fanout.fan_out_post(post_id=post.id, author_id=star.user_id)

    assert fanout.is_pulled(star.user_id)
    assert store.page(star.user_id, before=None, limit=5) == [post.id]
    assert [store.page(fan.user_id, before=None, limit=5) for fan in fans] == [[], []]


def test_a_deleted_post_is_removed_from_the_author_and_active_followers(settings: SettingsWrapper) -> None:
    author, follower = make_author(), make_author()
    make_follow(follower, author)
    make_reader(follower)
    store = timeline_store()
    post = make_post(author)
    store.replace(author.user_id, [post.id])
    store.replace(follower.user_id, [post.id])

    fanout.remove_post_everywhere(post_id=post.id, author_id=author.user_id)

    assert store.page(author.user_id, before=None, limit=5) == []
    assert store.page(follower.user_id, before=None, limit=5) == []


def test_unfollowing_purges_only_that_authors_posts() -> None:
    reader, gone, kept = make_author(), make_author(), make_author()
    posts = [make_post(gone), make_post(kept), make_post(gone)]
    store = timeline_store()
    store.replace(reader.user_id, [p.id for p in posts])

    fanout.purge_followee(follower_id=reader.user_id, followee_id=gone.user_id)

    assert store.page(reader.user_id, before=None, limit=5) == [posts[1].id]
