"""The feed's handlers, fed by real events delivered in-process after commit: the author and
follow projections from `user-events`, and its own `post.created` / `post.deleted` moving
posts in and out of home timelines. Each handler applies an event once, however often it comes."""

from __future__ import annotations

import uuid

import pytest

from apps.feed.models import Author, FollowEdge, InboxMessage, PostStatus
from apps.feed.models import Post as FeedPost
from apps.feed.services import post_create, post_delete
from apps.feed.timelines.store import timeline_store
from apps.users.services import follow_create, follow_delete, profile_create, profile_update
from socialapp.eventing.handlers import handlers_for, run_handler
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES
from tests.feed.factories import make_reader
from tests.media.factories import make_media

# Transactional: the in-process bus delivers after the publishing transaction commits.
pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)


def timeline(user_id: uuid.UUID) -> list[int] | None:
    return timeline_store().page(user_id, before=None, limit=50)


def test_profiles_become_authors_and_changes_follow() -> None:
    user_id = uuid.uuid4()

    profile_create(user_id=user_id, username="Alice")
    profile_update(
        user_id=user_id, display_name="Alice L.", avatar_media_id=(avatar := make_media(owner_id=user_id).id)
    )

    author = Author.objects.get(pk=user_id)
    assert (author.username, author.display_name, author.avatar_media_id) == ("Alice", "Alice L.", avatar)


def test_the_follow_graph_and_follower_counts_follow_the_users_service() -> None:
    alice, bob, carol = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for user_id, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
        profile_create(user_id=user_id, username=name)

    follow_create(follower_id=alice, followee_id=bob)
    follow_create(follower_id=carol, followee_id=bob)
    follow_delete(follower_id=carol, followee_id=bob)

    assert list(FollowEdge.objects.values_list("follower_id", "followee_id")) == [(alice, bob)]
    assert Author.objects.get(pk=bob).followers_count == 1


def test_a_new_post_reaches_its_author_and_active_followers_then_is_published() -> None:
    author, follower = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=author, username="author")
    profile_create(user_id=follower, username="follower")
    follow_create(follower_id=follower, followee_id=author)
    for user_id in (author, follower):
        make_reader(user_id)
        timeline_store().replace(user_id, [])

    post = post_create(author_id=author, content="hello")

    assert post.status == PostStatus.PENDING  # as the writer saw it
    assert FeedPost.objects.get(pk=post.id).status == PostStatus.PUBLISHED  # after the fan-out
    assert (timeline(author), timeline(follower)) == ([post.id], [post.id])


def test_following_backfills_and_unfollowing_purges_the_followers_timeline() -> None:
    author, follower = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=author, username="author")
    profile_create(user_id=follower, username="follower")
    posts = [post_create(author_id=author, content=f"post {n}") for n in range(3)]
    own = post_create(author_id=follower, content="mine")
    timeline_store().replace(follower, [own.id])

    follow_create(follower_id=follower, followee_id=author)
    backfilled = timeline(follower)
    follow_delete(follower_id=follower, followee_id=author)

    assert backfilled == [own.id, *[p.id for p in reversed(posts)]]
    assert timeline(follower) == [own.id]


def test_a_deleted_post_leaves_every_timeline_it_reached() -> None:
    author, follower = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=author, username="author")
    profile_create(user_id=follower, username="follower")
    follow_create(follower_id=follower, followee_id=author)
    for user_id in (author, follower):
        make_reader(user_id)
        timeline_store().replace(user_id, [])
    post = post_create(author_id=author, content="oops")

    post_delete(user_id=author, post_id=post.id)

    assert (timeline(author), timeline(follower)) == ([], [])


def test_a_follow_heard_before_the_profile_is_kept_and_named_later() -> None:
    follower, followee = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=follower, username="early")
    profile_create(user_id=followee, username="late")
    Author.objects.filter(pk=followee).delete()  # as if user.profile_created were still on its way

    follow_create(follower_id=follower, followee_id=followee)
    placeholder = Author.objects.get(pk=followee)
    profile_update(user_id=followee, display_name="Late Comer")

    assert (placeholder.username, placeholder.followers_count) == ("", 1)
    named = Author.objects.get(pk=followee)
    assert (named.username, named.display_name, named.followers_count) == ("late", "Late Comer", 1)


def test_a_redelivered_event_changes_nothing() -> None:
    alice, bob = uuid.uuid4(), uuid.uuid4()
    profile_create(user_id=alice, username="alice")
    profile_create(user_id=bob, username="bob")
    with capture_events() as events:
        follow_create(follower_id=alice, followee_id=bob)
    [followed] = events
    [handler] = handlers_for(followed, ["feed"])
    event_class = handler.event_class

    applied = run_handler(handler, event_class.model_validate(followed.data), followed)

    assert applied is False
    assert Author.objects.get(pk=bob).followers_count == 1
    assert InboxMessage.objects.filter(event_id=followed.id).count() == 1
