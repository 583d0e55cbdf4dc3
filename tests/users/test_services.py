"""Writes of the users service: validation, idempotency, counts, and the exact events."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from apps.users.errors import CannotFollowSelfError
from apps.users.models import Follow, Profile
from apps.users.services import follow_create, follow_delete, profile_create, profile_update
from socialapp.errors import ConflictError, InvalidInputError, NotFoundError
from socialapp.eventing.testing import capture_events
from tests.conftest import ALL_DATABASES
from tests.media.factories import make_media
from tests.users.factories import make_follow, make_profile

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def counts(profile: Profile) -> tuple[int, int]:
    profile.refresh_from_db()
    return profile.followers_count, profile.following_count


def events_of(envelopes: list[Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(e.type, e.subject, e.data) for e in envelopes]


# --- profile_create ------------------------------------------------------------------------


def test_a_new_profile_copies_the_username_into_the_display_name_and_announces_itself() -> None:
    user_id = uuid.uuid4()

    with capture_events() as events:
        profile = profile_create(user_id=user_id, username="Alice_1")

    stored = Profile.objects.get(pk=user_id)
    assert (stored.username, stored.display_name, stored.bio, stored.avatar_media_id) == (
        "Alice_1",
        "Alice_1",
        "",
        None,
    )
    assert (stored.followers_count, stored.following_count) == (0, 0)
    assert profile == stored
    assert events_of(events) == [
        (
            "user.profile_created",
            str(user_id),
            {"user_id": str(user_id), "username": "Alice_1", "display_name": "Alice_1", "avatar_media_id": None},
        )
    ]
    assert (events[0].source, events[0].version) == ("users", 1)


def test_creating_a_profile_that_exists_changes_nothing_and_publishes_nothing() -> None:
    existing = make_profile(username="alice", display_name="Alice A.")

    with capture_events() as events:
        again = profile_create(user_id=existing.user_id, username="alice")

    assert again.display_name == "Alice A."
    assert Profile.objects.count() == 1
    assert events == []


def test_a_username_is_unique_whatever_its_letter_case() -> None:
    holder = make_profile(username="alice")

    with capture_events() as events, pytest.raises(ConflictError) as error:
        profile_create(user_id=uuid.uuid4(), username="ALICE")

    assert error.value.as_dict() == {
        "field": "username",
        "code": "username_taken",
        "message": f"The username 'ALICE' already belongs to the profile of {holder.user_id}.",
    }
    assert Profile.objects.count() == 1
    assert events == []


# --- profile_update ------------------------------------------------------------------------


def test_updating_a_profile_trims_stores_and_publishes_the_new_public_fields() -> None:
    profile = make_profile(username="alice")
    avatar = make_media(owner_id=profile.user_id).id

    with capture_events() as events:
        profile_update(
            user_id=profile.user_id,
            display_name="  Alice Liddell ",
            bio=" Down the\nrabbit hole. ",
            avatar_media_id=avatar,
        )

    profile.refresh_from_db()
    assert (profile.display_name, profile.bio, profile.avatar_media_id) == (
        "Alice Liddell",
        "Down the\nrabbit hole.",
        avatar,
    )
    assert events_of(events) == [
        (
            "user.profile_updated",
            str(profile.user_id),
            {
                "user_id": str(profile.user_id),
                "username": "alice",
                "display_name": "Alice Liddell",
                "avatar_media_id": str(avatar),
            },
        )
    ]


def test_arguments_left_out_stay_and_null_resets_to_the_default() -> None:
    profile = make_profile(username="alice", display_name="Alice", bio="Hi", avatar_media_id=uuid.uuid4())

    profile_update(user_id=profile.user_id, bio="Hello")
    profile.refresh_from_db()
    assert (profile.display_name, profile.bio) == ("Alice", "Hello")

    profile_update(user_id=profile.user_id, display_name=None, bio=None, avatar_media_id=None)
    profile.refresh_from_db()
    assert (profile.display_name, profile.bio, profile.avatar_media_id) == ("alice", "", None)


def test_an_update_that_changes_nothing_publishes_nothing() -> None:
    profile = make_profile(username="alice", display_name="Alice", bio="Hi")

    with capture_events() as events:
        profile_update(user_id=profile.user_id, display_name=" Alice ", bio="Hi")

    assert events == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"display_name": "x" * 51},
            ("display_name", "too_long", "The display name has at most 50 characters (got 51)."),
        ),
        ({"display_name": "   "}, ("display_name", "blank", "The display name cannot be blank.")),
        (
            {"display_name": "two\nlines"},
            (
                "display_name",
                "invalid_characters",
                "The display name cannot contain control characters or line breaks.",
            ),
        ),
        ({"bio": "b" * 301}, ("bio", "too_long", "The bio has at most 300 characters (got 301).")),
        ({"bio": "nul\x00byte"}, ("bio", "invalid_characters", "The bio cannot contain control characters.")),
        ({"bio": "lone \ud800 surrogate"}, ("bio", "invalid_characters", "The bio cannot contain control characters.")),
        # One bad field spoils the whole update: the valid one is not written either.
        (
            {"display_name": "Fine", "bio": "b" * 301},
            ("bio", "too_long", "The bio has at most 300 characters (got 301)."),
        ),
    ],
)
def test_invalid_profile_text_is_refused_and_nothing_is_written(
    changes: dict[str, str], expected: tuple[str, str, str]
) -> None:
    profile = make_profile(username="alice", bio="before")

    with capture_events() as events, pytest.raises(InvalidInputError) as error:
        profile_update(user_id=profile.user_id, **changes)  # type: ignore[arg-type]

    assert (error.value.field, error.value.code, error.value.message) == expected
    profile.refresh_from_db()
    assert (profile.display_name, profile.bio) == ("alice", "before")
    assert events == []


def test_limits_are_inclusive() -> None:
    profile = make_profile()

    profile_update(user_id=profile.user_id, display_name="d" * 50, bio="b" * 300)

    profile.refresh_from_db()
    assert (len(profile.display_name), len(profile.bio)) == (50, 300)


def test_updating_a_profile_that_does_not_exist_is_not_found() -> None:
    with pytest.raises(NotFoundError) as error:
        profile_update(user_id=uuid.uuid4(), bio="hi")

    assert error.value.as_dict() == {
        "field": None,
        "code": "not_found",
        "message": "You have no profile yet; it is created right after you register.",
    }


# --- follow_create / follow_delete ---------------------------------------------------------


def test_following_writes_the_edge_counts_both_ends_and_publishes_keyed_by_the_follower() -> None:
    alice, bob = make_profile(), make_profile()

    with capture_events() as events:
        change = follow_create(follower_id=alice.user_id, followee_id=bob.user_id)

    assert Follow.objects.filter(follower=alice, followee=bob).count() == 1
    assert counts(alice) == (0, 1)
    assert counts(bob) == (1, 0)
    assert change.changed is True
    assert (change.follower.following_count, change.followee.followers_count) == (1, 1)
    assert events_of(events) == [
        (
            "user.followed",
            str(alice.user_id),
            {"follower_id": str(alice.user_id), "followee_id": str(bob.user_id)},
        )
    ]


def test_following_twice_is_not_an_error_and_counts_once() -> None:
    alice, bob = make_profile(), make_profile()
    follow_create(follower_id=alice.user_id, followee_id=bob.user_id)

    with capture_events() as events:
        change = follow_create(follower_id=alice.user_id, followee_id=bob.user_id)

    assert change.changed is False
    assert Follow.objects.count() == 1
    assert counts(bob) == (1, 0)
    assert events == []


def test_unfollowing_deletes_the_edge_uncounts_and_publishes() -> None:
    edge = make_follow()
    alice, bob = edge.follower, edge.followee

    with capture_events() as events:
        change = follow_delete(follower_id=alice.user_id, followee_id=bob.user_id)

    assert change.changed is True
    assert not Follow.objects.exists()
    assert counts(alice) == (0, 0)
    assert counts(bob) == (0, 0)
    assert events_of(events) == [
        (
            "user.unfollowed",
            str(alice.user_id),
            {"follower_id": str(alice.user_id), "followee_id": str(bob.user_id)},
        )
    ]


def test_unfollowing_someone_you_do_not_follow_changes_and_publishes_nothing() -> None:
    alice, bob = make_profile(), make_profile()
    make_follow(follower=bob, followee=alice)  # the other direction stays

    with capture_events() as events:
        change = follow_delete(follower_id=alice.user_id, followee_id=bob.user_id)

    assert change.changed is False
    assert Follow.objects.count() == 1
    assert counts(alice) == (1, 0)
    assert events == []


@pytest.mark.parametrize("action", [follow_create, follow_delete])
def test_you_cannot_follow_or_unfollow_yourself(action: Callable[..., Any]) -> None:
    alice = make_profile()

    with capture_events() as events, pytest.raises(CannotFollowSelfError) as error:
        action(follower_id=alice.user_id, followee_id=alice.user_id)

    assert (error.value.field, error.value.code) == ("followee_id", "cannot_follow_self")
    assert not Follow.objects.exists()
    assert counts(alice) == (0, 0)
    assert events == []


@pytest.mark.parametrize("action", [follow_create, follow_delete])
def test_following_an_unknown_user_is_not_found(action: Callable[..., Any]) -> None:
    alice = make_profile()

    with capture_events() as events, pytest.raises(NotFoundError) as error:
        action(follower_id=alice.user_id, followee_id=uuid.uuid4())

    assert error.value.as_dict() == {"field": "followee_id", "code": "not_found", "message": "No user has this id."}
    assert counts(alice) == (0, 0)
    assert events == []


def test_a_viewer_without_a_profile_cannot_follow() -> None:
    bob = make_profile()

    with pytest.raises(NotFoundError) as error:
        follow_create(follower_id=uuid.uuid4(), followee_id=bob.user_id)

    assert error.value.field is None
    assert counts(bob) == (0, 0)


# --- concurrency ---------------------------------------------------------------------------


def run_concurrently(*calls: Callable[[], object]) -> list[BaseException]:
    """Run the calls at once, each in its own thread and database connection."""
    barrier = threading.Barrier(len(calls))
    failures: list[BaseException] = []

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            call()
        except BaseException as error:  # reported to the test
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return failures


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_concurrent_follows_of_one_edge_count_once() -> None:
    alice, bob = make_profile(), make_profile()

    with capture_events() as events:
        failures = run_concurrently(*[lambda: follow_create(follower_id=alice.user_id, followee_id=bob.user_id)] * 4)

    assert failures == []
    assert Follow.objects.count() == 1
    assert counts(bob) == (1, 0)
    assert [e.type for e in events] == ["user.followed"]


@pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)
def test_two_users_following_each_other_at_once_do_not_deadlock() -> None:
    alice, bob = make_profile(), make_profile()

    def churn(follower: Profile, followee: Profile) -> None:
        for _ in range(20):
            follow_create(follower_id=follower.user_id, followee_id=followee.user_id)
            follow_delete(follower_id=follower.user_id, followee_id=followee.user_id)
        follow_create(follower_id=follower.user_id, followee_id=followee.user_id)

    failures = run_concurrently(lambda: churn(alice, bob), lambda: churn(bob, alice))

    assert failures == []
    assert counts(alice) == (1, 1)
    assert counts(bob) == (1, 1)
