"""One contract, two stores: Redis (production) and the database (the embedded default).

Each test runs against both: the Redis store against the real Redis of the test machine.
"""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from apps.feed.timelines.database_store import DatabaseTimelineStore
from apps.feed.timelines.redis_store import RedisTimelineStore, timeline_key
from apps.feed.timelines.store import TimelineStore
from tests.conftest import ALL_DATABASES

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)

CAP = 5


@pytest.fixture(params=["redis", "database"])
def store(request: pytest.FixtureRequest) -> TimelineStore:
    if request.param == "redis":
        return RedisTimelineStore.for_url(settings.REDIS_URL, max_entries=CAP)
    return DatabaseTimelineStore(max_entries=CAP)


def test_a_timeline_never_built_is_missing_and_an_empty_built_one_is_not(store: TimelineStore) -> None:
    reader, other = uuid.uuid4(), uuid.uuid4()

    store.replace(reader, [])

    assert (store.exists(reader), store.page(reader, before=None, limit=10)) == (True, [])
    assert (store.exists(other), store.page(other, before=None, limit=10)) == (False, None)
    assert store.oldest(reader) is None


def test_pages_are_newest_first_below_the_cursor(store: TimelineStore) -> None:
    reader = uuid.uuid4()
    store.replace(reader, [10, 30, 20, 40])

    assert store.page(reader, before=None, limit=2) == [40, 30]
    assert store.page(reader, before=30, limit=2) == [20, 10]
    assert store.page(reader, before=10, limit=2) == []
    assert store.page(reader, before=None, limit=10) == [40, 30, 20, 10]
    assert store.oldest(reader) == 10


def test_building_keeps_only_the_newest_entries_and_replaces_what_was_there(store: TimelineStore) -> None:
    reader = uuid.uuid4()
    store.replace(reader, [1, 2])

    store.replace(reader, list(range(100, 110)))

    assert store.page(reader, before=None, limit=100) == [109, 108, 107, 106, 105]


def test_a_push_reaches_only_built_timelines_and_keeps_the_cap(store: TimelineStore) -> None:
    built, empty, missing = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    store.replace(built, [1, 2, 3, 4, 5])
    store.replace(empty, [])

    store.add_post_to_timelines(6, [built, empty, missing])
    store.add_post_to_timelines(6, [built])  # again: a redelivered fan-out

    assert store.page(built, before=None, limit=10) == [6, 5, 4, 3, 2]
    assert store.page(empty, before=None, limit=10) == [6]
    assert store.page(missing, before=None, limit=10) is None
    assert not store.exists(missing)


def test_a_push_to_many_timelines_runs_in_batches(store: TimelineStore) -> None:
    readers = [uuid.uuid4() for _ in range(1_500)]  # more than one batch of 1,000
    for reader in readers[::100]:
        store.replace(reader, [])

    store.add_post_to_timelines(7, readers)

    assert [store.page(reader, before=None, limit=5) for reader in readers[::100]] == [[7]] * 15
    assert store.page(readers[1], before=None, limit=5) is None


def test_a_backfill_merges_into_a_built_timeline_only(store: TimelineStore) -> None:
    built, missing = uuid.uuid4(), uuid.uuid4()
    store.replace(built, [10, 20])

    store.add_posts_to_timeline(built, [15, 25, 5, 1, 30])
    store.add_posts_to_timeline(missing, [15])

    assert store.page(built, before=None, limit=10) == [30, 25, 20, 15, 10]
    assert store.page(missing, before=None, limit=10) is None


def test_removing_posts_from_one_timeline_and_one_post_from_many(store: TimelineStore) -> None:
    first, second = uuid.uuid4(), uuid.uuid4()
    store.replace(first, [1, 2, 3])
    store.replace(second, [2, 3])

    store.remove_posts_from_timeline(first, [1, 3, 99])
    store.remove_post_from_timelines(2, [first, second, uuid.uuid4()])

    assert store.page(first, before=None, limit=10) == []
    assert store.page(second, before=None, limit=10) == [3]
    assert store.exists(first)  # emptied, still built


def test_a_dropped_timeline_is_missing(store: TimelineStore) -> None:
    reader = uuid.uuid4()
    store.replace(reader, [1])

    store.drop(reader)

    assert store.page(reader, before=None, limit=10) is None


def test_keeping_a_redis_timeline_sets_its_expiry() -> None:
    store = RedisTimelineStore.for_url(settings.REDIS_URL, max_entries=CAP)
    reader = uuid.uuid4()
    store.replace(reader, [1])

    store.keep(reader, 600)

    assert 590 < store.client.ttl(timeline_key(reader)) <= 600
