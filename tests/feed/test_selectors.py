"""Reads of the feed service: home feeds in every timeline state, keyset pages, authors."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from apps.feed import selectors
from apps.feed.models import TimelineReader
from apps.feed.services import comment_create, post_delete, post_like, post_publish
from apps.feed.timelines import reading
from apps.feed.timelines.store import timeline_store
from socialapp.db import atomic_for
from socialapp.errors import DomainError
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_author, make_follow, make_post, make_reader

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


@pytest.fixture(autouse=True, params=["redis", "database"])
def _store(request: pytest.FixtureRequest, settings: SettingsWrapper) -> None:
    """Every read runs on both timeline stores."""
    settings.FEED_TIMELINE_STORE = request.param


@pytest.fixture(autouse=True, params=["hand-written SQL", "ORM"])
def _read_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every read runs both ways: the statements written out for PostgreSQL, and the ORM
    queries other databases (the embedded SQLite default) use; both must answer the same."""
    if request.param == "ORM":
        for module in (selectors, reading):
            monkeypatch.setattr(module, "fetch_on_postgres", lambda *args: None)


def ids(page: selectors.PostPage) -> list[int]:
    return [post.id for post in page.posts]


# --- home feed ------------------------------------------------------------------------------


def test_a_first_read_builds_the_timeline_from_own_and_followed_posts() -> None:
    reader, followed, stranger = make_author(), make_author(), make_author()
    make_follow(reader, followed)
    posts = [make_post(author) for author in (reader, followed, stranger, followed)]

    page = selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert ids(page) == [posts[3].id, posts[1].id, posts[0].id]
    assert page.has_next is False
    assert timeline_store().page(reader.user_id, before=None, limit=10) == ids(page)
    assert TimelineReader.objects.get(pk=reader.user_id).last_read_at > timezone.now() - timedelta(minutes=1)


def test_pages_follow_the_cursor_without_overlap() -> None:
    reader = make_author()
    posts = [make_post(reader) for _ in range(5)]

    first = selectors.home_feed_page(user_id=reader.user_id, first=2)
    second = selectors.home_feed_page(user_id=reader.user_id, first=2, after_id=first.posts[-1].id)
    last = selectors.home_feed_page(user_id=reader.user_id, first=2, after_id=second.posts[-1].id)

    newest_first = [post.id for post in reversed(posts)]
    assert [ids(first), ids(second), ids(last)] == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert [first.has_next, second.has_next, last.has_next] == [True, True, False]


def test_a_missing_timeline_is_rebuilt_and_its_first_page_is_complete() -> None:
    reader, followed = make_author(), make_author()
    make_follow(reader, followed)
    posts = [make_post(followed) for _ in range(3)]
    selectors.home_feed_page(user_id=reader.user_id, first=10)  # built, reader active
    timeline_store().drop(reader.user_id)  # evicted, expired or Redis flushed

    page = selectors.home_feed_page(user_id=reader.user_id, first=2)

    assert ids(page) == [posts[2].id, posts[1].id]
    assert page.has_next is True
    assert timeline_store().page(reader.user_id, before=None, limit=10) == [p.id for p in reversed(posts)]


def test_a_reader_back_after_a_week_gets_a_fresh_timeline() -> None:
    reader, followed = make_author(), make_author()
    make_follow(reader, followed)
    timeline_store().replace(reader.user_id, [])  # built before they left
    make_reader(reader, days_ago=8)
    missed = make_post(followed)
    post_publish(post_id=missed.id)  # the fan-out skipped the inactive reader

    page = selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert ids(page) == [missed.id]
    assert TimelineReader.objects.get(pk=reader.user_id).last_read_at > timezone.now() - timedelta(minutes=1)


def reads_last_read_time(queries: CaptureQueriesContext) -> bool:
    return any("timelinereader" in query["sql"] for query in queries.captured_queries)


def test_a_reader_reading_again_within_the_activity_interval_costs_no_last_read_query(
    django_capture_on_commit_callbacks: Any,
) -> None:
    reader = make_author()
    with (
        django_capture_on_commit_callbacks(using="feed", execute=True),
        CaptureQueriesContext(connections["feed"]) as first,
    ):
        selectors.home_feed_page(user_id=reader.user_id, first=10)  # new: checked, then written

    with CaptureQueriesContext(connections["feed"]) as again:
        page = selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert reads_last_read_time(first)
    assert not reads_last_read_time(again)  # neither read nor written
    assert page.posts == []


def test_once_the_activity_interval_has_passed_the_last_read_time_is_checked_and_written_again(
    settings: SettingsWrapper, django_capture_on_commit_callbacks: Any
) -> None:
    settings.FEED_ACTIVITY_WRITE_SECONDS = 0.05
    reader = make_author()
    with django_capture_on_commit_callbacks(using="feed", execute=True):
        selectors.home_feed_page(user_id=reader.user_id, first=10)
    written = TimelineReader.objects.get(pk=reader.user_id).last_read_at
    time.sleep(0.1)

    with (
        django_capture_on_commit_callbacks(using="feed", execute=True),
        CaptureQueriesContext(connections["feed"]) as later,
    ):
        selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert reads_last_read_time(later)
    assert TimelineReader.objects.get(pk=reader.user_id).last_read_at > written


def test_a_last_read_write_rolled_back_is_not_remembered() -> None:
    reader = make_author()
    with pytest.raises(RuntimeError), atomic_for(TimelineReader):
        selectors.home_feed_page(user_id=reader.user_id, first=10)
        raise RuntimeError("the request failed after its read")
    assert not TimelineReader.objects.filter(pk=reader.user_id).exists()

    with CaptureQueriesContext(connections["feed"]) as again:
        selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert reads_last_read_time(again)  # asked the database, and wrote the reader this time
    assert TimelineReader.objects.filter(pk=reader.user_id).exists()


def test_remembered_readers_are_bounded_the_longest_remembered_going_first() -> None:
    remembered = reading.RecentReads(capacity=3)
    now = timezone.now()
    readers = [uuid.uuid4() for _ in range(4)]
    for reader in readers[:3]:
        remembered.remember(reader, now)
    remembered.remember(readers[0], now)  # seen again: now the most recent
    remembered.remember(readers[3], now)

    known = [remembered.get(reader, not_before=now) is not None for reader in readers]
    assert known == [True, False, True, True]
    assert remembered.get(readers[0], not_before=now + timedelta(seconds=1)) is None  # too old for the caller


def test_posts_of_authors_too_big_to_fan_out_are_merged_at_read_time(settings: SettingsWrapper) -> None:
    settings.FEED_FANOUT_MAX_FOLLOWERS = 1
    reader, star, idol, friend, unfollowed_star = (make_author() for _ in range(5))
    for big in (star, idol, unfollowed_star):
        make_follow(make_author(), big)  # with the reader's follow: two followers, above the threshold
    for followed in (star, idol, friend):
        make_follow(reader, followed)
    make_follow(make_author(), unfollowed_star)
    selectors.home_feed_page(user_id=reader.user_id, first=10)  # the reader is active, timeline built
    posts = [make_post(star), make_post(friend), make_post(idol), make_post(unfollowed_star), make_post(star)]
    for post in posts:
        post_publish(post_id=post.id)

    page = selectors.home_feed_page(user_id=reader.user_id, first=10)

    assert timeline_store().page(reader.user_id, before=None, limit=10) == [posts[1].id]  # only the friend pushed
    assert ids(page) == [posts[4].id, posts[2].id, posts[1].id, posts[0].id]
    second = selectors.home_feed_page(user_id=reader.user_id, first=2, after_id=posts[4].id)
    assert (ids(second), second.has_next) == ([posts[2].id, posts[1].id], True)


def test_several_big_authors_each_with_more_than_a_page_are_merged_newest_first(settings: SettingsWrapper) -> None:
    settings.FEED_FANOUT_MAX_FOLLOWERS = 0  # every followed author is pulled at read time
    reader = make_author()
    stars = [make_author() for _ in range(3)]
    for star in stars:
        make_follow(reader, star)
    selectors.home_feed_page(user_id=reader.user_id, first=5)
    posts = [make_post(stars[n % 3]) for n in range(12)]  # 4 each, interleaved in time
    newest_first = [post.id for post in reversed(posts)]

    first = selectors.home_feed_page(user_id=reader.user_id, first=5)
    second = selectors.home_feed_page(user_id=reader.user_id, first=5, after_id=ids(first)[-1])
    last = selectors.home_feed_page(user_id=reader.user_id, first=5, after_id=ids(second)[-1])

    assert ids(first) + ids(second) + ids(last) == newest_first
    assert (first.has_next, second.has_next, last.has_next) == (True, True, False)


def test_a_page_costs_the_same_queries_whatever_the_number_of_big_authors_followed(
    settings: SettingsWrapper,
) -> None:
    settings.FEED_FANOUT_MAX_FOLLOWERS = 0

    def queries_of_a_page(big_authors: int) -> int:
        reader = make_author()
        for _ in range(big_authors):
            star = make_author()
            make_follow(reader, star)
            make_post(star)
        selectors.home_feed_page(user_id=reader.user_id, first=10)  # timeline built, posts cached
        with CaptureQueriesContext(connections["feed"]) as queries:
            page = selectors.home_feed_page(user_id=reader.user_id, first=10)
        assert len(page.posts) == big_authors
        return len(queries)

    assert queries_of_a_page(1) == queries_of_a_page(6)


def test_deleted_posts_left_in_a_timeline_are_skipped_and_forgotten() -> None:
    reader = make_author()
    posts = [make_post(reader) for _ in range(6)]
    selectors.home_feed_page(user_id=reader.user_id, first=10)
    for post in posts[3:]:
        post_delete(user_id=reader.user_id, post_id=post.id)  # its post.deleted not handled (yet)

    page = selectors.home_feed_page(user_id=reader.user_id, first=2)

    assert ids(page) == [posts[2].id, posts[1].id]
    assert page.has_next is True
    assert timeline_store().page(reader.user_id, before=None, limit=10) == [p.id for p in reversed(posts[:3])]


@pytest.mark.parametrize("first", [0, 101, -1])
def test_page_sizes_are_bounded(first: int) -> None:
    with pytest.raises(DomainError) as error:
        selectors.home_feed_page(user_id=uuid.uuid4(), first=first)

    assert error.value.as_dict() == {
        "field": "first",
        "code": "out_of_range",
        "message": f"`first` must be between 1 and 100 (got {first}).",
    }


# --- other lists ----------------------------------------------------------------------------


def test_a_users_posts_newest_first_by_keyset() -> None:
    author = make_author()
    posts = [make_post(author) for _ in range(3)]
    make_post()

    first = selectors.user_posts_page(author_id=author.user_id, first=2)
    rest = selectors.user_posts_page(author_id=author.user_id, first=2, after_id=first.posts[-1].id)

    assert (ids(first), first.has_next) == ([posts[2].id, posts[1].id], True)
    assert (ids(rest), rest.has_next) == ([posts[0].id], False)


def test_posts_by_hashtag_in_any_letter_case() -> None:
    tagged = [make_post(content="#Django rocks"), make_post(content="so does #django and #python")]
    make_post(content="#djangonaut is another tag")

    page = selectors.hashtag_posts_page(tag="#DJANGO", first=10)
    python = selectors.hashtag_posts_page(tag="python", first=10)

    assert ids(page) == [tagged[1].id, tagged[0].id]
    assert ids(python) == [tagged[1].id]


def test_a_hashtag_that_is_no_tag_is_a_typed_error() -> None:
    with pytest.raises(DomainError) as error:
        selectors.hashtag_posts_page(tag="#no spaces", first=10)

    assert error.value.as_dict() == {"field": "tag", "code": "invalid", "message": "'#no spaces' is not a hashtag."}


def test_comments_oldest_first() -> None:
    post = make_post()
    comments = [comment_create(author_id=uuid.uuid4(), post_id=post.id, content=f"c{n}").comment for n in range(3)]

    first = selectors.comments_page(post_id=post.id, first=2)
    rest = selectors.comments_page(post_id=post.id, first=2, after_id=first.comments[-1].id)

    assert [c.id for c in first.comments + rest.comments] == [c.id for c in comments]
    assert (first.has_next, rest.has_next) == (True, False)


def test_unknown_authors_are_placeholders() -> None:
    known, unknown, named_later = (
        make_author(username="alice", display_name="Alice"),
        uuid.uuid4(),
        make_author(username=""),
    )

    authors = selectors.authors_by_ids([known.user_id, unknown, named_later.user_id])

    assert (authors[known.user_id].username, authors[known.user_id].display_name, authors[known.user_id].known) == (
        "alice",
        "Alice",
        True,
    )
    for user_id in (unknown, named_later.user_id):
        assert (authors[user_id].username, authors[user_id].display_name, authors[user_id].known) == (
            "unknown-user",
            "Unknown user",
            False,
        )


def test_authors_carry_their_avatar() -> None:
    avatar = uuid.uuid4()
    with_avatar, without = make_author(username="bob", avatar_media_id=avatar), make_author(username="carol")

    authors = selectors.authors_by_ids([with_avatar.user_id, without.user_id])

    assert (authors[with_avatar.user_id].avatar_media_id, authors[without.user_id].avatar_media_id) == (avatar, None)
    assert selectors.authors_by_ids([]) == {}


def test_liked_among_answers_which_of_the_posts_the_user_likes() -> None:
    reader, other = make_author(), make_author()
    posts = [make_post() for _ in range(4)]
    post_like(user_id=reader.user_id, post_id=posts[0].id)
    post_like(user_id=reader.user_id, post_id=posts[2].id)
    post_like(user_id=other.user_id, post_id=posts[1].id)

    assert selectors.liked_among(user_id=reader.user_id, post_ids=[p.id for p in posts]) == {posts[0].id, posts[2].id}
    assert selectors.liked_among(user_id=reader.user_id, post_ids=[posts[1].id, posts[3].id]) == set()
    assert selectors.liked_among(user_id=reader.user_id, post_ids=[]) == set()


def test_search_documents_carry_text_tags_and_author() -> None:
    author = make_author(username="alice")
    posts = [make_post(author, content="hello #World"), make_post(content="by a stranger")]

    documents = selectors.post_documents(post_ids=[p.id for p in posts])
    batches = list(selectors.iter_post_documents(batch_size=1))

    assert [(d.post_id, d.author_username, d.text, d.hashtags) for d in documents] == [
        (posts[1].id, "", "by a stranger", ()),
        (posts[0].id, "alice", "hello #World", ("world",)),
    ]
    assert [[d.post_id for d in batch] for batch in batches] == [[posts[0].id], [posts[1].id]]
