"""Reads of the users service: lookups, keyset pages of the follow graph, batched checks."""

from __future__ import annotations

import uuid

import pytest
from pytest_django import DjangoAssertNumQueries

from apps.users import selectors
from apps.users.models import Profile
from socialapp.errors import InvalidInputError
from tests.conftest import ALL_DATABASES
from tests.users.factories import make_follow, make_profile

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES)


def test_a_profile_is_found_by_id_or_by_username_in_any_case() -> None:
    alice = make_profile(username="Alice_1")

    assert selectors.profile_by_id(user_id=alice.user_id) == alice
    assert selectors.profile_by_username(username="alice_1") == alice
    assert selectors.profile_by_username(username="ALICE_1") == alice


@pytest.mark.parametrize("username", ["nobody", "", "x" * 31, "ali\x00ce", "ali\ud800ce"])
def test_unknown_or_impossible_usernames_find_nobody(username: str) -> None:
    make_profile(username="alice")

    assert selectors.profile_by_username(username=username) is None
    assert selectors.profile_by_id(user_id=uuid.uuid4()) is None


def followers_of(profile: Profile, count: int) -> list[Profile]:
    """`count` new followers of `profile`, oldest first."""
    return [make_follow(followee=profile).follower for _ in range(count)]


def test_followers_come_newest_first_in_keyset_pages() -> None:
    alice = make_profile()
    followers = followers_of(alice, 5)
    make_follow(follower=alice)  # whom alice follows is another list

    first = selectors.followers_page(user_id=alice.user_id, first=2)
    second = selectors.followers_page(user_id=alice.user_id, first=2, after_id=first.follows[-1].id)
    last = selectors.followers_page(user_id=alice.user_id, first=2, after_id=second.follows[-1].id)

    pages = [first, second, last]
    assert [[f.follower for f in page.follows] for page in pages] == [
        followers[4:2:-1],
        followers[2:0:-1],
        followers[:1],
    ]
    assert [page.has_next for page in pages] == [True, True, False]


def test_a_page_exactly_as_long_as_what_is_left_has_no_next_page() -> None:
    alice = make_profile()
    followers_of(alice, 3)

    page = selectors.followers_page(user_id=alice.user_id, first=3)

    assert (len(page.follows), page.has_next) == (3, False)


def test_following_lists_whom_a_user_follows_newest_first() -> None:
    alice = make_profile()
    followed = [make_follow(follower=alice).followee for _ in range(3)]
    make_follow(followee=alice)

    page = selectors.following_page(user_id=alice.user_id, first=10)

    assert [f.followee for f in page.follows] == followed[::-1]
    assert page.has_next is False


def test_an_edge_removed_while_paging_does_not_break_the_next_page() -> None:
    alice = make_profile()
    followers_of(alice, 4)
    first = selectors.followers_page(user_id=alice.user_id, first=2)
    first.follows[-1].delete()  # the cursor's own row is gone

    second = selectors.followers_page(user_id=alice.user_id, first=2, after_id=first.follows[-1].id)

    assert len(second.follows) == 2


@pytest.mark.parametrize("first", [0, -1, 101])
def test_page_sizes_outside_1_to_100_are_refused(first: int) -> None:
    with pytest.raises(InvalidInputError) as error:
        selectors.followers_page(user_id=uuid.uuid4(), first=first)

    assert error.value.as_dict() == {
        "field": "first",
        "code": "out_of_range",
        "message": f"`first` must be between 1 and 100 (got {first}).",
    }


def test_followed_among_answers_for_a_whole_page_in_one_query(
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    viewer = make_profile()
    followed = [make_follow(follower=viewer).followee for _ in range(3)]
    others = [make_profile() for _ in range(3)]
    asked = [p.user_id for p in followed + others]

    with django_assert_num_queries(1, using="users"):
        result = selectors.followed_among(follower_id=viewer.user_id, followee_ids=asked)

    assert result == {p.user_id for p in followed}
    assert selectors.followed_among(follower_id=viewer.user_id, followee_ids=[]) == set()
