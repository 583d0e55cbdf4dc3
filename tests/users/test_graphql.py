"""The users service's GraphQL API over real HTTP (uvicorn), with tokens minted for the test.

Each bad input gets a typed error and writes nothing: no profile change, no follow row, no
outbox row. The query-count test runs in-process to count the users database's queries.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.users.graphql.schema import schema
from apps.users.models import Follow, Profile
from tests.auth_helpers import access_token_for, bearer
from tests.conftest import ALL_DATABASES
from tests.live_server import LiveServer, live_server
from tests.media.factories import make_media
from tests.recorded_events import recorded
from tests.users.factories import make_follow, make_profile

pytestmark = pytest.mark.django_db(databases=ALL_DATABASES, transaction=True)

PATH = "/graphql/users/"

PROFILE_FIELDS = "id username displayName bio avatarMediaId followersCount followingCount viewerFollows"

FOLLOW = f"""
mutation($userId: ID, $username: String) {{
  followUser(userId: $userId, username: $username) {{
    errors {{ field code message }}
    profile {{ {PROFILE_FIELDS} }}
  }}
}}"""

UNFOLLOW = f"""
mutation($userId: ID, $username: String) {{
  unfollowUser(userId: $userId, username: $username) {{
    errors {{ field code message }}
    profile {{ {PROFILE_FIELDS} }}
  }}
}}"""

UPDATE = f"""
mutation($displayName: String, $bio: String, $avatarMediaId: ID) {{
  updateProfile(displayName: $displayName, bio: $bio, avatarMediaId: $avatarMediaId) {{
    errors {{ field code message }}
    profile {{ {PROFILE_FIELDS} }}
  }}
}}"""

PROFILE = f"""
query($id: ID, $username: String) {{
  profile(id: $id, username: $username) {{ {PROFILE_FIELDS} }}
}}"""


def list_query(name: str) -> str:
    return f"""
query($userId: ID, $username: String, $first: Int, $after: String) {{
  {name}(userId: $userId, username: $username, first: $first, after: $after) {{
    edges {{ cursor followedAt node {{ id username followersCount followingCount viewerFollows }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with live_server(tmp_path_factory.mktemp("users")) as running:
        yield running


def token(profile: Profile) -> str:
    return access_token_for(profile.user_id, profile.username)


def gql(server: LiveServer, query: str, *, as_user: Profile | None = None, **variables: Any) -> dict[str, Any]:
    headers = bearer(token(as_user)) if as_user is not None else {}
    with server.client() as client:
        response = client.post(PATH, json={"query": query, "variables": variables}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def profile_json(profile: Profile, *, viewer_follows: bool | None) -> dict[str, Any]:
    profile.refresh_from_db()
    return {
        "id": str(profile.user_id),
        "username": profile.username,
        "displayName": profile.display_name,
        "bio": profile.bio,
        "avatarMediaId": None if profile.avatar_media_id is None else str(profile.avatar_media_id),
        "followersCount": profile.followers_count,
        "followingCount": profile.following_count,
        "viewerFollows": viewer_follows,
    }


def published() -> list[tuple[str, str]]:
    return [(event.event_type, event.subject) for event in recorded(source="users")]


def error(field: str | None, code: str, message: str) -> list[dict[str, Any]]:
    return [{"field": field, "code": code, "message": message}]


def query_error(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The one error of a query, as (message, extensions)."""
    [only] = body["errors"]
    return only["message"], only["extensions"]


# --- following -----------------------------------------------------------------------------


def test_following_by_id_then_by_username_updates_counts_lists_and_publishes(server: LiveServer) -> None:
    alice, bob, carol = make_profile(username="alice"), make_profile(username="bob"), make_profile(username="carol")

    by_id = gql(server, FOLLOW, as_user=alice, userId=str(bob.user_id))
    by_name = gql(server, FOLLOW, as_user=alice, username="CAROL")

    assert by_id == {"data": {"followUser": {"errors": [], "profile": profile_json(bob, viewer_follows=True)}}}
    assert by_name["data"]["followUser"]["profile"]["id"] == str(carol.user_id)
    assert by_name["data"]["followUser"]["profile"]["followersCount"] == 1
    assert (bob.followers_count, bob.following_count) == (1, 0)
    alice.refresh_from_db()
    assert alice.following_count == 2
    assert published() == [("user.followed", str(alice.user_id))] * 2

    following = gql(server, list_query("following"), as_user=bob, username="alice")["data"]["following"]
    assert [edge["node"]["username"] for edge in following["edges"]] == ["carol", "bob"]  # newest first
    assert [edge["node"]["viewerFollows"] for edge in following["edges"]] == [False, False]  # bob follows nobody
    assert all(edge["followedAt"] for edge in following["edges"])
    assert following["pageInfo"] == {"hasNextPage": False, "endCursor": following["edges"][-1]["cursor"]}

    followers = gql(server, list_query("followers"), userId=str(bob.user_id))["data"]["followers"]
    assert [edge["node"] for edge in followers["edges"]] == [
        {"id": str(alice.user_id), "username": "alice", "followersCount": 0, "followingCount": 2, "viewerFollows": None}
    ]


def test_following_twice_is_no_error_and_counts_once(server: LiveServer) -> None:
    alice, bob = make_profile(), make_profile()

    first = gql(server, FOLLOW, as_user=alice, userId=str(bob.user_id))
    second = gql(server, FOLLOW, as_user=alice, userId=str(bob.user_id))

    assert (
        first == second == {"data": {"followUser": {"errors": [], "profile": profile_json(bob, viewer_follows=True)}}}
    )
    assert bob.followers_count == 1
    assert Follow.objects.count() == 1
    assert published() == [("user.followed", str(alice.user_id))]


def test_unfollowing_removes_the_edge_once_and_again_is_no_error(server: LiveServer) -> None:
    edge = make_follow()
    alice, bob = edge.follower, edge.followee

    first = gql(server, UNFOLLOW, as_user=alice, username=bob.username)
    second = gql(server, UNFOLLOW, as_user=alice, username=bob.username)

    expected = {"data": {"unfollowUser": {"errors": [], "profile": profile_json(bob, viewer_follows=False)}}}
    assert first == second == expected
    assert bob.followers_count == 0
    assert not Follow.objects.exists()
    assert published() == [("user.unfollowed", str(alice.user_id))]


def test_viewer_follows_says_whom_the_viewer_follows_on_every_node(server: LiveServer) -> None:
    viewer, star = make_profile(), make_profile()
    fans = [make_follow(followee=star).follower for _ in range(4)]
    make_follow(follower=viewer, followee=fans[1])
    make_follow(follower=viewer, followee=fans[3])

    page = gql(server, list_query("followers"), as_user=viewer, userId=str(star.user_id))["data"]["followers"]

    assert [(e["node"]["id"], e["node"]["viewerFollows"]) for e in page["edges"]] == [
        (str(fans[3].user_id), True),
        (str(fans[2].user_id), False),
        (str(fans[1].user_id), True),
        (str(fans[0].user_id), False),
    ]


def test_lists_page_with_the_end_cursor(server: LiveServer) -> None:
    star = make_profile()
    fans = [make_follow(followee=star).follower for _ in range(5)]
    query = list_query("followers")

    first = gql(server, query, userId=str(star.user_id), first=2)["data"]["followers"]
    second = gql(server, query, userId=str(star.user_id), first=2, after=first["pageInfo"]["endCursor"])["data"][
        "followers"
    ]
    last = gql(server, query, userId=str(star.user_id), first=2, after=second["pageInfo"]["endCursor"])["data"][
        "followers"
    ]

    ids = [[e["node"]["id"] for e in page["edges"]] for page in (first, second, last)]
    assert ids == [
        [str(p.user_id) for p in fans[4:2:-1]],
        [str(p.user_id) for p in fans[2:0:-1]],
        [str(fans[0].user_id)],
    ]
    assert [page["pageInfo"]["hasNextPage"] for page in (first, second, last)] == [True, True, False]


# --- profiles ------------------------------------------------------------------------------


def test_a_profile_is_found_by_id_or_username_and_an_unknown_one_is_null(server: LiveServer) -> None:
    alice = make_profile(username="Alice")

    assert gql(server, PROFILE, id=str(alice.user_id)) == {
        "data": {"profile": profile_json(alice, viewer_follows=None)}
    }
    assert gql(server, PROFILE, username="aLiCe")["data"]["profile"]["id"] == str(alice.user_id)
    assert gql(server, PROFILE, username="nobody") == {"data": {"profile": None}}
    assert gql(server, PROFILE, id=str(uuid.uuid4())) == {"data": {"profile": None}}


@pytest.mark.parametrize(
    ("variables", "message", "extensions"),
    [
        ({}, "Give exactly one of `id` and `username`.", {"code": "invalid", "field": None}),
        ({"id": "x", "username": "y"}, "Give exactly one of `id` and `username`.", {"code": "invalid", "field": None}),
        ({"id": "not-a-uuid"}, "`id` is not a valid id.", {"code": "invalid", "field": "id"}),
    ],
)
def test_a_profile_query_needs_exactly_one_valid_key(
    server: LiveServer, variables: dict[str, Any], message: str, extensions: dict[str, Any]
) -> None:
    body = gql(server, PROFILE, **variables)

    assert body["data"] == {"profile": None}
    assert query_error(body) == (message, extensions)


def test_updating_the_profile_changes_only_the_viewers_own(server: LiveServer) -> None:
    alice, bob = make_profile(username="alice"), make_profile(username="bob")
    avatar = make_media(owner_id=alice.user_id).id

    body = gql(server, UPDATE, as_user=alice, displayName="  Alice L. ", bio="Hi!", avatarMediaId=str(avatar))

    assert body == {"data": {"updateProfile": {"errors": [], "profile": profile_json(alice, viewer_follows=False)}}}
    assert (alice.display_name, alice.bio, alice.avatar_media_id) == ("Alice L.", "Hi!", avatar)
    assert profile_json(bob, viewer_follows=None)["displayName"] == "bob"
    assert published() == [("user.profile_updated", str(alice.user_id))]
    (update,) = recorded(source="users")
    assert update.data == {
        "user_id": str(alice.user_id),
        "username": "alice",
        "display_name": "Alice L.",
        "avatar_media_id": str(avatar),
    }


def test_null_resets_and_left_out_arguments_stay(server: LiveServer) -> None:
    alice = make_profile(username="alice", display_name="Alice", bio="Hi", avatar_media_id=uuid.uuid4())

    body = gql(server, UPDATE, as_user=alice, displayName=None, avatarMediaId=None)

    profile = body["data"]["updateProfile"]["profile"]
    assert (profile["displayName"], profile["bio"], profile["avatarMediaId"]) == ("alice", "Hi", None)


# --- bad input: a typed error, nothing written -----------------------------------------------


def assert_nothing_written(*profiles: Profile) -> None:
    assert not Follow.objects.exists()
    assert published() == []
    for profile in profiles:
        before = (profile.display_name, profile.bio, profile.followers_count, profile.following_count)
        profile.refresh_from_db()
        assert (profile.display_name, profile.bio, profile.followers_count, profile.following_count) == before


@pytest.mark.parametrize(
    ("mutation", "name", "variables"),
    [
        (FOLLOW, "followUser", {"username": "bob"}),
        (UNFOLLOW, "unfollowUser", {"username": "bob"}),
        (UPDATE, "updateProfile", {"bio": "anonymous bio"}),
    ],
)
def test_anonymous_mutations_are_refused(
    server: LiveServer, mutation: str, name: str, variables: dict[str, Any]
) -> None:
    bob = make_profile(username="bob")

    body = gql(server, mutation, **variables)

    assert body == {
        "data": {
            name: {
                "errors": error(None, "not_authenticated", "Log in first: this needs an access token."),
                "profile": None,
            }
        }
    }
    assert_nothing_written(bob)


def test_a_bad_token_is_refused_never_treated_as_anonymous(server: LiveServer) -> None:
    bob = make_profile(username="bob")
    with server.client() as client:
        response = client.post(
            PATH, json={"query": FOLLOW, "variables": {"username": "bob"}}, headers=bearer("not.a.token")
        )

    [refused] = response.json()["data"]["followUser"]["errors"]
    assert (refused["field"], refused["code"]) == (None, "token_invalid")
    assert_nothing_written(bob)


@pytest.mark.parametrize(("mutation", "name"), [(FOLLOW, "followUser"), (UNFOLLOW, "unfollowUser")])
@pytest.mark.parametrize("by", ["userId", "username"])
def test_you_cannot_follow_yourself(server: LiveServer, mutation: str, name: str, by: str) -> None:
    alice = make_profile(username="alice")
    key = str(alice.user_id) if by == "userId" else "alice"

    body = gql(server, mutation, as_user=alice, **{by: key})

    verb = "follow" if name == "followUser" else "unfollow"
    assert body["data"][name] == {
        "errors": error(by, "cannot_follow_self", f"You cannot {verb} yourself."),
        "profile": None,
    }
    assert_nothing_written(alice)


@pytest.mark.parametrize(("mutation", "name"), [(FOLLOW, "followUser"), (UNFOLLOW, "unfollowUser")])
@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({"username": "nobody"}, error("username", "not_found", "No user has this username.")),
        ({"userId": "00000000-0000-4000-8000-000000000000"}, error("userId", "not_found", "No user has this id.")),
        ({"userId": "42"}, error("userId", "invalid", "`userId` is not a valid id.")),
        ({}, error(None, "invalid", "Give exactly one of `userId` and `username`.")),
        ({"userId": "00000000-0000-4000-8000-000000000000", "username": "bob"}, None),
    ],
)
def test_following_needs_exactly_one_known_user(
    server: LiveServer, mutation: str, name: str, variables: dict[str, Any], expected: list[dict[str, Any]] | None
) -> None:
    alice, bob = make_profile(username="alice"), make_profile(username="bob")

    body = gql(server, mutation, as_user=alice, **variables)

    assert body["data"][name] == {
        "errors": expected or error(None, "invalid", "Give exactly one of `userId` and `username`."),
        "profile": None,
    }
    assert_nothing_written(alice, bob)


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        (
            {"displayName": "d" * 51},
            error("displayName", "too_long", "The display name has at most 50 characters (got 51)."),
        ),
        ({"displayName": " \t "}, error("displayName", "blank", "The display name cannot be blank.")),
        ({"bio": "b" * 301}, error("bio", "too_long", "The bio has at most 300 characters (got 301).")),
        ({"bio": "nul \x00"}, error("bio", "invalid_characters", "The bio cannot contain control characters.")),
        (
            {"displayName": "Fine", "bio": "b" * 301},
            error("bio", "too_long", "The bio has at most 300 characters (got 301)."),
        ),
        ({"avatarMediaId": "not-a-uuid"}, error("avatarMediaId", "invalid", "`avatarMediaId` is not a valid id.")),
    ],
)
def test_invalid_profile_updates_are_refused(
    server: LiveServer, variables: dict[str, Any], expected: list[dict[str, Any]]
) -> None:
    alice = make_profile(username="alice", bio="before")

    body = gql(server, UPDATE, as_user=alice, **variables)

    assert body == {"data": {"updateProfile": {"errors": expected, "profile": None}}}
    assert_nothing_written(alice)


def test_text_that_is_not_unicode_is_refused_with_a_clear_error_never_an_internal_one(server: LiveServer) -> None:
    alice = make_profile(username="alice", bio="before")
    # JSON may carry a lone surrogate ("\\ud800"), which no UTF-8 database can store or compare.
    requests = {
        "update": "mutation($v: String) { updateProfile(bio: $v) { errors { field code message } } }",
        "follow": "mutation($v: String) { followUser(username: $v) { errors { field code message } } }",
        "profile": "query($v: String) { profile(username: $v) { id } }",
    }
    answers = {}
    with server.client() as client:
        for name, query in requests.items():
            raw = json.dumps({"query": query, "variables": {"v": "x<lone>"}}).replace("<lone>", "\\ud800")
            response = client.post(
                PATH, content=raw, headers={**bearer(token(alice)), "content-type": "application/json"}
            )
            answers[name] = response.json()

    message = "The request contains text that is not valid Unicode."
    refused = {"errors": [{"message": message, "extensions": {"code": "invalid_request"}}]}
    assert answers == {"update": refused, "follow": refused, "profile": refused}  # 400s, before any resolver
    assert_nothing_written(alice)


def test_updating_without_a_profile_yet_is_not_found(server: LiveServer) -> None:
    token_only = Profile(user_id=uuid.uuid4(), username="ghost")  # an identity whose profile is not made yet

    body = gql(server, UPDATE, as_user=token_only, bio="hi")

    assert body["data"]["updateProfile"]["errors"] == error(
        None, "not_found", "You have no profile yet; it is created right after you register."
    )
    assert published() == []


@pytest.mark.parametrize("name", ["followers", "following"])
@pytest.mark.parametrize(
    ("variables", "message", "extensions"),
    [
        ({"first": 0}, "`first` must be between 1 and 100 (got 0).", {"code": "out_of_range", "field": "first"}),
        ({"first": 101}, "`first` must be between 1 and 100 (got 101).", {"code": "out_of_range", "field": "first"}),
        (
            {"after": "garbage"},
            "`after` is not a cursor this list handed out.",
            {"code": "invalid_cursor", "field": "after"},
        ),
        (
            {"after": "Zm9sbG93Oi0x"},  # base64 of "follow:-1": well encoded, not ours
            "`after` is not a cursor this list handed out.",
            {"code": "invalid_cursor", "field": "after"},
        ),
        (
            {"after": "Zm9sbG93Ojk5OTk5OTk5OTk5OTk5OTk5OTk5"},  # "follow:99999999999999999999": beyond bigint
            "`after` is not a cursor this list handed out.",
            {"code": "invalid_cursor", "field": "after"},
        ),
        ({"username": None}, "Give exactly one of `userId` and `username`.", {"code": "invalid", "field": None}),
        ({"username": "nobody"}, "No user has this username.", {"code": "not_found", "field": "username"}),
    ],
)
def test_bad_list_arguments_get_a_typed_error(
    server: LiveServer, name: str, variables: dict[str, Any], message: str, extensions: dict[str, Any]
) -> None:
    make_profile(username="alice")

    body = gql(server, list_query(name), **{"username": "alice", **variables})

    assert body["data"] == {name: None}
    assert query_error(body) == (message, extensions)


# --- cost ----------------------------------------------------------------------------------


@pytest.mark.django_db(databases=ALL_DATABASES)
def test_a_followers_page_costs_the_same_few_queries_whatever_the_page() -> None:
    star, viewer = make_profile(), make_profile()
    fans = [make_follow(followee=star).follower for _ in range(45)]
    for fan in fans[::3]:
        make_follow(follower=viewer, followee=fan)
    client = Client(headers=bearer(token(viewer)))

    def page(after: str | None) -> tuple[int, dict[str, Any]]:
        variables = {"userId": str(star.user_id), "first": 20, "after": after}
        with CaptureQueriesContext(connections["users"]) as queries:
            response = client.post(PATH, {"query": list_query("followers"), "variables": variables}, "application/json")
        return len(queries), response.json()["data"]["followers"]

    costs, sizes, after = [], [], None
    for _ in range(3):
        cost, connection = page(after)
        costs.append(cost)
        sizes.append(len(connection["edges"]))
        after = connection["pageInfo"]["endCursor"]

    assert sizes == [20, 20, 5]
    # The profile named, the page of edges with their profiles, the viewer's follows among them.
    assert costs == [3, 3, 3]


def test_a_viewer_can_update_only_their_own_profile(server: LiveServer) -> None:
    alice, bob = make_profile(username="alice", bio="alice's"), make_profile(username="bob", bio="bob's")
    # There is no argument naming the profile to update: it is always the token's user.
    arguments = set(schema.graphql_schema.mutation_type.fields["updateProfile"].args)
    assert arguments == {"displayName", "bio", "avatarMediaId"}

    gql(server, UPDATE, as_user=alice, bio="changed by alice")

    alice.refresh_from_db()
    bob.refresh_from_db()
    assert (alice.bio, bob.bio) == ("changed by alice", "bob's")
