"""A missing timeline is rebuilt from the database, and a follow backfills, with published posts
only: a PENDING post joins the timelines when its fan-out publishes it, as on the push path."""

from __future__ import annotations

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed.models import PostStatus
from apps.feed.services import post_publish
from apps.feed.timelines import fanout, reading
from apps.feed.timelines.store import timeline_store
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_follow, make_post, make_reader

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture(autouse=True, params=["redis", "database"])
def _store(request: pytest.FixtureRequest, settings: SettingsWrapper) -> None:
    settings.FEED_TIMELINE_STORE = request.param


def test_a_rebuilt_timeline_holds_no_pending_post() -> None:
    reader, author = make_author(), make_author()
    make_follow(reader, author)
    make_reader(reader)  # active: the fan-out reaches them
    published = make_post(author)
    pending = make_post(author, status=PostStatus.PENDING)
    own_pending = make_post(reader, status=PostStatus.PENDING)

    rebuilt = reading.rebuild(reader.user_id)

    assert rebuilt == [published.id]
    assert own_pending.id not in rebuilt
    post_publish(post_id=pending.id)
    assert timeline_store().page(reader.user_id, before=None, limit=10) == [pending.id, published.id]


def test_a_follow_backfills_published_posts_only() -> None:
    reader, author = make_author(), make_author()
    timeline_store().replace(reader.user_id, [])
    published = make_post(author)
    make_post(author, status=PostStatus.PENDING)

    fanout.backfill_followee(follower_id=reader.user_id, followee_id=author.user_id)

    assert timeline_store().page(reader.user_id, before=None, limit=10) == [published.id]
