"""The notifications GraphQL API (in process, through Django's test client): the grouped list
as a cursor connection with actors and posts hydrated in batches, read state, preferences, the
bell and mutes; each bad input a typed error that writes nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.notifications import selectors, services
from apps.notifications.models import Actor, NotificationGroup, StreamEntry
from tests.auth_helpers import access_token_for, bearer
from tests.notifications.factories import make_actor, make_follow, make_post

pytestmark = pytest.mark.django_db(databases=["notifications"])

PATH = "/graphql/notifications/"
NOON = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

LIST = """
query($first: Int, $after: String, $unreadOnly: Boolean, $kinds: [NotificationKind!]) {
  notifications(first: $first, after: $after, unreadOnly: $unreadOnly, kinds: $kinds) {
    edges { cursor node {
      id kind actorCount latestAt read position
      post { id excerpt }
      actors { id username displayName avatarMediaId }
    } }
    pageInfo { hasNextPage endCursor }
    streamPosition unreadCount
  }
}"""

MARK_READ = "mutation($ids: [ID!]!) { markRead(ids: $ids) { errors { field code message } marked unreadCount } }"
MARK_ALL = "mutation($upTo: Int) { markAllRead(upTo: $upTo) { errors { field code message } marked unreadCount } }"


def gql(query: str, *, as_user: Actor | None = None, **variables: Any) -> dict[str, Any]:
    headers = bearer(access_token_for(as_user.user_id, as_user.username)) if as_user else {}
    response = Client(headers=headers).post(PATH, {"query": query, "variables": variables}, "application/json")
    body: dict[str, Any] = response.json()
    return body


def like(post_author: Actor, post_id: int, liker: Actor | uuid.UUID, minutes: int = 0) -> None:
    services.like_added(
        post_id=post_id,
        post_author_id=post_author.user_id,
        user_id=liker.user_id if isinstance(liker, Actor) else liker,
        at=NOON + timedelta(minutes=minutes),
    )


def test_the_list_is_groups_with_their_latest_actors_and_post() -> None:
    me = make_actor(username="me")
    post = make_post(me, excerpt="my first post")
    ana, bob, cid, dan = (make_actor(username=n, avatar_media_id=uuid.uuid4()) for n in ("ana", "bob", "cid", "dan"))
    for n, liker in enumerate((ana, bob, cid, dan)):
        like(me, post.post_id, liker, n)
    services.follow_create(follower_id=ana.user_id, followee_id=me.user_id, at=NOON)

    body = gql(LIST, as_user=me)

    connection = body["data"]["notifications"]
    follow, likes = (edge["node"] for edge in connection["edges"])
    assert (follow["kind"], follow["post"], follow["actorCount"]) == ("FOLLOW", None, 1)
    assert likes["kind"] == "LIKE"
    assert likes["post"] == {"id": str(post.post_id), "excerpt": "my first post"}
    assert likes["actorCount"] == 4
    assert [a["username"] for a in likes["actors"]] == ["dan", "cid", "bob"]
    assert likes["actors"][0] == {
        "id": str(dan.user_id),
        "username": "dan",
        "displayName": dan.display_name,
        "avatarMediaId": str(dan.avatar_media_id),
    }
    assert (connection["unreadCount"], connection["streamPosition"]) == (2, 5)
    assert connection["pageInfo"]["hasNextPage"] is False


def test_pages_follow_the_cursor_and_filters_apply() -> None:
    me = make_actor()
    posts = [make_post(me) for _ in range(5)]
    for post in posts:
        like(me, post.post_id, uuid.uuid4())
    services.follow_create(follower_id=uuid.uuid4(), followee_id=me.user_id, at=NOON)
    services.notifications_mark_read(
        user_id=me.user_id, group_ids=[NotificationGroup.objects.get(recipient_id=me.user_id, kind="follow").id]
    )

    first = gql(LIST, as_user=me, first=2)["data"]["notifications"]
    second = gql(LIST, as_user=me, first=10, after=first["pageInfo"]["endCursor"])["data"]["notifications"]
    unread_likes = gql(LIST, as_user=me, unreadOnly=True, kinds=["LIKE"])["data"]["notifications"]
    follows = gql(LIST, as_user=me, kinds=["FOLLOW"])["data"]["notifications"]

    seen = [e["node"]["post"]["id"] if e["node"]["post"] else "follow" for e in first["edges"] + second["edges"]]
    assert seen == ["follow", *[str(p.post_id) for p in reversed(posts)]]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)
    assert len(unread_likes["edges"]) == 5
    assert [e["node"]["kind"] for e in follows["edges"]] == ["FOLLOW"]


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"first": 0}, "out_of_range"),
        ({"first": 101}, "out_of_range"),
        ({"after": "bm90IGEgY3Vyc29y"}, "invalid_cursor"),
        ({"after": "Zm9sbG93OjM="}, "invalid_cursor"),  # another list's cursor ("follow:3")
    ],
)
def test_bad_page_arguments_are_typed_errors(variables: dict[str, Any], code: str) -> None:
    body = gql(LIST, as_user=make_actor(), **variables)

    assert body["data"] == {"notifications": None}
    assert body["errors"][0]["extensions"]["code"] == code


def test_everything_needs_a_viewer() -> None:
    body = gql("{ unreadCount }")
    assert body["errors"][0]["extensions"]["code"] == "not_authenticated"
    payload = gql(MARK_ALL)["data"]["markAllRead"]
    assert payload["errors"][0]["code"] == "not_authenticated"


def test_a_page_costs_the_same_few_queries_however_many_groups_and_actors() -> None:
    me = make_actor()
    likers = [make_actor() for _ in range(4)]
    client = Client(headers=bearer(access_token_for(me.user_id, me.username)))

    def cost(groups: int) -> int:
        NotificationGroup.objects.all().delete()
        for _ in range(groups):
            post = make_post(me)
            for n, liker in enumerate(likers):
                like(me, post.post_id, liker, n)
        with CaptureQueriesContext(connections["notifications"]) as queries:
            response = client.post(PATH, {"query": LIST, "variables": {"first": 50}}, "application/json")
        assert len(response.json()["data"]["notifications"]["edges"]) == groups
        return len(queries)

    assert cost(1) == cost(20) <= 5  # the page, actors, posts, the position, the count


def test_mark_read_refuses_someone_elses_or_unknown_ids_and_writes_nothing() -> None:
    me, other = make_actor(), make_actor()
    like(me, make_post(me).post_id, uuid.uuid4())
    like(other, make_post(other).post_id, uuid.uuid4())
    mine = NotificationGroup.objects.get(recipient_id=me.user_id)
    theirs = NotificationGroup.objects.get(recipient_id=other.user_id)
    entries = StreamEntry.objects.count()

    refused = [
        gql(MARK_READ, as_user=me, ids=ids)["data"]["markRead"]
        for ids in ([str(theirs.id)], [str(mine.id), str(theirs.id)], ["999999999"], ["x1"])
    ]
    assert {r["errors"][0]["code"] for r in refused} == {"not_found"}
    assert {r["errors"][0]["message"] for r in refused} == {"Some of these ids name no notification of yours."}
    assert StreamEntry.objects.count() == entries
    assert selectors.unread_count(user_id=me.user_id) == selectors.unread_count(user_id=other.user_id) == 1

    done = gql(MARK_READ, as_user=me, ids=[str(mine.id)])["data"]["markRead"]
    assert done == {"errors": [], "marked": 1, "unreadCount": 0}
    assert gql("{ unreadCount }", as_user=other)["data"] == {"unreadCount": 1}


def test_mark_all_read_up_to_a_position() -> None:
    me = make_actor()
    for _ in range(3):
        like(me, make_post(me).post_id, uuid.uuid4())

    assert gql(MARK_ALL, as_user=me, upTo=-1)["data"]["markAllRead"]["errors"][0]["code"] == "out_of_range"
    assert gql(MARK_ALL, as_user=me, upTo=2)["data"]["markAllRead"] == {"errors": [], "marked": 2, "unreadCount": 1}
    assert gql(MARK_ALL, as_user=me)["data"]["markAllRead"] == {"errors": [], "marked": 1, "unreadCount": 0}


def test_preferences_are_read_and_changed_per_kind() -> None:
    me = make_actor()
    fields = "follow mention like comment post"

    before = gql(f"{{ notificationPreferences {{ {fields} }} }}", as_user=me)["data"]["notificationPreferences"]
    changed = gql(
        "mutation { updateNotificationPreferences(like: false, post: false) "
        f"{{ errors {{ code }} preferences {{ {fields} }} }} }}",
        as_user=me,
    )["data"]["updateNotificationPreferences"]

    assert before == dict.fromkeys(fields.split(), True)
    assert changed == {
        "errors": [],
        "preferences": {"follow": True, "mention": True, "like": False, "comment": True, "post": False},
    }
    like(me, make_post(me).post_id, uuid.uuid4())
    assert not NotificationGroup.objects.exists()


def test_the_bell_needs_a_follow_and_shows_on_its_query() -> None:
    me, followed, stranger = make_actor(), make_actor(), make_actor()
    make_follow(me, followed)
    setting = (
        "mutation($u: ID!, $on: Boolean!) "
        "{ setPostNotifications(userId: $u, enabled: $on) { errors { field code } enabled } }"
    )
    enabled = "query($u: ID!) { postNotificationsEnabled(userId: $u) }"

    refused = gql(setting, as_user=me, u=str(stranger.user_id), on=True)["data"]["setPostNotifications"]
    bad_id = gql(setting, as_user=me, u="nope", on=True)["data"]["setPostNotifications"]
    done = gql(setting, as_user=me, u=str(followed.user_id), on=True)["data"]["setPostNotifications"]

    assert refused == {"errors": [{"field": "userId", "code": "not_following"}], "enabled": None}
    assert bad_id["errors"] == [{"field": "userId", "code": "invalid"}]
    assert done == {"errors": [], "enabled": True}
    assert gql(enabled, as_user=me, u=str(followed.user_id))["data"] == {"postNotificationsEnabled": True}
    assert gql(enabled, as_user=me, u=str(stranger.user_id))["data"] == {"postNotificationsEnabled": False}


def test_muting_an_account_over_graphql() -> None:
    me, troll = make_actor(), make_actor()
    mute = "mutation($u: ID!, $m: Boolean!) { muteNotifications(userId: $u, muted: $m) { errors { code } muted } }"

    assert gql(mute, as_user=me, u=str(troll.user_id), m=True)["data"]["muteNotifications"] == {
        "errors": [],
        "muted": True,
    }
    assert gql(mute, as_user=me, u=str(me.user_id), m=True)["data"]["muteNotifications"]["errors"] == [
        {"code": "own_account"}
    ]
    query = "query($u: ID!) { notificationsMuted(userId: $u) }"
    assert gql(query, as_user=me, u=str(troll.user_id))["data"] == {"notificationsMuted": True}
    like(me, make_post(me).post_id, troll)
    assert not NotificationGroup.objects.exists()
